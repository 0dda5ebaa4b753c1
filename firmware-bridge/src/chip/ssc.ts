/**
 * The send sequence counter of secure messaging, big-endian, incremented before every command and
 * response (9303-11 §9.8.2): 8 bytes under 3DES (from the BAC nonces), 16 bytes under AES (zero after PACE).
 */
export class SendSequenceCounter {
  #value: bigint;
  readonly #length: number;
  readonly #mask: bigint;
  constructor(initial: Uint8Array) {
    if (initial.length !== 8 && initial.length !== 16) throw new RangeError('SSC is 8 bytes (3DES) or 16 bytes (AES)');
    this.#length = initial.length;
    this.#mask = (1n << BigInt(8 * initial.length)) - 1n;
    this.#value = BigInt(`0x${Buffer.from(initial).toString('hex')}`);
  }
  /** Increments, then returns the new value. */
  next(): Buffer {
    this.#value = (this.#value + 1n) & this.#mask;
    return this.bytes();
  }
  bytes(): Buffer {
    return Buffer.from(this.#value.toString(16).padStart(2 * this.#length, '0'), 'hex');
  }
}
