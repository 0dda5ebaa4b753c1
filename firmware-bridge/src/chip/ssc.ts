/** The send sequence counter of 3DES secure messaging: 8 bytes, big-endian, incremented before every command and response (9303-11 §9.8.2). */
export class SendSequenceCounter {
  #value: bigint;
  constructor(initial: Uint8Array) {
    if (initial.length !== 8) throw new RangeError('SSC is 8 bytes for 3DES secure messaging');
    this.#value = Buffer.from(initial).readBigUInt64BE();
  }
  /** Increments, then returns the new value as 8 bytes. */
  next(): Buffer {
    this.#value = (this.#value + 1n) & 0xffff_ffff_ffff_ffffn;
    return this.bytes();
  }
  bytes(): Buffer {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(this.#value);
    return b;
  }
}
