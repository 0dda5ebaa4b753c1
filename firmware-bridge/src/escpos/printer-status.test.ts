import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  combineRealtimeStatus,
  decodeAsb,
  decodeRealtimeStatus,
  encodeAsb,
  encodeRealtimeStatus,
  isAsbFirstByte,
  isRealtimeStatusByte,
  type PrinterStatus,
  STATUS_ALL_FINE,
} from './printer-status.ts';

describe('DLE EOT status bytes (Epson ESC/POS reference, DLE EOT n)', () => {
  it('reads 12 on all four requests as "all fine"', () => {
    expect(combineRealtimeStatus({ 1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12 })).toEqual(STATUS_ALL_FINE);
  });

  it.each([
    // n, byte, what it says
    [1, 0x12, { online: true }],
    [1, 0x1a, { online: false }], // bit 3: offline
    [2, 0x12, { coverOpen: false, error: false }],
    [2, 0x16, { coverOpen: true, error: false }], // bit 2: cover open
    [2, 0x52, { coverOpen: false, error: true }], // bit 6: error
    [3, 0x1a, { autocutterError: true, unrecoverable: false, recoverable: false }], // bit 3
    [3, 0x32, { autocutterError: false, unrecoverable: true, recoverable: false }], // bit 5
    [3, 0x52, { autocutterError: false, unrecoverable: false, recoverable: true }], // bit 6
    [4, 0x12, { paperNearEnd: false, paperEnd: false }],
    [4, 0x1e, { paperNearEnd: true, paperEnd: false }], // bits 2-3: near-end sensor
    [4, 0x72, { paperNearEnd: false, paperEnd: true }], // bits 5-6: paper end sensor
    [4, 0x7e, { paperNearEnd: true, paperEnd: true }],
  ] as const)('DLE EOT %i answer %s decodes to %o', (n, byte, fields) => {
    expect(decodeRealtimeStatus(n, byte)).toEqual(fields);
  });

  it('treats "stopped for paper end" in the offline cause as paper end, and any error cause as an error', () => {
    const s = combineRealtimeStatus({ 1: 0x1a, 2: 0x32, 3: 0x1a, 4: 0x12 });
    expect(s).toMatchObject({ online: false, paperEnd: true, autocutterError: true, error: true });
  });

  it('round-trips every status through the simulator encoding and back', () => {
    fc.assert(
      fc.property(fc.record({ online: fc.boolean(), coverOpen: fc.boolean(), paperEnd: fc.boolean(), paperNearEnd: fc.boolean(), autocutterError: fc.boolean(), unrecoverable: fc.boolean(), recoverable: fc.boolean() }), (r) => {
        const s: PrinterStatus = { ...r, error: r.autocutterError || r.unrecoverable || r.recoverable };
        const bytes = { 1: encodeRealtimeStatus(1, s), 2: encodeRealtimeStatus(2, s), 3: encodeRealtimeStatus(3, s), 4: encodeRealtimeStatus(4, s) };
        for (const b of Object.values(bytes)) expect(isRealtimeStatusByte(b)).toBe(true);
        expect(combineRealtimeStatus(bytes)).toEqual(s);
        expect(decodeAsb(encodeAsb(s))).toEqual(s);
      }),
    );
  });
});

describe('Automatic Status Back vs DLE EOT answers', () => {
  it('tells an ASB first byte (bits 0-1 clear, bit 4 set) from a DLE EOT answer (bits 1 and 4 set)', () => {
    expect(isRealtimeStatusByte(0x12)).toBe(true);
    expect(isAsbFirstByte(0x12)).toBe(false);
    expect(isAsbFirstByte(0x10)).toBe(true);
    expect(isRealtimeStatusByte(0x10)).toBe(false);
    expect(isAsbFirstByte(0x38)).toBe(true); // offline + cover open
    expect(isAsbFirstByte(0x90)).toBe(false); // bit 7 is always clear
  });

  it.each([
    [[0x10, 0x00, 0x00, 0x00], STATUS_ALL_FINE],
    [[0x38, 0x00, 0x00, 0x00], { ...STATUS_ALL_FINE, online: false, coverOpen: true }],
    [[0x18, 0x00, 0x0f, 0x00], { ...STATUS_ALL_FINE, online: false, paperEnd: true, paperNearEnd: true }],
    [[0x18, 0x08, 0x00, 0x00], { ...STATUS_ALL_FINE, online: false, autocutterError: true, error: true }],
    [[0x10, 0x00, 0x03, 0x00], { ...STATUS_ALL_FINE, paperNearEnd: true }],
  ])('decodes ASB %j', (bytes, status) => {
    expect(decodeAsb(Uint8Array.from(bytes))).toEqual(status);
  });
});
