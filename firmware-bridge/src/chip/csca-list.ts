/**
 * The list of trusted Country Signing CA certificates. Accepted forms: PEM bundle, one DER
 * certificate, or an ICAO PKD master list (9303-12 §9: CMS SignedData whose content type is
 * id-icao-cscaMasterList 2.23.136.1.1.2, content CscaMasterList ::= SEQUENCE { version, certList SET OF Certificate }).
 * The master list's own signature is not checked here: the file comes down from the central over the
 * signed reference sync, which is its authenticity.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ApplianceError } from '../errors.ts';
import { ChipErrors } from './chip-errors.ts';

const MASTER_LIST_OID = '2.23.136.1.1.2';
const invalid = (why: string) => new ApplianceError(ChipErrors.CHIP_CSCA_LIST_INVALID.code, `CSCA list: ${why}`);

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
