/**
 * An uploaded CSCA list read and checked before anything is stored: an ICAO master list (9303-12 §9, the PKD
 * format: CMS SignedData over CscaMasterList, whose signature and signer are verified), a PEM bundle or one DER
 * certificate — the same reader the appliance uses for its local `cscaPath` (firmware-bridge chip/csca-list.ts).
 *
 * Each certificate must be a CA (basicConstraints cA, keyCertSign when keyUsage is present) and name its
 * country (subject C). Expired, not yet valid, alpha-3 country and link (not self-signed) certificates are kept
 * with a warning: an expired CSCA still proves passports it signed, and a link certificate chains a renewed CSCA.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { loadCscaList } from '@lmc/protocol/csca-list.ts';
import { centralError } from '../errors.ts';

/** A ref_csca_certificates row (protocol/src/reference-tables.ts `csca_certificates`). */
export interface CscaRow {
  fingerprint: string;
  country: string;
  subject: string;
  not_before: string;
  not_after: string;
  der_base64: string;
}

export interface CscaNote {
  /** Position in the uploaded file (0-based). */
  index: number;
  fingerprint: string | null;
  subject: string | null;
  reason: string;
}

export interface ParsedCscaUpload {
  form: 'master-list' | 'pem' | 'der';
  masterListSigner: string | null;
  sourceSha256: string;
  /** Accepted, one per fingerprint, in file order. */
  rows: CscaRow[];
  refused: CscaNote[];
  warnings: CscaNote[];
}

const KEY_USAGE = '2.5.29.15';
/** keyCertSign is bit 5 of KeyUsage (RFC 5280 §4.2.1.3): 0x04 of the first octet. */
const KEY_CERT_SIGN = 0x04;
const MAX_DER_BASE64 = 16_384;

const day = (d: Date) => d.toISOString().slice(0, 10);
const subjectOf = (x: X509Certificate) => x.subject.split('\n').join(', ').slice(0, 1000);

/** keyUsage present without keyCertSign: not a CA key. Absent: basicConstraints decides alone. */
function keyCertSignMissing(cert: { extensions?: { extnID: string; parsedValue?: unknown }[] }): boolean {
  const ku = cert.extensions?.find((e) => e.extnID === KEY_USAGE)?.parsedValue as { valueBlock?: { valueHexView?: Uint8Array } } | undefined;
  const bits = ku?.valueBlock?.valueHexView;
  return bits !== undefined && ((bits[0] ?? 0) & KEY_CERT_SIGN) === 0;
}

/** The subject's C= (2.5.4.6), wherever it sits (the simulator puts C and CN in one multi-valued RDN). */
function countryOf(cert: { subject: { typesAndValues: { type: string; value: { valueBlock: { value: unknown } } }[] } }): string | undefined {
  const c = cert.subject.typesAndValues.find((tv) => tv.type === '2.5.4.6');
  return c ? String(c.value.valueBlock.value).trim() : undefined;
}

function selfSigned(x: X509Certificate): boolean {
  try {
    return x.checkIssued(x) && x.verify(x.publicKey);
  } catch {
    return false;
  }
}

export async function parseCscaUpload(bytes: Buffer, now: Date): Promise<ParsedCscaUpload> {
  if (bytes.length === 0) throw centralError('CSCA_LIST_INVALID', 'The body is empty: send a master list (.ml), a PEM bundle or a DER certificate');
  let list: Awaited<ReturnType<typeof loadCscaList>>;
  try {
    list = await loadCscaList(bytes);
  } catch (err) {
    throw centralError('CSCA_LIST_INVALID', (err as Error).message.slice(0, 300));
  }
  const out: ParsedCscaUpload = {
    form: list.form,
    masterListSigner: list.masterListSigner ?? null,
    sourceSha256: createHash('sha256').update(bytes).digest('hex'),
    rows: [],
    refused: [],
    warnings: [],
  };
  const seen = new Set<string>();
  for (const [index, cert] of list.certificates.entries()) {
    const der = Buffer.from(cert.toSchema().toBER());
    const fingerprint = createHash('sha256').update(der).digest('hex');
    const refuse = (reason: string, subject: string | null = null) => out.refused.push({ index, fingerprint, subject, reason });
    let x: X509Certificate;
    try {
      x = new X509Certificate(der);
    } catch (err) {
      refuse(`not a readable X.509 certificate (${(err as Error).message.slice(0, 100)})`);
      continue;
    }
    const subject = subjectOf(x);
    const warn = (reason: string) => out.warnings.push({ index, fingerprint, subject, reason });
    const country = countryOf(cert);
    const der64 = der.toString('base64');
    const problem = !x.ca
      ? 'not a CA certificate (basicConstraints cA is not true)'
      : keyCertSignMissing(cert)
        ? 'its keyUsage does not allow signing certificates (keyCertSign)'
        : !country
          ? 'no country (C) in the subject'
          : !/^[A-Z]{2,3}$/.test(country)
            ? `country "${country.slice(0, 10)}" is not an ISO 3166 code`
            : der64.length > MAX_DER_BASE64
              ? `larger than ${MAX_DER_BASE64} characters of base64`
              : null;
    if (problem || !country) {
      refuse(problem ?? 'no country', subject);
      continue;
    }
    if (seen.has(fingerprint)) continue;
    seen.add(fingerprint);
    const notBefore = new Date(x.validFrom);
    const notAfter = new Date(x.validTo);
    if (notAfter < now) warn(`expired on ${day(notAfter)}: kept, it still proves passports it signed while valid`);
    if (notBefore > now) warn(`not valid before ${day(notBefore)}`);
    if (country.length === 3) warn(`country "${country}" is alpha-3; 9303-12 asks for ISO 3166-1 alpha-2 in C`);
    if (!selfSigned(x)) warn('not self-signed (a link certificate): it is trusted as it is, like every other CSCA');
    out.rows.push({ fingerprint, country, subject, not_before: day(notBefore), not_after: day(notAfter), der_base64: der64 });
  }
  if (out.rows.length === 0) {
    const why = out.refused.slice(0, 3).map((r) => `#${r.index}: ${r.reason}`).join('; ');
    throw centralError('CSCA_NONE_ACCEPTED', `No certificate of the file is a usable CSCA (${why || 'the list is empty'})`, { refused: out.refused.length });
  }
  return out;
}
