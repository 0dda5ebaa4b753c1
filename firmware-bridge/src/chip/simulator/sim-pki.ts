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

/**
 * An ICAO master list (9303-12 §9: CMS SignedData, content type id-icao-cscaMasterList 2.23.136.1.1.2, content
 * CscaMasterList { version 0, certList }) signed by `signer`, DER, as the PKD publishes it. For tests.
 */
export async function signMasterList(signer: Signer, certs: readonly pkijs.Certificate[]): Promise<Buffer> {
  const content = new asn1js.Sequence({ value: [new asn1js.Integer({ value: 0 }), new asn1js.Set({ value: certs.map((c) => c.toSchema()) })] }).toBER();
  const sd = new pkijs.SignedData({
    version: 3,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: '2.23.136.1.1.2', eContent: new asn1js.OctetString({ valueHex: content }) }),
    signerInfos: [new pkijs.SignerInfo({ version: 1, sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.certificate.issuer, serialNumber: signer.certificate.serialNumber }) })],
    certificates: [signer.certificate],
  });
  await sd.sign(signer.privateKey, 0, 'SHA-256');
  return Buffer.from(new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.SIGNED_DATA, content: sd.toSchema(true) }).toSchema().toBER());
}

/** A certificate that is not a CA (basicConstraints cA false), self-signed: what a CSCA list must refuse. For tests. */
export async function createNonCa(country: string, now = new Date()): Promise<Signer> {
  return issue({ country, cn: `Not a CA ${country}`, ca: false, notBefore: years(now, -1), notAfter: years(now, 1) });
}

/** A CSCA whose validity ended a year ago (kept with a warning: it still proves what it signed). For tests. */
export async function createExpiredCsca(country: string, now = new Date()): Promise<Signer> {
  return issue({ country, cn: `CSCA ${country} (expired)`, ca: true, notBefore: years(now, -12), notAfter: years(now, -1) });
}
