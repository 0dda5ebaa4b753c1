import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from './byte-cursor.ts';

describe('byte cursor', () => {
  it('reads big-endian fields as ZFM packets carry them (datasheet: length EF 01 ... 00 07 high byte first)', () => {
    const r = new ByteReader(Uint8Array.of(0xef, 0x01, 0x00, 0x07, 0xff, 0xff, 0xff, 0xfe, 0xaa));
    expect([r.u8(), r.u8(), r.u16(), r.u32()]).toEqual([0xef, 0x01, 0x0007, 0xfffffffe]);
    expect([...r.rest()]).toEqual([0xaa]);
  });

  it('reads little-endian fields as ESC/POS parameters carry them (GS v 0: xL xH)', () => {
    const r = new ByteReader(Uint8Array.of(0x30, 0x01, 0x78, 0x56, 0x34, 0x12), { endian: 'le' });
    expect([r.u16(), r.u32()]).toEqual([0x0130, 0x12345678]);
  });

  it('throws the protocol\'s own error on a short read, and peeks -1 past the end', () => {
    const r = new ByteReader(Uint8Array.of(1), { onShort: (what, needed, left) => new Error(`${what}: ${needed}/${left}`) });
    expect(r.peek(1)).toBe(-1);
    expect(() => r.u16('page id')).toThrow('page id: 2/1');
  });

  it('writes what it reads, in either byte order', () => {
    for (const endian of ['be', 'le'] as const) {
      const bytes = new ByteWriter(2, endian).u8(0xef).u16(0x0102).u32(0xfffffffe).bytes(Uint8Array.of(0xaa, 0xbb)).toBytes();
      const r = new ByteReader(bytes, { endian });
      expect([r.u8(), r.u16(), r.u32(), [...r.rest()]]).toEqual([0xef, 0x0102, 0xfffffffe, [0xaa, 0xbb]]);
    }
  });

  it('keeps a Buffer a Buffer', () => {
    const r = new ByteReader(Buffer.from('ZLB2'));
    expect(Buffer.isBuffer(r.bytesN(4))).toBe(true);
  });
});
