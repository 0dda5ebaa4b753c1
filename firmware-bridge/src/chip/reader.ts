/**
 * Reading an eMRTD chip: select the LDS1 application, open it with BAC when it asks for access
 * control (9303-11 §4.3), read EF.COM, DG1, DG2 and EF.SOD, decode the face, compare DG1 with the
 * printed MRZ and run passive authentication. PACE (9303-11 §4.4) is not implemented: chips that
 * offer it must also offer BAC until the ICAO transition ends, and this reader uses BAC.
 */
import type * as pkijs from 'pkijs';
import { ApplianceError } from '../errors.ts';
import { BacHandshake, GET_CHALLENGE } from './bac.ts';
import { type BacKeyInput, bacKeys } from './bac-keys.ts';
import type { CardChannel } from './channel.ts';
import { ChipErrors } from './chip-errors.ts';
import { extractFace, type FaceImage } from './face.ts';
import { type EfCom, dg2BiometricBlocks, parseDg1, parseEfCom } from './lds.ts';
import { FID, type ReadOptions, readFile, selectApplication } from './lds-files.ts';
import { compareMrz, type MrzComparison } from './mrz-compare.ts';
import { type PaResult, passiveAuthentication } from './passive-auth.ts';
import { SecureMessaging } from './secure-messaging.ts';

export interface ChipReadOptions extends ReadOptions {
  /** The printed MRZ lines (scanned or typed): the BAC keys and the DG1 comparison. */
  readonly printedMrz: readonly string[];
  readonly bacInput: BacKeyInput;
  readonly cscas: readonly pkijs.Certificate[];
  readonly now: Date;
}

export interface ChipRead {
  readonly accessControl: 'bac' | 'none';
  readonly com: EfCom;
  readonly dg1Mrz: string[];
  readonly mrzComparison: MrzComparison;
  readonly face: FaceImage;
  readonly passiveAuthentication: PaResult;
  /** Raw files for storage and forwarding with the record (011E, 0101, 0102, 011D). */
  readonly files: ReadonlyMap<number, Buffer>;
  readonly apduCount: number;
}

/** Opens the chip: plain access when the chip allows it, else BAC. Returns which. */
export async function openChip(ch: CardChannel, input: BacKeyInput): Promise<'bac' | 'none'> {
  const app = await selectApplication(ch);
  if (app.sw !== 0x9000) throw new ApplianceError(ChipErrors.CHIP_UNREADABLE.code, 'the chip has no eMRTD application', { sw: app.sw.toString(16) });
  // A chip without access control answers a plain SELECT of EF.COM (9303-11 §4.2); a BAC chip refuses with 6982.
  const probe = await ch.send({ cla: 0x00, ins: 0xa4, p1: 0x02, p2: 0x0c, data: Buffer.from([0x01, 0x1e]) });
  if (probe.sw === 0x9000) return 'none';
  const keys = bacKeys(input);
  const challenge = await ch.send(GET_CHALLENGE);
  if (challenge.sw !== 0x9000) throw new ApplianceError(ChipErrors.CHIP_ACCESS_DENIED.code, `GET CHALLENGE refused (${challenge.sw.toString(16)})`);
  const hs = new BacHandshake(keys, challenge.data);
  const auth = await ch.send(hs.externalAuthenticate());
  if (auth.sw !== 0x9000) throw new ApplianceError(ChipErrors.CHIP_ACCESS_DENIED.code, 'the chip refused EXTERNAL AUTHENTICATE: the MRZ does not open this chip');
  ch.secure(new SecureMessaging(hs.complete(auth.data)));
  return 'bac';
}

export async function readChip(ch: CardChannel, opts: ChipReadOptions): Promise<ChipRead> {
  const accessControl = await openChip(ch, opts.bacInput);
  const files = new Map<number, Buffer>();
  for (const fid of [FID.COM, FID.DG1, FID.DG2, FID.SOD]) files.set(fid, await readFile(ch, fid, opts));
  const get = (fid: number) => files.get(fid) as Buffer;
  const dg1Mrz = parseDg1(get(FID.DG1));
  const blocks = dg2BiometricBlocks(get(FID.DG2));
  const face = extractFace(blocks[0] as Buffer);
  const pa = await passiveAuthentication(get(FID.SOD), new Map([[1, get(FID.DG1)], [2, get(FID.DG2)]]), opts.cscas, opts.now);
  return {
    accessControl,
    com: parseEfCom(get(FID.COM)),
    dg1Mrz,
    mrzComparison: compareMrz(opts.printedMrz, dg1Mrz),
    face,
    passiveAuthentication: pa,
    files,
    apduCount: ch.apduCount,
  };
}
