/**
 * Read cursor over a byte buffer (zigbee-herdsman "buffalo" style): one place for
 * little-endian reads and bounds, so parsers ask `has(n)` instead of indexing by hand.
 */
export class ByteCursor {
  constructor(
    readonly buf: Uint8Array,
    public offset = 0,
  ) {}

  has(n: number): boolean {
    return this.offset + n <= this.buf.length;
  }
  peek(at = 0): number {
    return this.buf[this.offset + at] ?? -1;
  }
  u8(): number {
    const v = this.buf[this.offset];
    if (v === undefined) throw new RangeError('ByteCursor: read past end');
    this.offset += 1;
    return v;
  }
  u16le(): number {
    return this.u8() | (this.u8() << 8);
  }
  u32le(): number {
    return (this.u16le() + this.u16le() * 0x10000) >>> 0;
  }
  take(n: number): Uint8Array {
    if (!this.has(n)) throw new RangeError('ByteCursor: read past end');
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}
