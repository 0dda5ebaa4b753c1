/**
 * Reading LDS elementary files, ICAO 9303-10 §3 and 9303-11 §9.8: SELECT by file identifier, the
 * TLV header from the first bytes, then READ BINARY in chunks. Offsets up to 7FFF go in P1-P2
 * (INS B0); past 32 KB the odd INS B1 carries the offset in DO'54' and the data comes back in DO'53'
 * (ISO/IEC 7816-4 §11.3.3).
 */
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import type { CardChannel } from './channel.ts';
import { encodeTlv, readHeader, splitTlvs } from './tlv.ts';

/** File identifiers of 9303-10 Table 39 (EF.COM, EF.SOD) and the data groups. */
export const FID = { COM: 0x011e, SOD: 0x011d, DG1: 0x0101, DG2: 0x0102 } as const;
/** The eMRTD LDS1 application (9303-10 §3.1). */
export const LDS1_AID = Buffer.from('A0000002471001', 'hex');

export interface ReadOptions {
  /**
   * Bytes asked per READ BINARY. 0xDF keeps a 3DES-SM answer (DO87 + DO99 + DO8E) inside a short
   * 256-byte response; above 256 the command goes out with extended length, which the reader and
   * chip must both support (their EF.ATR/INFO says so).
   */
  readonly chunk?: number;
  /** Called after every chunk (progress for the UI, the removal fault in tests). */
  readonly onProgress?: (fid: number, read: number, total: number) => void;
}

const malformed = (why: string) => new ApplianceError(FirmwareBridgeErrors.CHIP_DATA_MALFORMED.code, why);

export const selectApplication = (ch: CardChannel) =>
  ch.send({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x0c, data: LDS1_AID });

export async function selectFile(ch: CardChannel, fid: number): Promise<void> {
  await ch.expectOk({ cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x0c, data: Buffer.from([fid >> 8, fid & 0xff]) }, `SELECT ${fid.toString(16)}`);
}

async function readAt(ch: CardChannel, offset: number, length: number): Promise<Buffer> {
  if (offset <= 0x7fff) {
    return ch.expectOk({ cla: 0x00, ins: 0xb0, p1: offset >> 8, p2: offset & 0xff, ne: length }, `READ BINARY at ${offset}`);
  }
  const off = Buffer.alloc(3);
  off.writeUIntBE(offset, 0, 3);
  // DO'53' header takes up to 4 bytes of the answer.
  const raw = await ch.expectOk({ cla: 0x00, ins: 0xb1, p1: 0, p2: 0, data: encodeTlv(0x54, off), ne: length + 4 }, `READ BINARY at ${offset}`);
  const dos = splitTlvs(raw);
  const do53 = dos?.find((d) => d.tag === 0x53);
  if (!do53) throw malformed('READ BINARY (B1) answer carries no DO53');
  return do53.value;
}

/** Reads a whole LDS file: its length comes from the TLV header of its first bytes. */
export async function readFile(ch: CardChannel, fid: number, opts: ReadOptions = {}): Promise<Buffer> {
  const chunk = opts.chunk ?? 0xdf;
  await selectFile(ch, fid);
  const first = await readAt(ch, 0, 4);
  const h = readHeader(first);
  if (!h) throw malformed(`file ${fid.toString(16)} does not start with a TLV header`);
  const total = h.headerLength + h.length;
  const parts: Buffer[] = [first.subarray(0, Math.min(first.length, total))];
  let read = parts[0]?.length ?? 0;
  opts.onProgress?.(fid, read, total);
  while (read < total) {
    const data = await readAt(ch, read, Math.min(chunk, total - read));
    if (data.length === 0) throw malformed(`file ${fid.toString(16)} ended at ${read} of ${total} bytes`);
    parts.push(data);
    read += data.length;
    opts.onProgress?.(fid, read, total);
  }
  return Buffer.concat(parts).subarray(0, total);
}
