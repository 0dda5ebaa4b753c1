import { ApplianceError } from '../errors.ts';
import { DeviceErrorCodes } from '../transport/device-errors.ts';

/**
 * One small cursor for binary reads and writes (zigbee-herdsman "buffalo" style), so codecs never
 * scatter `readUInt16BE(offset)` calls. The ZFM protocol is big-endian throughout (datasheet §"Packet
 * format": length, addresses, page ids and scores are sent high byte first).
 */
export class ByteReader {
  #offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get offset(): number {
    return this.#offset;
  }
  get remaining(): number {
    return this.bytes.length - this.#offset;
  }

  #take(n: number, what: string): number {
    if (this.remaining < n) {
      throw new ApplianceError(DeviceErrorCodes.FrameInvalid, `truncated field: ${what} needs ${n} byte(s), ${this.remaining} left`, {
        offset: this.#offset,
      });
    }
    const at = this.#offset;
    this.#offset += n;
    return at;
  }

  u8(what = 'u8'): number {
    return this.bytes[this.#take(1, what)] ?? 0;
  }
  u16(what = 'u16'): number {
    const at = this.#take(2, what);
    return ((this.bytes[at] ?? 0) << 8) | (this.bytes[at + 1] ?? 0);
  }
  u32(what = 'u32'): number {
    const at = this.#take(4, what);
    return (
      (((this.bytes[at] ?? 0) << 24) >>> 0) +
      (((this.bytes[at + 1] ?? 0) << 16) | ((this.bytes[at + 2] ?? 0) << 8) | (this.bytes[at + 3] ?? 0))
    );
  }
  bytesN(n: number, what = 'bytes'): Uint8Array {
    const at = this.#take(n, what);
    return this.bytes.subarray(at, at + n);
  }
  rest(): Uint8Array {
    return this.bytesN(this.remaining, 'rest');
  }
}

export class ByteWriter {
  #buf: Uint8Array;
  #length = 0;
  constructor(initialCapacity = 32) {
    this.#buf = new Uint8Array(initialCapacity);
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
    const at = this.#reserve(1);
    this.#buf[at] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    const at = this.#reserve(2);
    this.#buf[at] = (v >>> 8) & 0xff;
    this.#buf[at + 1] = v & 0xff;
    return this;
  }
  u32(v: number): this {
    const at = this.#reserve(4);
    this.#buf[at] = (v >>> 24) & 0xff;
    this.#buf[at + 1] = (v >>> 16) & 0xff;
    this.#buf[at + 2] = (v >>> 8) & 0xff;
    this.#buf[at + 3] = v & 0xff;
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
