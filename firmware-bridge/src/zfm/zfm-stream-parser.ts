import { ByteReader } from './byte-cursor.ts';
import { isPacketType, PacketType, ZFM_HEADER_BYTES, type ZfmPacket, zfmChecksum } from './zfm-packet.ts';

/**
 * Incremental framer for the ZFM byte stream (unpi-parser style): feed it chunks as they arrive,
 * it calls back with whole, checksum-verified packets. It never throws: garbage, impossible lengths,
 * unknown identifiers and checksum mismatches are reported and the parser resynchronises on the next
 * `EF 01` after the bad start code. (Skipping one byte rather than the whole claimed frame is
 * deliberate: a false `EF 01` inside garbage must not swallow the real packet that follows it.)
 */
export type ParserReport =
  | { readonly kind: 'garbage'; readonly bytes: number }
  | { readonly kind: 'bad-length'; readonly length: number }
  | { readonly kind: 'bad-identifier'; readonly identifier: number }
  | { readonly kind: 'bad-checksum'; readonly identifier: number; readonly length: number };

export interface StreamParserOptions {
  onPacket(packet: ZfmPacket): void;
  onReport?(report: ParserReport): void;
  /**
   * Largest length field accepted, per packet identifier (or one number for all). A header claiming more
   * than the protocol allows is noise and would otherwise hold the parser waiting for bytes that never
   * come (measured: a false `EF 01 FFFFFFFF 02 0102` while idle blocked 21 captures). Default:
   * zfmMaxLengthField(256).
   */
  maxLengthField?: number | ((identifier: PacketType) => number);
}

/**
 * The protocol's limits (R307/R503 datasheet): a data packet carries at most the module's packet size
 * (32/64/128/256, SetSysPara parameter 6); the longest acknowledge is ReadSysPara's (confirmation + 16
 * bytes) and the longest command WriteNotepad's (code + page + 32 bytes). Length field = payload + 2.
 */
export function zfmMaxLengthField(packetSize: number): (identifier: PacketType) => number {
  return (identifier) => (identifier === PacketType.Data || identifier === PacketType.EndData ? packetSize + 2 : MAX_CONTROL_PAYLOAD + 2);
}
const MAX_CONTROL_PAYLOAD = 40;

const MIN_LENGTH_FIELD = 2; // an empty payload: checksum only

export class ZfmStreamParser {
  #buf: Uint8Array = new Uint8Array(0);
  readonly #maxLength: (identifier: PacketType) => number;

  constructor(private readonly options: StreamParserOptions) {
    const max = options.maxLengthField ?? zfmMaxLengthField(256);
    this.#maxLength = typeof max === 'number' ? () => max : max;
  }

  /** Bytes held waiting for the rest of a packet. */
  get pending(): number {
    return this.#buf.length;
  }

  reset(): void {
    this.#buf = new Uint8Array(0);
  }

  push(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.#buf.length + chunk.length);
    joined.set(this.#buf);
    joined.set(chunk, this.#buf.length);
    let pos = 0;
    for (;;) {
      const start = findStart(joined, pos);
      if (start < 0) {
        // Keep a trailing 0xEF: it may be the first half of a start code split across chunks.
        const keep = joined.length > pos && joined[joined.length - 1] === 0xef ? 1 : 0;
        const dropped = joined.length - pos - keep;
        if (dropped > 0) this.#report({ kind: 'garbage', bytes: dropped });
        pos = joined.length - keep;
        break;
      }
      if (start > pos) this.#report({ kind: 'garbage', bytes: start - pos });
      pos = start;
      if (joined.length - pos < ZFM_HEADER_BYTES) break;
      const header = new ByteReader(joined.subarray(pos + 2, pos + ZFM_HEADER_BYTES));
      const address = header.u32();
      const identifier = header.u8();
      const lengthField = header.u16();
      if (!isPacketType(identifier)) {
        this.#report({ kind: 'bad-identifier', identifier });
        pos += 1;
        continue;
      }
      if (lengthField < MIN_LENGTH_FIELD || lengthField > this.#maxLength(identifier)) {
        this.#report({ kind: 'bad-length', length: lengthField });
        pos += 1;
        continue;
      }
      const total = ZFM_HEADER_BYTES + lengthField;
      if (joined.length - pos < total) break;
      const body = new ByteReader(joined.subarray(pos + ZFM_HEADER_BYTES, pos + total));
      const payload = body.bytesN(lengthField - 2).slice();
      const checksum = body.u16();
      if (checksum !== zfmChecksum(identifier, lengthField, payload)) {
        this.#report({ kind: 'bad-checksum', identifier, length: lengthField - 2 });
        pos += 1;
        continue;
      }
      pos += total;
      this.options.onPacket({ address, type: identifier, payload });
    }
    this.#buf = joined.slice(pos);
  }

  #report(report: ParserReport): void {
    this.options.onReport?.(report);
  }
}

function findStart(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 1 < bytes.length; i++) {
    if (bytes[i] === 0xef && bytes[i + 1] === 0x01) return i;
  }
  return -1;
}
