/**
 * Passive authentication, ICAO 9303-11 §5.1: EF.SOD is a CMS SignedData (RFC 5652) over the LDS
 * security object (9303-10 §4.6.2, content type id-icao-ldsSecurityObject 2.23.136.1.1.1) which lists
 * a hash per data group. The reader checks (1) each data group read against its hash, (2) the
 * SignedData signature with the document signer certificate carried in EF.SOD, (3) that certificate
 * against the CSCA list, (4) the signer's validity dates.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { outer } from './lds.ts';

export const LDS_SECURITY_OBJECT_OID = '2.23.136.1.1.1';

const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export type PaOutcome = 'genuine' | 'unknown-issuer' | 'data-altered' | 'signer-expired';

export interface PaResult {
  readonly outcome: PaOutcome;
  /** The coded reason when the outcome is not genuine. */
  readonly code: 'CHIP_PA_UNKNOWN_ISSUER' | 'CHIP_PA_DATA_ALTERED' | 'CHIP_PA_SIGNER_EXPIRED' | null;
  /** Per data group read: does its hash match EF.SOD. */
  readonly dataGroups: Record<number, boolean>;
  readonly signatureValid: boolean;
  readonly issuerKnown: boolean;
  readonly signerValidAt: boolean;
  /** Subject of the document signer, for the record (e.g. "C=ZW, O=..., CN=Document Signer 3"). */
  readonly signer: string;
  readonly issuingCountry: string | null;
}

export interface SecurityObject {
  readonly hashAlgorithm: string;
  readonly hashes: Map<number, Buffer>;
  readonly signedData: pkijs.SignedData;
  readonly signerCertificate: pkijs.Certificate;
}

const malformed = (why: string) => new ApplianceError(FirmwareBridgeErrors.CHIP_DATA_MALFORMED.code, `EF.SOD: ${why}`);

export function parseSod(file: Buffer): SecurityObject {
  const info = pkijs.ContentInfo.fromBER(new Uint8Array(outer(file, 0x77, 'EF.SOD').value));
  const sd = new pkijs.SignedData({ schema: info.content });
  if (sd.encapContentInfo.eContentType !== LDS_SECURITY_OBJECT_OID) throw malformed('content is not an LDS security object');
  const content = sd.encapContentInfo.eContent?.getValue();
  if (!content) throw malformed('no encapsulated content');
  const lso = asn1js.fromBER(content).result;
  const [, alg, values] = lso instanceof asn1js.Sequence ? lso.valueBlock.value : [];
  if (!(alg instanceof asn1js.Sequence) || !(values instanceof asn1js.Sequence)) throw malformed('LDS security object does not parse');
  const oid = (alg.valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString();
  const hashAlgorithm = HASHES[oid];
  if (!hashAlgorithm) throw malformed(`hash algorithm ${oid} not supported`);
  const hashes = new Map<number, Buffer>();
  for (const v of values.valueBlock.value) {
    const [n, h] = (v as asn1js.Sequence).valueBlock.value as [asn1js.Integer, asn1js.OctetString];
    hashes.set(n.valueBlock.valueDec, Buffer.from(h.valueBlock.valueHexView));
  }
  const cert = sd.certificates?.find((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  if (!cert) throw malformed('no document signer certificate in EF.SOD');
  return { hashAlgorithm, hashes, signedData: sd, signerCertificate: cert };
}

const nameOf = (n: pkijs.RelativeDistinguishedNames) =>
  n.typesAndValues.map((tv) => `${({ '2.5.4.6': 'C', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.3': 'CN' } as Record<string, string>)[tv.type] ?? tv.type}=${tv.value.valueBlock.value}`).join(', ');

const countryOf = (n: pkijs.RelativeDistinguishedNames) => {
  const c = n.typesAndValues.find((tv) => tv.type === '2.5.4.6');
  return c ? String(c.value.valueBlock.value) : null;
};

const validAt = (c: pkijs.Certificate, at: Date) => c.notBefore.value <= at && at <= c.notAfter.value;

/**
 * Runs passive authentication over the data groups read (number → file bytes).
 * Outcome priority: altered data first (it says the most), then an unknown issuer, then expiry.
 */
export async function passiveAuthentication(sodFile: Buffer, dataGroups: ReadonlyMap<number, Buffer>, cscas: readonly pkijs.Certificate[], now: Date): Promise<PaResult> {
  const sod = parseSod(sodFile);
  const dgResults: Record<number, boolean> = {};
  for (const [n, bytes] of dataGroups) {
    const expected = sod.hashes.get(n);
    dgResults[n] = expected !== undefined && createHash(sod.hashAlgorithm).update(bytes).digest().equals(expected);
  }
  const ds = sod.signerCertificate;
  let signatureValid = false;
  try {
    signatureValid = await sod.signedData.verify({ signer: 0, checkChain: false });
  } catch {
    signatureValid = false;
  }
  let issuerKnown = false;
  for (const csca of cscas.filter((c) => c.subject.isEqual(ds.issuer))) {
    try {
      if (await ds.verify(csca)) {
        issuerKnown = true;
        break;
      }
    } catch {
      // A CSCA whose key cannot check this signature is simply not the issuer.
    }
  }
  const signerValidAt = validAt(ds, now);
  const altered = !signatureValid || Object.values(dgResults).some((ok) => !ok);
  const outcome: PaOutcome = altered ? 'data-altered' : !issuerKnown ? 'unknown-issuer' : !signerValidAt ? 'signer-expired' : 'genuine';
  const code = ({ genuine: null, 'data-altered': 'CHIP_PA_DATA_ALTERED', 'unknown-issuer': 'CHIP_PA_UNKNOWN_ISSUER', 'signer-expired': 'CHIP_PA_SIGNER_EXPIRED' } as const)[outcome];
  return { outcome, code, dataGroups: dgResults, signatureValid, issuerKnown, signerValidAt, signer: nameOf(ds.subject), issuingCountry: countryOf(ds.issuer) };
}
