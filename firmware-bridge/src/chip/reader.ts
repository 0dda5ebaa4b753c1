/**
 * Reading an eMRTD chip: open it (9303-11 §4.2: PACE when EF.CardAccess offers a protocol this
 * reader runs, else BAC, else plain access), read EF.COM, DG1, DG2 and EF.SOD, decode the face,
 * compare DG1 with the printed MRZ and run passive authentication.
 */
import type * as pkijs from 'pkijs';
import { ApplianceError, isApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { BacHandshake, GET_CHALLENGE } from './bac.ts';
import { type BacKeyInput, bacKeys } from './bac-keys.ts';
import type { CardChannel } from './channel.ts';
import { extractFace, type FaceImage } from './face.ts';
import { type EfCom, dg2BiometricBlocks, parseDg1, parseEfCom } from './lds.ts';
import { FID, type ReadOptions, readFile, selectApplication } from './lds-files.ts';
import { choosePace, type PaceEphemeralKeys, runPace } from './pace.ts';
import { parseCardAccess } from './pace-info.ts';
import { compareMrz, type MrzComparison } from './mrz-compare.ts';
import { type PaResult, passiveAuthentication } from './passive-auth.ts';
import { SecureMessaging } from './secure-messaging.ts';
import { readHeader } from './tlv.ts';

export interface ChipReadOptions extends ReadOptions {
  /** The printed MRZ lines (scanned or typed): the BAC keys and the DG1 comparison. */
  readonly printedMrz: readonly string[];
  readonly bacInput: BacKeyInput;
  readonly cscas: readonly pkijs.Certificate[];
  readonly now: Date;
  /** Fixed PACE ephemeral keys (tests only). */
  readonly pace?: PaceEphemeralKeys;
}

/** How the chip was opened. */
export type AccessProtocol = 'pace' | 'bac' | 'none';

export interface ChipRead {
  /**
   * 'bac' when the MRZ opened the chip, by BAC or by PACE (the record schema knows 'bac' | 'none'
   * so far); `accessProtocol` says which.
   */
  readonly accessControl: 'bac' | 'none';
  readonly accessProtocol: AccessProtocol;
  /** Why PACE was not used on a chip whose EF.CardAccess offers it (unsupported protocol, or PACE failed and BAC opened it). */
  readonly paceFallback: string | null;
  readonly com: EfCom;
  readonly dg1Mrz: string[];
  readonly mrzComparison: MrzComparison;
  readonly face: FaceImage;
  readonly passiveAuthentication: PaResult;
  /** Raw files for storage and forwarding with the record (011E, 0101, 0102, 011D). */
  readonly files: ReadonlyMap<number, Buffer>;
  readonly apduCount: number;
}

/** EF.CardAccess under the MF, read by its short EF identifier 1C (9303-11 §4.2); null when the chip has none. */
export async function readCardAccess(ch: CardChannel): Promise<Buffer | null> {
  // After power-on the MF is current; the SELECT makes sure (its status does not matter: some chips refuse it).
  await ch.send({ cla: 0x00, ins: 0xa4, p1: 0x00, p2: 0x0c, data: Buffer.from([0x3f, 0x00]) });
  const readShort = (ne: number) => ch.send({ cla: 0x00, ins: 0xb0, p1: 0x80 | 0x1c, p2: 0x00, ne });
  let first = await readShort(256);
  // 6CXX: wrong Le, XX is the right one (ISO/IEC 7816-4 §5.1.3).
  if ((first.sw & 0xff00) === 0x6c00 && (first.sw & 0xff) > 0) first = await readShort(first.sw & 0xff);
  if ((first.sw !== 0x9000 && first.sw !== 0x6282) || first.data.length === 0) return null;
  const h = readHeader(first.data);
  const total = h ? h.headerLength + h.length : first.data.length;
  let data = first.data;
  // The short-EF read made EF.CardAccess current: the rest (rarely any) comes by offset.
  while (data.length < total) {
    const more = await ch.expectOk({ cla: 0x00, ins: 0xb0, p1: data.length >> 8, p2: data.length & 0xff, ne: Math.min(256, total - data.length) }, 'READ BINARY EF.CardAccess');
    if (more.length === 0) break;
    data = Buffer.concat([data, more]);
  }
  return data;
}

/** BAC, or plain access when the chip allows it (the LDS1 application selected in clear). */
async function openWithBac(ch: CardChannel, input: BacKeyInput): Promise<'bac' | 'none'> {
  const app = await selectApplication(ch);
  if (app.sw !== 0x9000) throw new ApplianceError(FirmwareBridgeErrors.CHIP_UNREADABLE.code, 'the chip has no eMRTD application', { sw: app.sw.toString(16) });
  // A chip without access control answers a plain SELECT of EF.COM (9303-11 §4.2); a BAC chip refuses with 6982.
  const probe = await ch.send({ cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x0c, data: Buffer.from([0x01, 0x1e]) });
  if (probe.sw === 0x9000) return 'none';
  const keys = bacKeys(input);
  const challenge = await ch.send(GET_CHALLENGE);
  if (challenge.sw !== 0x9000) throw new ApplianceError(FirmwareBridgeErrors.CHIP_ACCESS_DENIED.code, `GET CHALLENGE refused (${challenge.sw.toString(16)})`);
  const hs = new BacHandshake(keys, challenge.data);
  const auth = await ch.send(hs.externalAuthenticate());
  if (auth.sw !== 0x9000) throw new ApplianceError(FirmwareBridgeErrors.CHIP_ACCESS_DENIED.code, 'the chip refused EXTERNAL AUTHENTICATE: the MRZ does not open this chip');
  ch.secure(new SecureMessaging(hs.complete(auth.data)));
  return 'bac';
}

export interface OpenedChip {
  readonly protocol: AccessProtocol;
  readonly paceFallback: string | null;
}

/** The card went away: no point trying another protocol. */
const isRemoval = (err: unknown) => isApplianceError(err) && (err.code === FirmwareBridgeErrors.CHIP_REMOVED.code || err.code === FirmwareBridgeErrors.CHIP_NOT_PRESENT.code);
const why = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Opens the chip as 9303-11 §4.2 orders it: EF.CardAccess first; PACE with the first PACEInfo this reader
 * runs, then the LDS1 application selected under secure messaging. Without EF.CardAccess, with no PACEInfo
 * this reader runs, or when PACE fails, BAC (or plain access). When BAC fails after PACE failed, the PACE
 * error is the one reported (a PACE-only chip, or a wrong MRZ).
 */
export async function openChip(ch: CardChannel, input: BacKeyInput, pace: PaceEphemeralKeys = {}): Promise<OpenedChip> {
  let raw: Buffer | null = null;
  try {
    raw = await readCardAccess(ch);
  } catch (err) {
    if (isRemoval(err)) throw err;
  }
  if (!raw) return { protocol: await openWithBac(ch, input), paceFallback: null };
  let paceError: unknown;
  let fallback: string;
  try {
    const choice = choosePace(parseCardAccess(raw));
    if ('refused' in choice) throw new ApplianceError(FirmwareBridgeErrors.CHIP_UNREADABLE.code, `PACE: nothing this reader runs in EF.CardAccess (${choice.refused.join('; ')})`);
    const keys = await runPace(ch, input, choice, pace);
    ch.secure(new SecureMessaging(keys));
    const app = await selectApplication(ch);
    if (app.sw !== 0x9000) throw new ApplianceError(FirmwareBridgeErrors.CHIP_UNREADABLE.code, 'the chip has no eMRTD application', { sw: app.sw.toString(16) });
    return { protocol: 'pace', paceFallback: null };
  } catch (err) {
    if (isRemoval(err)) throw err;
    paceError = err;
    fallback = why(err);
  }
  // A failed PACE leaves no secure channel; BAC starts over in clear (9303-11 §4.2).
  ch.clearSecure();
  try {
    return { protocol: await openWithBac(ch, input), paceFallback: fallback };
  } catch (err) {
    if (isRemoval(err)) throw err;
    if (isApplianceError(paceError)) {
      throw new ApplianceError(paceError.code, `${paceError.message}; BAC: ${why(err)}`, paceError.context, { cause: err });
    }
    throw err;
  }
}

export async function readChip(ch: CardChannel, opts: ChipReadOptions): Promise<ChipRead> {
  const opened = await openChip(ch, opts.bacInput, opts.pace);
  const files = new Map<number, Buffer>();
  for (const fid of [FID.COM, FID.DG1, FID.DG2, FID.SOD]) files.set(fid, await readFile(ch, fid, opts));
  const get = (fid: number) => files.get(fid) as Buffer;
  const dg1Mrz = parseDg1(get(FID.DG1));
  const blocks = dg2BiometricBlocks(get(FID.DG2));
  const face = extractFace(blocks[0] as Buffer);
  const pa = await passiveAuthentication(get(FID.SOD), new Map([[1, get(FID.DG1)], [2, get(FID.DG2)]]), opts.cscas, opts.now);
  return {
    accessControl: opened.protocol === 'none' ? 'none' : 'bac',
    accessProtocol: opened.protocol,
    paceFallback: opened.paceFallback,
    com: parseEfCom(get(FID.COM)),
    dg1Mrz,
    mrzComparison: compareMrz(opts.printedMrz, dg1Mrz),
    face,
    passiveAuthentication: pa,
    files,
    apduCount: ch.apduCount,
  };
}
