/**
 * The simulated passports: LDS1 files (9303-10 §4: EF.COM, DG1, DG2 with an ISO/IEC 19794-5 record,
 * EF.SOD signed by a test document signer) and the chip variants the appliance and the tests present:
 * valid, altered DG1, unknown signer, signer expired, no access control, removed mid-read.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { generateMrz } from '../../mrz/generate.ts';
import type { MrzSpec } from '../../mrz/types.ts';
import type { ChipBehaviour, SimChipFiles } from './sim-card.ts';
import { CardRemovedError } from './sim-card.ts';
import { chipAccessKeys } from './sim-crypto.ts';
import { syntheticFace } from './sim-face.ts';
import { createCsca, createDocumentSigner, type Signer, toPem } from './sim-pki.ts';

export const CHIP_KINDS = ['valid', 'altered-dg1', 'unknown-signer', 'signer-expired', 'no-access-control', 'removed'] as const;
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

/** ISO/IEC 19794-5:2005 record with one full-frontal JPEG face. */
function faceRecord(jpegBytes: Buffer, width: number, height: number): Buffer {
  const facial = Buffer.alloc(20);
  facial.writeUInt32BE(20 + 12 + jpegBytes.length, 0);
  const image = Buffer.alloc(12);
  image[0] = 1; // full frontal
  image[1] = 0; // JPEG
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

export function buildDg2(jpegBytes: Buffer, width = 240, height = 320): Buffer {
  const header = tlv(0xa1, Buffer.concat([tlv(0x87, Buffer.from([0x01, 0x01])), tlv(0x88, Buffer.from([0x00, 0x08]))]));
  const bit = tlv(0x7f60, Buffer.concat([header, tlv(0x5f2e, faceRecord(jpegBytes, width, height))]));
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

export interface SimPassportOptions {
  readonly now?: Date;
  /** Grain of the synthetic face: the default gives a ~15 KB DG2; large values push DG2 past 32 KB. */
  readonly faceGrain?: number;
  /** For 'removed': pull the card at this READ BINARY offset of DG2 (default 2048). */
  readonly removeAtOffset?: number;
}

export async function createSimPassports(opts: SimPassportOptions = {}): Promise<SimPassportSet> {
  const now = opts.now ?? new Date();
  const csca = await createCsca('ZWE', now);
  const rogue = await createCsca('ZWE', now);
  const ds = await createDocumentSigner(csca, { now });
  const rogueDs = await createDocumentSigner(rogue, { now });
  const expiredDs = await createDocumentSigner(csca, { now, expired: true });
  const face = syntheticFace({ grain: opts.faceGrain ?? 14 });
  const passports = new Map<ChipKind, SimPassport>();
  for (const [i, kind] of CHIP_KINDS.entries()) {
    const spec = { ...SPEC, documentNumber: `FN01234${String(50 + i)}`, givenNames: `TENDAI ${kind.replace(/[^a-z]+/g, ' ').trim().toUpperCase()}` };
    const mrz = generateMrz(spec);
    const dg1 = buildDg1(mrz);
    const dg2 = buildDg2(face);
    const signer = kind === 'unknown-signer' ? rogueDs : kind === 'signer-expired' ? expiredDs : ds;
    const sod = await buildSod(new Map([[1, dg1], [2, dg2]]), signer);
    const storedDg1 = kind === 'altered-dg1' ? buildDg1(generateMrz({ ...spec, surname: 'MOYA' })) : dg1;
    const access = kind === 'no-access-control' ? null : chipAccessKeys(spec.documentNumber, spec.birthDate, spec.expiryDate);
    const removeAt = opts.removeAtOffset ?? 2048;
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
    passports.set(kind, { kind, mrz, files, access, behaviour, face });
  }
  return { cscaList: Buffer.from(toPem([csca.certificate])), passports };
}
