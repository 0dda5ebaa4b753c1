/**
 * The simulated passports: LDS1 files (9303-10 §4: EF.COM, DG1, DG2 with an ISO/IEC 19794-5 record,
 * EF.SOD signed by a test document signer) and the chip variants the appliance and the tests present:
 * valid, altered DG1, unknown signer, signer expired, no access control, removed mid-read, PACE (with BAC
 * as well, brainpoolP256r1) and PACE only (no BAC, NIST P-256).
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { generateMrz } from '../../mrz/generate.ts';
import type { MrzSpec } from '../../mrz/types.ts';
import type { ChipBehaviour, SimChipFiles } from './sim-card.ts';
import { CardRemovedError } from './sim-card.ts';
import { chipAccessKeys, mrzDigest } from './sim-crypto.ts';
import { FACE_JP2 } from './face-jp2.fixture.ts';
import { JP2_FACE_SOURCE, syntheticFace } from './sim-face.ts';
import { buildCardAccess, type SimPaceOffer } from './sim-pace.ts';
import { createCsca, createDocumentSigner, type Signer, toPem } from './sim-pki.ts';

export const CHIP_KINDS = ['valid', 'altered-dg1', 'unknown-signer', 'signer-expired', 'no-access-control', 'removed', 'pace', 'pace-only', 'jp2-face'] as const;
export type ChipKind = (typeof CHIP_KINDS)[number];

export interface SimPassport extends SimChipFiles {
  readonly kind: ChipKind;
  /** The MRZ printed on the data page (what the MRZ reader scans). */
  readonly mrz: string[];
  readonly behaviour: ChipBehaviour;
  readonly face: Buffer;
}

function tlv(tag: number, value: Buffer): Buffer {
  const t = tag > 0xff ? [tag >> 8, tag & 0xff] : [tag];
  const n = value.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([...t, ...len]), value]);
}

/** ISO/IEC 19794-5:2005 record with one full-frontal face, JPEG (data type 0) or JPEG 2000 (1). */
function faceRecord(jpegBytes: Buffer, width: number, height: number, dataType: 0 | 1): Buffer {
  const facial = Buffer.alloc(20);
  facial.writeUInt32BE(20 + 12 + jpegBytes.length, 0);
  const image = Buffer.alloc(12);
  image[0] = 1; // full frontal
  image[1] = dataType;
  image.writeUInt16BE(width, 2);
  image.writeUInt16BE(height, 4);
  image[6] = 1; // 24-bit RGB
  const body = Buffer.concat([facial, image, jpegBytes]);
  const general = Buffer.alloc(14);
  general.write('FAC\x00010\x00', 0, 'latin1');
  general.writeUInt32BE(14 + body.length, 8);
  general.writeUInt16BE(1, 12);
  return Buffer.concat([general, body]);
}

/** DG2 around one face image: JPEG, or JPEG 2000 (a JP2 file or a bare J2K codestream) with `dataType` 1. */
export function buildDg2(jpegBytes: Buffer, width = 240, height = 320, dataType: 0 | 1 = 0): Buffer {
  const header = tlv(0xa1, Buffer.concat([tlv(0x87, Buffer.from([0x01, 0x01])), tlv(0x88, Buffer.from([0x00, 0x08]))]));
  const bit = tlv(0x7f60, Buffer.concat([header, tlv(0x5f2e, faceRecord(jpegBytes, width, height, dataType))]));
  return tlv(0x75, tlv(0x7f61, Buffer.concat([tlv(0x02, Buffer.from([1])), bit])));
}

export const buildDg1 = (mrz: readonly string[]) => tlv(0x61, tlv(0x5f1f, Buffer.from(mrz.join(''), 'latin1')));
const buildCom = () => tlv(0x60, Buffer.concat([tlv(0x5f01, Buffer.from('0107')), tlv(0x5f36, Buffer.from('040000')), tlv(0x5c, Buffer.from([0x61, 0x75]))]));

