/**
 * Test PKI for simulated passports (9303-12 §7): a CSCA (self-signed, CA) and document signers it
 * issues, ECDSA P-256 with SHA-256, made with WebCrypto + pkijs at run time — no key is ever stored.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export interface Signer {
  readonly certificate: pkijs.Certificate;
  readonly privateKey: CryptoKey;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
let serial = 1;

function name(country: string, common: string): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({
    typesAndValues: [
      new pkijs.AttributeTypeAndValue({ type: '2.5.4.6', value: new asn1js.PrintableString({ value: country }) }),
      new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: common }) }),
    ],
  });
}

async function issue(opts: { country: string; cn: string; ca: boolean; notBefore: Date; notAfter: Date; issuer?: Signer }): Promise<Signer> {
  const keys = (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: serial++ });
  cert.subject = name(opts.country, opts.cn);
  cert.issuer = opts.issuer ? opts.issuer.certificate.subject : cert.subject;
  cert.notBefore.value = opts.notBefore;
  cert.notAfter.value = opts.notAfter;
  cert.extensions = [
    new pkijs.Extension({
      extnID: '2.5.29.19',
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: opts.ca }).toSchema().toBER(false),
      parsedValue: new pkijs.BasicConstraints({ cA: opts.ca }),
    }),
  ];
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey);
  await cert.sign(opts.issuer?.privateKey ?? keys.privateKey, 'SHA-256');
  return { certificate: cert, privateKey: keys.privateKey };
}

const years = (now: Date, n: number) => new Date(Date.UTC(now.getUTCFullYear() + n, now.getUTCMonth(), 1));

export async function createCsca(country: string, now = new Date()): Promise<Signer> {
  return issue({ country, cn: `CSCA ${country} (simulated)`, ca: true, notBefore: years(now, -5), notAfter: years(now, 10) });
}

export async function createDocumentSigner(csca: Signer, opts: { now?: Date; expired?: boolean } = {}): Promise<Signer> {
  const now = opts.now ?? new Date();
  const country = String(csca.certificate.subject.typesAndValues[0]?.value.valueBlock.value);
  return opts.expired
    ? issue({ country, cn: 'Document Signer (expired)', ca: false, notBefore: years(now, -4), notAfter: years(now, -1), issuer: csca })
    : issue({ country, cn: 'Document Signer', ca: false, notBefore: years(now, -1), notAfter: years(now, 10), issuer: csca });
}

export const toPem = (certs: readonly pkijs.Certificate[]) =>
  certs
    .map((c) => {
      const b64 = Buffer.from(c.toSchema().toBER()).toString('base64');
      return `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
    })
    .join('');
