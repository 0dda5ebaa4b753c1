/**
 * The one byte cursor (zigbee-herdsman "buffalo" style): codecs read and write binary through it instead of
 * scattering `readUInt16BE(offset)` calls. Byte order is a property of the protocol, chosen once per cursor
 * (ZFM and the batch frame are big-endian; ESC/POS parameters are little-endian). A read past the end throws the
 * error the protocol wants (`onShort`), so each layer keeps its own coded failure.
 */
export type Endian = 'be' | 'le';

export interface ByteReaderOptions {
  endian?: Endian;
  /** Starting offset (default 0). */
  offset?: number;
  /** The error for a read past the end; default a RangeError. */
  onShort?: (what: string, needed: number, left: number, offset: number) => Error;
}

export class ByteReader<B extends Uint8Array = Uint8Array> {
  #offset: number;
  readonly #endian: Endian;
  readonly #onShort: NonNullable<ByteReaderOptions['onShort']>;

  constructor(
    readonly buf: B,
    options: ByteReaderOptions = {},
  ) {
    this.#offset = options.offset ?? 0;
    this.#endian = options.endian ?? 'be';
    this.#onShort = options.onShort ?? ((what, needed, left) => new RangeError(`read past end: ${what} needs ${needed} byte(s), ${left} left`));
  }

  get offset(): number {
    return this.#offset;
  }
  /** Moves the cursor (a parser skipping a length-prefixed field it does not decode). */
  set offset(at: number) {
    this.#offset = at;
  }
  get remaining(): number {
    return this.buf.length - this.#offset;
  }
  has(n: number): boolean {
    return this.#offset + n <= this.buf.length;
  }
  /** The byte `at` ahead without moving, or -1 past the end. */
  peek(at = 0): number {
    return this.buf[this.#offset + at] ?? -1;
  }

  #take(n: number, what: string): number {
    if (this.remaining < n) throw this.#onShort(what, n, this.remaining, this.#offset);
    const at = this.#offset;
    this.#offset += n;
    return at;
  }

  u8(what = 'u8'): number {
    return this.buf[this.#take(1, what)] ?? 0;
  }
  u16(what = 'u16'): number {
    const at = this.#take(2, what);
    const [a, b] = [this.buf[at] ?? 0, this.buf[at + 1] ?? 0];
    return this.#endian === 'be' ? (a << 8) | b : (b << 8) | a;
  }
  u32(what = 'u32'): number {
    const at = this.#take(4, what);
    const b = [0, 1, 2, 3].map((i) => this.buf[at + i] ?? 0);
    const [b0, b1, b2, b3] = (this.#endian === 'be' ? b : b.reverse()) as [number, number, number, number];
    return ((b0 << 24) >>> 0) + ((b1 << 16) | (b2 << 8) | b3);
  }
  /** The next n bytes, without copying (a view of the same memory; a Buffer stays a Buffer). */
  bytesN(n: number, what = 'bytes'): B {
    const at = this.#take(n, what);
    return this.buf.subarray(at, at + n) as B;
  }
  rest(): B {
    return this.bytesN(this.remaining, 'rest');
  }
}

export class ByteWriter {
  #buf: Uint8Array;
  #length = 0;
  readonly #endian: Endian;

  constructor(initialCapacity = 32, endian: Endian = 'be') {
    this.#buf = new Uint8Array(initialCapacity);
    this.#endian = endian;
  }

  #reserve(n: number): number {
    if (this.#length + n > this.#buf.length) {
      const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#length + n));
      next.set(this.#buf.subarray(0, this.#length));
      this.#buf = next;
    }
    const at = this.#length;
    this.#length += n;
    return at;
  }

  u8(v: number): this {
    this.#buf[this.#reserve(1)] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    const at = this.#reserve(2);
    const [hi, lo] = [(v >>> 8) & 0xff, v & 0xff];
    this.#buf[at] = this.#endian === 'be' ? hi : lo;
    this.#buf[at + 1] = this.#endian === 'be' ? lo : hi;
    return this;
  }
  u32(v: number): this {
    const at = this.#reserve(4);
    const be = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    this.#buf.set(this.#endian === 'be' ? be : be.reverse(), at);
    return this;
  }
  bytes(b: Uint8Array): this {
    const at = this.#reserve(b.length); // may reallocate #buf: reserve before touching it
    this.#buf.set(b, at);
    return this;
  }
  get length(): number {
    return this.#length;
  }
  /** A copy of what was written. */
  toBytes(): Uint8Array {
    return this.#buf.slice(0, this.#length);
  }
}