/** EF.SOD: CMS SignedData over the LDS security object (SHA-256 hashes of DG1 and DG2), 9303-10 §4.6.2. */
export async function buildSod(groups: ReadonlyMap<number, Buffer>, signer: Signer): Promise<Buffer> {
  const sha256 = (b: Buffer | ArrayBuffer) => createHash('sha256').update(Buffer.from(b as ArrayBuffer)).digest();
  const lso = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new pkijs.AlgorithmIdentifier({ algorithmId: '2.16.840.1.101.3.4.2.1' }).toSchema(),
      new asn1js.Sequence({
        value: [...groups].map(([n, bytes]) => new asn1js.Sequence({ value: [new asn1js.Integer({ value: n }), new asn1js.OctetString({ valueHex: sha256(bytes) })] })),
      }),
    ],
  }).toBER();
  const cert = signer.certificate;
  const sd = new pkijs.SignedData({
    version: 3,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: '2.23.136.1.1.1', eContent: new asn1js.OctetString({ valueHex: lso }) }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({
          type: 0,
          attributes: [
            new pkijs.Attribute({ type: '1.2.840.113549.1.9.3', values: [new asn1js.ObjectIdentifier({ value: '2.23.136.1.1.1' })] }),
            new pkijs.Attribute({ type: '1.2.840.113549.1.9.4', values: [new asn1js.OctetString({ valueHex: sha256(lso) })] }),
          ],
        }),
      }),
    ],
    certificates: [cert],
  });
  await sd.sign(signer.privateKey, 0, 'SHA-256');
  const info = new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.SIGNED_DATA, content: sd.toSchema(true) });
  return tlv(0x77, Buffer.from(info.toSchema().toBER()));
}

export interface SimPassportSet {
  /** PEM bundle of the trusted CSCA (the rogue CSCA behind 'unknown-signer' is not in it). */
  readonly cscaList: Buffer;
  /** The same trusted CSCA as certificates, for a reader given its trust anchors directly. */
  readonly cscas: readonly pkijs.Certificate[];
  readonly passports: ReadonlyMap<ChipKind, SimPassport>;
}

const SPEC: MrzSpec = {
  format: 'TD3',
  issuingState: 'ZWE',
  nationality: 'ZWE',
  documentNumber: 'FN0123456',
  surname: 'MOYO',
  givenNames: 'TENDAI',
  sex: 'F',
  birthDate: '900412',
  expiryDate: '320101',
};

/** id-PACE-ECDH-GM-AES-CBC-CMAC-128 / -192 / -256 and id-PACE-DH-GM-AES-CBC-CMAC-128 (9303-11 §9.2.3). */
export const PACE_OIDS = {
  ecdhGmAes128: '0.4.0.127.0.7.2.2.4.2.2',
  ecdhGmAes192: '0.4.0.127.0.7.2.2.4.2.3',
  ecdhGmAes256: '0.4.0.127.0.7.2.2.4.2.4',
  dhGmAes128: '0.4.0.127.0.7.2.2.4.1.2',
  ecdhGm3des: '0.4.0.127.0.7.2.2.4.2.1',
} as const;

/** How a PACE chip is set up: the protocol it runs, what EF.CardAccess lists, whether BAC is there too. */
export interface SimPaceSpec {
  readonly oid: string;
  readonly parameterId: number;
  readonly bac: boolean;
  /** EF.CardAccess entries (default: just the protocol it runs). */
  readonly offers?: readonly SimPaceOffer[];
  /** Refuse MSE:Set AT (a chip whose PACE the reader cannot complete). */
  readonly refuse?: boolean;
}

/** The PACE set-up of each PACE kind (tests start from one to vary what EF.CardAccess offers). */
export const PACE_KINDS: Partial<Record<ChipKind, SimPaceSpec>> = {
  // Lists DH first, as many chips do: the reader must skip what it does not run.
  pace: {
    oid: PACE_OIDS.ecdhGmAes128,
    parameterId: 13,
    bac: true,
    offers: [
      { oid: PACE_OIDS.dhGmAes128, parameterId: 2 },
      { oid: PACE_OIDS.ecdhGmAes128, parameterId: 13 },
    ],
  },
  'pace-only': { oid: PACE_OIDS.ecdhGmAes128, parameterId: 12, bac: false },
};

export interface SimPassportOptions {
  readonly now?: Date;
  /** Grain of the synthetic face: the default gives a ~15 KB DG2; large values push DG2 past 32 KB. */
  readonly faceGrain?: number;
  /** For 'removed': pull the card at this READ BINARY offset of DG2 (default 2048). */
  readonly removeAtOffset?: number;
}

/**
 * The BAC fields of a printed MRZ by their 9303-4/-5 positions (TD3: line 2; TD1: lines 1 and 2), read here
 * and not with the reader's parser: the simulator keeps its own view of the data page.
 */
function printedAccessFields(lines: readonly string[]): { documentNumber: string; birth: string; expiry: string } {
  const [l1 = '', l2 = ''] = lines;
  if (lines.length === 3) return { documentNumber: l1.slice(5, 14), birth: l2.slice(0, 6), expiry: l2.slice(8, 14) };
  return { documentNumber: l2.slice(0, 9), birth: l2.slice(13, 19), expiry: l2.slice(21, 27) };
}

/** The same MRZ with one letter of the holder's name changed: what an altered DG1 carries. */
function alterName(lines: readonly string[]): string[] {
  const out = [...lines];
  const li = lines.length === 3 ? 2 : 0;
  const pos = lines.length === 3 ? 0 : 5;
  const line = out[li] ?? '';
  const ch = line[pos] === 'A' ? 'E' : 'A';
  out[li] = line.slice(0, pos) + ch + line.slice(pos + 1);
  return out;
}

