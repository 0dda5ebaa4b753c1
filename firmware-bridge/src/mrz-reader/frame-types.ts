/**
 * Types shared by the MRZ frame parser and its consumers (driver, tests): framing modes, what a read and a
 * rejection look like, reject codes, and the injectable clock.
 */
export type FramingMode = 'auto' | 'cr' | 'crlf' | 'stx-etx' | '3m';
export type DetectedFraming = 'cr' | 'crlf' | 'lf' | 'stx-etx' | 'desko' | 'access-is' | '3m';

export const RejectCodes = {
  /** Bytes that are not MRZ characters or known framing, outside or inside a read. */
  Garbage: 'GARBAGE',
  /** A line whose length is not 30, 36 or 44. */
  LineLength: 'LINE_LENGTH',
  /** Lines of different lengths in one read. */
  InconsistentLines: 'INCONSISTENT_LINES',
  /** A line cut off by the inter-byte timeout. */
  PartialLine: 'PARTIAL_LINE',
  TooManyLines: 'TOO_MANY_LINES',
  /** A framed read with no lines (a reader reports "no MRZ found" this way). */
  EmptyRead: 'EMPTY_READ',
  /** An Access-IS magnetic-stripe or barcode message: not an MRZ. */
  NotOcr: 'NOT_OCR',
  /** A read whose lines stopped before the format's count (2 or 3) and that a real silence then ended. */
  IncompleteRead: 'INCOMPLETE_READ',
  /** A read cut short by a new read starting or by the reader going away. */
  Interrupted: 'INTERRUPTED',
} as const;
export type RejectCode = (typeof RejectCodes)[keyof typeof RejectCodes];

export interface FrameRead {
  lines: string[];
  framing: DetectedFraming;
  byteCount: number;
  /** Clock time (performance.now() by default) when the chunk holding the read's last byte arrived. */
  receivedAt: number;
  /** True when the line count matches the line length (2×44, 2×36, 3×30). */
  complete: boolean;
  endedBy: 'terminator' | 'timeout';
}

export interface FrameRejected {
  code: RejectCode;
  reason: string;
  byteCount: number;
}

/** Time source and timer, injectable so tests can fire the inter-byte timeout deterministically (the devices' one clock). */
export type { DeviceClock as ParserClock } from '../transport/device-clock.ts';
export { realClock } from '../transport/device-clock.ts';
