import { Ascii } from './mrz-wire.ts';

/**
 * Access-IS readers in USB HID POS mode (vendor id 0DB5; PROTOCOLS.md): every input report starts with a
 * length byte whose bit 7 is masked off (bits 0–6 give the number of payload bytes that follow; the rest
 * of the fixed-size report is padding), and a message is the concatenation of report payloads:
 * - OCR: `1C 02` lines separated by `0D`, then `03 1D`;
 * - magnetic stripe: `0E 02 … 03 0F`;
 * - barcode: `1E 02 symbology-id … 03 1F`.
 *
 * `hidPosPayload` is the report layer alone (HidTransport uses it and hands the payload stream to the
 * frame parser, which knows these envelopes); `HidPosDecoder` also parses whole messages, for callers
 * that want OCR lines directly.
 */
export interface HidPosOptions {
  /** The device uses numbered reports: byte 0 is a report id, the length byte follows. */
  reportId?: boolean;
}

export function hidPosPayload(report: Uint8Array, options: HidPosOptions = {}): Buffer {
  const r = options.reportId ? report.subarray(1) : report;
  if (r.length === 0) return Buffer.alloc(0);
  const length = (r[0] ?? 0) & 0x7f;
  // A length longer than the report is a corrupt report: take what is there rather than read past it.
  return Buffer.from(r.subarray(1, 1 + Math.min(length, r.length - 1)));
}

export type AccessIsMessage =
  | { kind: 'ocr'; lines: string[] }
  | { kind: 'msr'; data: Buffer }
  | { kind: 'barcode'; symbology: string; data: Buffer };

const STARTS: Record<number, { kind: AccessIsMessage['kind']; end: number }> = {
  [Ascii.FS]: { kind: 'ocr', end: Ascii.GS },
  [Ascii.SO]: { kind: 'msr', end: Ascii.SI },
  [Ascii.RS]: { kind: 'barcode', end: Ascii.US },
};

/** Longest message body kept; a stream that never closes a message is dropped beyond this. */
const MAX_BODY = 4096;

export class HidPosDecoder {
  readonly #options: HidPosOptions;
  #kind: AccessIsMessage['kind'] | undefined;
  #stage: 'idle' | 'stx' | 'body' | 'end' = 'idle';
  #end = 0;
  #body: number[] = [];
  /** Bytes outside any message since the decoder was made (for diagnostics). */
  discardedBytes = 0;

  constructor(options: HidPosOptions = {}) {
    this.#options = options;
  }

  push(report: Uint8Array): AccessIsMessage[] {
    const out: AccessIsMessage[] = [];
    for (const b of hidPosPayload(report, this.#options)) {
      const message = this.#byte(b);
      if (message) out.push(message);
    }
    return out;
  }

  #byte(b: number): AccessIsMessage | undefined {
    switch (this.#stage) {
      case 'idle':
      case 'end': {
        const start = STARTS[b];
        if (start) {
          this.#kind = start.kind;
          this.#end = start.end;
          this.#stage = 'stx';
        } else if (!(this.#stage === 'end' && b === this.#end)) this.discardedBytes++;
        if (this.#stage === 'end') this.#stage = 'idle';
        return undefined;
      }
      case 'stx':
        if (b === Ascii.STX) {
          this.#stage = 'body';
          this.#body = [];
        } else {
          this.discardedBytes += 2;
          this.#stage = 'idle';
        }
        return undefined;
      case 'body':
        if (b === Ascii.ETX) {
          this.#stage = 'end';
          return this.#message();
        }
        if (this.#body.length >= MAX_BODY) {
          this.discardedBytes += this.#body.length;
          this.#stage = 'idle';
          return undefined;
        }
        this.#body.push(b);
        return undefined;
    }
  }

  #message(): AccessIsMessage {
    const body = Buffer.from(this.#body);
    this.#body = [];
    if (this.#kind === 'ocr') {
      const lines = body.toString('latin1').split('\r').filter((l) => l.length > 0);
      return { kind: 'ocr', lines };
    }
    if (this.#kind === 'msr') return { kind: 'msr', data: body };
    return { kind: 'barcode', symbology: body.subarray(0, 1).toString('latin1'), data: body.subarray(1) };
  }
}