/**
 * A simulated issuing state: a CSCA, a rogue CSCA (not in the list) and their document signers, one of them
 * expired. It issues a chip of any kind for any printed MRZ, so every passport the simulated MRZ reader scans
 * can carry a chip.
 */
export class SimPassportIssuer {
  private constructor(
    private readonly signers: { ds: Signer; rogueDs: Signer; expiredDs: Signer },
    private readonly face: Buffer,
    /** PEM bundle of the trusted CSCA. */
    readonly cscaList: Buffer,
    private readonly removeAt: number,
    /** The trusted CSCA as a certificate. */
    readonly cscas: readonly pkijs.Certificate[] = [],
  ) {}

  static async create(opts: SimPassportOptions = {}): Promise<SimPassportIssuer> {
    const now = opts.now ?? new Date();
    const csca = await createCsca('ZWE', now);
    const rogue = await createCsca('ZWE', now);
    const signers = {
      ds: await createDocumentSigner(csca, { now }),
      rogueDs: await createDocumentSigner(rogue, { now }),
      expiredDs: await createDocumentSigner(csca, { now, expired: true }),
    };
    return new SimPassportIssuer(signers, syntheticFace({ grain: opts.faceGrain ?? 14 }), Buffer.from(toPem([csca.certificate])), opts.removeAtOffset ?? 2048, [csca.certificate]);
  }

  /** A chip of `kind` for the passport whose data page carries `mrz`; `pace` overrides the PACE setup of a PACE kind (or adds PACE to 'valid'). */
  async issue(mrz: readonly string[], kind: ChipKind, pace?: SimPaceSpec): Promise<SimPassport> {
    const dg1 = buildDg1(mrz);
    // 'jp2-face': a state that stores the face in JPEG 2000 (face-jp2.fixture.ts), otherwise a valid chip.
    const face = kind === 'jp2-face' ? FACE_JP2 : this.face;
    const dg2 = kind === 'jp2-face' ? buildDg2(FACE_JP2, JP2_FACE_SOURCE.width, JP2_FACE_SOURCE.height, 1) : buildDg2(this.face);
    const signer = kind === 'unknown-signer' ? this.signers.rogueDs : kind === 'signer-expired' ? this.signers.expiredDs : this.signers.ds;
    const sod = await buildSod(new Map([[1, dg1], [2, dg2]]), signer);
    const storedDg1 = kind === 'altered-dg1' ? buildDg1(alterName(mrz)) : dg1;
    const f = printedAccessFields(mrz);
    const paceSpec = pace ?? PACE_KINDS[kind];
    const access = kind === 'no-access-control' || paceSpec?.bac === false ? null : chipAccessKeys(f.documentNumber, f.birth, f.expiry);
    const paceSetup = paceSpec
      ? {
          oid: paceSpec.oid,
          parameterId: paceSpec.parameterId,
          password: mrzDigest(f.documentNumber, f.birth, f.expiry),
          cardAccess: buildCardAccess(paceSpec.offers ?? [{ oid: paceSpec.oid, parameterId: paceSpec.parameterId }]),
          ...(paceSpec.refuse ? { refuse: true } : {}),
        }
      : null;
    const removeAt = this.removeAt;
    let pulled = false;
    const behaviour: ChipBehaviour =
      kind === 'removed'
        ? {
            // Pulled once, on the first read past the offset; put back, the card reads through.
            beforeRead(fid, offset) {
              if (!pulled && fid === 0x0102 && offset >= removeAt) {
                pulled = true;
                throw new CardRemovedError('card removed from the field');
              }
            },
          }
        : {};
    const files = new Map<number, Buffer>([
      [0x011e, buildCom()],
      [0x0101, storedDg1],
      [0x0102, dg2],
      [0x011d, sod],
    ]);
    return { kind, mrz: [...mrz], files, access, pace: paceSetup, behaviour, face };
  }
}

export async function createSimPassports(opts: SimPassportOptions = {}): Promise<SimPassportSet> {
  const issuer = await SimPassportIssuer.create(opts);
  const passports = new Map<ChipKind, SimPassport>();
  for (const [i, kind] of CHIP_KINDS.entries()) {
    const spec = { ...SPEC, documentNumber: `FN01234${String(50 + i)}`, givenNames: `TENDAI ${kind.replace(/[^a-z]+/g, ' ').trim().toUpperCase()}` };
    passports.set(kind, await issuer.issue(generateMrz(spec), kind));
  }
  return { cscaList: issuer.cscaList, cscas: issuer.cscas, passports };
}
