/**
 * The list of trusted Country Signing CA certificates, a format both sides read: the central when an admin uploads
 * it, the appliance when it loads its local file (the central ships no device code, so it lives here). Accepted forms: PEM bundle, one DER
 * certificate, or an ICAO PKD master list (9303-12 §9: CMS SignedData whose content type is
 * id-icao-cscaMasterList 2.23.136.1.1.2, content CscaMasterList ::= SEQUENCE { version, certList SET OF Certificate }).
 * `parseCscaList` only reads; `loadCscaList` also checks a master list's own CMS signature (9303-12 §9: signed
 * by a Master List Signer whose certificate is issued by a CSCA in the list, normally the issuing state's own).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ApplianceError } from '@lmc/core/errors.ts';

const MASTER_LIST_OID = '2.23.136.1.1.2';
/** Declared with its status by the firmware bridge's chip errors (the appliance's table); the central maps it to its own 4xx. */
export const CSCA_LIST_INVALID = 'CHIP_CSCA_LIST_INVALID';
const invalid = (why: string) => new ApplianceError(CSCA_LIST_INVALID, `CSCA list: ${why}`);

export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  return pkijs.Certificate.fromBER(new Uint8Array(der));
}

function fromPem(text: string): pkijs.Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => parseCertificate(Buffer.from(b.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64')));
}

function fromMasterList(info: pkijs.ContentInfo): pkijs.Certificate[] {
  const sd = new pkijs.SignedData({ schema: info.content });
  if (sd.encapContentInfo.eContentType !== MASTER_LIST_OID) throw invalid(`content type ${sd.encapContentInfo.eContentType} is not a CSCA master list`);
  const content = sd.encapContentInfo.eContent?.getValue();
  if (!content) throw invalid('master list without content');
  const seq = asn1js.fromBER(content).result;
  const certSet = seq instanceof asn1js.Sequence ? seq.valueBlock.value[1] : undefined;
  if (!(certSet instanceof asn1js.Set)) throw invalid('master list content is not a CscaMasterList');
  return certSet.valueBlock.value.map((c) => new pkijs.Certificate({ schema: c }));
}

export function parseCscaList(file: Buffer): pkijs.Certificate[] {
  try {
    const text = file.toString('latin1');
    if (text.includes('-----BEGIN CERTIFICATE-----')) return fromPem(text);
    const info = pkijs.ContentInfo.fromBER(new Uint8Array(file));
    if (info.contentType === pkijs.ContentInfo.SIGNED_DATA) return fromMasterList(info);
  } catch (err) {
    if (err instanceof ApplianceError) throw err;
  }
  try {
    return [parseCertificate(file)];
  } catch (err) {
    throw invalid(`neither PEM, a certificate nor a master list (${(err as Error).message})`);
  }
}

export interface CscaList {
  readonly certificates: pkijs.Certificate[];
  readonly form: 'pem' | 'der' | 'master-list';
  /** For a master list: the subject of its signer, whose signature and certificate were verified. */
  readonly masterListSigner?: string;
}

/**
 * Reads a CSCA list and, when it is an ICAO master list, verifies it: the CMS signature with the signer
 * certificate it carries, and that certificate against a CSCA of the list. A master list that fails either is
 * CHIP_CSCA_LIST_INVALID (an unverifiable list would let anyone add a "trusted" state).
 */
export async function loadCscaList(file: Buffer): Promise<CscaList> {
  let info: pkijs.ContentInfo | null = null;
  if (!file.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
    try {
      info = pkijs.ContentInfo.fromBER(new Uint8Array(file));
    } catch {
      info = null;
    }
  }
  if (info?.contentType !== pkijs.ContentInfo.SIGNED_DATA) {
    const certificates = parseCscaList(file);
    return { certificates, form: file.toString('latin1').includes('-----BEGIN CERTIFICATE-----') ? 'pem' : 'der' };
  }
  const certificates = fromMasterList(info);
  const sd = new pkijs.SignedData({ schema: info.content });
  try {
    const result = await sd.verify({ signer: 0, checkChain: false, extendedMode: true });
    const signer = result.signerCertificate;
    if (result.signatureVerified !== true || !signer) throw invalid('the master list signature does not verify');
    for (const csca of certificates.filter((c) => c.subject.isEqual(signer.issuer))) {
      if (await signer.verify(csca).catch(() => false)) {
        return { certificates, form: 'master-list', masterListSigner: signer.subject.typesAndValues.map((tv) => String(tv.value.valueBlock.value)).join(', ') };
      }
    }
    throw invalid('the master list signer is not issued by a CSCA in the list');
  } catch (err) {
    if (err instanceof ApplianceError) throw err;
    throw invalid(`the master list signature does not verify (${(err as Error).message ?? String(err)})`);
  }
}
