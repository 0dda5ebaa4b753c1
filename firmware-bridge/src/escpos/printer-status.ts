import type { StatusRequest } from './realtime-commands.ts';

/** One view of the printer, from four DLE EOT replies or from one ASB message. */
export interface PrinterStatus {
  online: boolean;
  coverOpen: boolean;
  paperEnd: boolean;
  paperNearEnd: boolean;
  /** Any error: autocutter, unrecoverable or auto-recoverable. */
  error: boolean;
  autocutterError: boolean;
  unrecoverable: boolean;
  /** Auto-recoverable error (e.g. head overheat); clears by itself. */
  recoverable: boolean;
}

export const STATUS_ALL_FINE: PrinterStatus = Object.freeze({
  online: true,
  coverOpen: false,
  paperEnd: false,
  paperNearEnd: false,
  error: false,
  autocutterError: false,
  unrecoverable: false,
  recoverable: false,
});

const bit = (b: number, n: number) => (b & (1 << n)) !== 0;

/**
 * A DLE EOT reply has bits 1 and 4 set and bits 0 and 7 clear (so `12` is "nothing to
 * report"). An ASB first byte has bits 0, 1 and 7 clear and bit 4 set. Bit 1 tells them apart.
 */
export function isRealtimeStatusByte(b: number): boolean {
  return (b & 0x93) === 0x12;
}
export function isAsbFirstByte(b: number): boolean {
  return (b & 0x93) === 0x10;
}
/** ASB bytes 2–4 have bits 4 and 7 clear. */
export function isAsbFollowingByte(b: number): boolean {
  return (b & 0x90) === 0;
}

/** The fields one DLE EOT n reply speaks for (Epson ESC/POS reference, DLE EOT). */
export function decodeRealtimeStatus(n: StatusRequest, b: number): Partial<PrinterStatus> {
  switch (n) {
    case 1: // bit 3: offline
      return { online: !bit(b, 3) };
    case 2: // bit 2: cover open; bit 5: printing stopped by paper end; bit 6: error
      return { coverOpen: bit(b, 2), error: bit(b, 6) };
    case 3: // bit 3: autocutter error; bit 5: unrecoverable; bit 6: auto-recoverable
      return { autocutterError: bit(b, 3), unrecoverable: bit(b, 5), recoverable: bit(b, 6) };
    case 4: // bits 2–3: roll paper near-end sensor; bits 5–6: roll paper end sensor
      return { paperNearEnd: (b & 0x0c) !== 0, paperEnd: (b & 0x60) !== 0 };
  }
}

/** Combines the four replies (n = 1, 2, 3, 4) into one status. */
export function combineRealtimeStatus(replies: Record<StatusRequest, number>): PrinterStatus {
  const s = {
    ...STATUS_ALL_FINE,
    ...decodeRealtimeStatus(1, replies[1]),
    ...decodeRealtimeStatus(2, replies[2]),
    ...decodeRealtimeStatus(3, replies[3]),
    ...decodeRealtimeStatus(4, replies[4]),
  };
  // n=2 bit 5 (stopped for paper end) also means paper end, even where the n=4 sensor bits lag.
  if (bit(replies[2], 5)) s.paperEnd = true;
  s.error = s.error || s.autocutterError || s.unrecoverable || s.recoverable;
  return s;
}

/**
 * Automatic Status Back, 4 bytes (Epson ESC/POS reference, GS a):
 * byte 1: bit 3 offline, bit 5 cover open; byte 2: bit 3 autocutter error, bit 5
 * unrecoverable, bit 6 auto-recoverable; byte 3: bits 0–1 roll paper near end, bits 2–3
 * roll paper end; byte 4: model-specific, ignored.
 */
export function decodeAsb(bytes: Uint8Array): PrinterStatus {
  const [b1 = 0, b2 = 0, b3 = 0] = bytes;
  const s: PrinterStatus = {
    online: !bit(b1, 3),
    coverOpen: bit(b1, 5),
    paperNearEnd: (b3 & 0x03) !== 0,
    paperEnd: (b3 & 0x0c) !== 0,
    autocutterError: bit(b2, 3),
    unrecoverable: bit(b2, 5),
    recoverable: bit(b2, 6),
    error: false,
  };
  s.error = s.autocutterError || s.unrecoverable || s.recoverable;
  return s;
}

/** Inverse of decodeAsb, for the simulator. */
export function encodeAsb(s: PrinterStatus): Uint8Array {
  return Uint8Array.of(
    0x10 | (s.online ? 0 : 0x08) | (s.coverOpen ? 0x20 : 0),
    (s.autocutterError ? 0x08 : 0) | (s.unrecoverable ? 0x20 : 0) | (s.recoverable ? 0x40 : 0),
    (s.paperNearEnd ? 0x03 : 0) | (s.paperEnd ? 0x0c : 0),
    0x00,
  );
}

/** Inverse of decodeRealtimeStatus, for the simulator. */
export function encodeRealtimeStatus(n: StatusRequest, s: PrinterStatus): number {
  const base = 0x12;
  switch (n) {
    case 1:
      return base | (s.online ? 0 : 0x08);
    case 2:
      return base | (s.coverOpen ? 0x04 : 0) | (s.paperEnd ? 0x20 : 0) | (s.error ? 0x40 : 0);
    case 3:
      return base | (s.autocutterError ? 0x08 : 0) | (s.unrecoverable ? 0x20 : 0) | (s.recoverable ? 0x40 : 0);
    case 4:
      return base | (s.paperNearEnd ? 0x0c : 0) | (s.paperEnd ? 0x60 : 0);
  }
}

export function describeStatus(s: PrinterStatus): string {
  const parts: string[] = [];
  if (!s.online) parts.push('offline');
  if (s.coverOpen) parts.push('cover open');
  if (s.paperEnd) parts.push('paper end');
  else if (s.paperNearEnd) parts.push('paper near end');
  if (s.autocutterError) parts.push('autocutter error');
  if (s.unrecoverable) parts.push('unrecoverable error');
  if (s.recoverable) parts.push('auto-recoverable error');
  return parts.length ? parts.join(', ') : 'ready';
}
