/**
 * The receipt's QR code: who registered, where, when, signed with the appliance's Ed25519 key
 * (RFC 8032) so any labour office can tell a genuine receipt from a photocopied-and-edited one.
 *
 * Wire form (all ASCII, fits a version-7 QR at ECC M, 45 modules):
 *
 *   ZLMC1.<base64url(body)>.<base64url(signature)>
 *
 *   body = uuid (16 bytes, RFC 9562 byte order)
 *        | date  (u32 big-endian, the decimal yyyymmdd of finalization in the office's time zone)
 *        | office code  (u8 length, 2–8 ASCII A–Z 0–9)
 *        | device id    (u8 length, 1–128 printable ASCII)
 *
 *   signature = Ed25519 over the ASCII bytes of `ZLMC1.<base64url(body)>`: the version prefix is
 *   signed too, so a later format cannot be passed off as this one. Base64url without padding
 *   (RFC 4648 §5). A binary body (not JSON) keeps the symbol small enough to scan from a creased
 *   thermal receipt with a cheap phone.
 */
import { createPublicKey, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { ApplianceError, ApplianceErrors } from '../errors.ts';

export const RECEIPT_QR_PREFIX = 'ZLMC1';

/** What signs receipts: the appliance identity (appliance/src/keys/identity.ts) seen through three members. */
export interface ReceiptSigner {
  deviceId: string;
  sign(data: Buffer): Buffer;
  publicKeyPem: string;
}

/** Another appliance whose receipts this one accepts (config `receipts.trustedAppliances`). */
export interface TrustedAppliance {
  deviceId: string;
  publicKeyPem: string;
  officeCode?: string;
}

export interface ReceiptClaims {
  registrationId: string;
  officeCode: string;
  /** yyyy-mm-dd */
  date: string;
  deviceId: string;
}

export const ReceiptQrCodes = {
  NotAReceipt: 'RECEIPT_QR_NOT_A_RECEIPT',
  Malformed: 'RECEIPT_QR_MALFORMED',
  UnknownSigner: 'RECEIPT_SIGNER_UNKNOWN',
  BadSignature: 'RECEIPT_SIGNATURE_INVALID',
  /** The one of these that is thrown (claimsError); the others are verification outcomes, not errors. */
  ClaimsInvalid: ApplianceErrors.RECEIPT_CLAIMS_INVALID.code,
} as const;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OFFICE_RE = /^[A-Z0-9]{2,8}$/;
const DEVICE_RE = /^[\x21-\x7e]{1,128}$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const B64URL_RE = /^[A-Za-z0-9_-]+$/;
const ED25519_SIG_BYTES = 64;

function claimsError(message: string, context: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError(ReceiptQrCodes.ClaimsInvalid, `receipt QR cannot be made: ${message}`, context);
}

export function encodeClaims(c: ReceiptClaims): Buffer {
  if (!UUID_RE.test(c.registrationId)) throw claimsError('registration id is not a UUID');
  if (!OFFICE_RE.test(c.officeCode)) throw claimsError('office code must be 2–8 of A–Z 0–9', { officeCode: c.officeCode });
  if (!DEVICE_RE.test(c.deviceId)) throw claimsError('device id must be 1–128 printable ASCII characters');
  const d = DATE_RE.exec(c.date);
  if (!d) throw claimsError('date must be yyyy-mm-dd', { date: c.date });
  const out = Buffer.alloc(16 + 4 + 1 + c.officeCode.length + 1 + c.deviceId.length);
  let at = Buffer.from(c.registrationId.replaceAll('-', ''), 'hex').copy(out, 0);
  at = out.writeUInt32BE(Number(`${d[1]}${d[2]}${d[3]}`), at);
  at = out.writeUInt8(c.officeCode.length, at);
  at += out.write(c.officeCode, at, 'ascii');
  at = out.writeUInt8(c.deviceId.length, at);
  out.write(c.deviceId, at, 'ascii');
  return out;
}

/** Parses a body; undefined when it is not exactly the layout above (no trailing bytes allowed). */
export function decodeClaims(body: Buffer): ReceiptClaims | undefined {
  if (body.length < 16 + 4 + 1 + 2 + 1 + 1) return undefined;
  const hex = body.subarray(0, 16).toString('hex');
  const registrationId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const ymd = String(body.readUInt32BE(16)).padStart(8, '0');
  const date = `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`;
  let at = 20;
  const officeLen = body.readUInt8(at++);
  if (at + officeLen + 1 > body.length) return undefined;
  const officeCode = body.subarray(at, at + officeLen).toString('latin1');
  at += officeLen;
  const deviceLen = body.readUInt8(at++);
  if (at + deviceLen !== body.length) return undefined;
  const deviceId = body.subarray(at, at + deviceLen).toString('latin1');
  if (!OFFICE_RE.test(officeCode) || !DEVICE_RE.test(deviceId) || !isCalendarDate(date)) return undefined;
  return { registrationId, officeCode, date, deviceId };
}

function isCalendarDate(date: string): boolean {
  const t = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === date;
}

/** The text to put in the QR code. */
export function signReceiptQr(claims: Omit<ReceiptClaims, 'deviceId'>, signer: ReceiptSigner): string {
  const signed = `${RECEIPT_QR_PREFIX}.${encodeClaims({ ...claims, deviceId: signer.deviceId }).toString('base64url')}`;
  const signature = signer.sign(Buffer.from(signed, 'ascii'));
  return `${signed}.${signature.toString('base64url')}`;
}

export type ReceiptVerification =
  | { genuine: true; claims: ReceiptClaims; signedBy: 'this-appliance' | 'trusted-appliance' }
  | { genuine: false; reason: { code: string; message: string }; claims?: ReceiptClaims };

export interface ReceiptKeyring {
  self: Pick<ReceiptSigner, 'deviceId' | 'publicKeyPem'>;
  trusted?: readonly TrustedAppliance[];
}

const notGenuine = (code: string, message: string, claims?: ReceiptClaims): ReceiptVerification => ({
  genuine: false,
  reason: { code, message },
  ...(claims ? { claims } : {}),
});

const keyCache = new Map<string, KeyObject>();
function publicKey(pem: string): KeyObject | undefined {
  let key = keyCache.get(pem);
  if (!key) {
    try {
      key = createPublicKey(pem);
    } catch {
      return undefined;
    }
    if (key.asymmetricKeyType !== 'ed25519') return undefined;
    keyCache.set(pem, key);
  }
  return key;
}

/**
 * Checks a scanned QR text. Never throws for bad input: a receipt that does not check out is an
 * answer ("not genuine" + why), not an error.
 */
export function verifyReceiptQr(text: string, keyring: ReceiptKeyring): ReceiptVerification {
  const trimmed = text.trim();
  if (!trimmed.startsWith(`${RECEIPT_QR_PREFIX}.`)) {
    return notGenuine(ReceiptQrCodes.NotAReceipt, 'this code is not a Labour Migration Centre registration receipt');
  }
  const parts = trimmed.split('.');
  const [, bodyText, sigText] = parts;
  if (parts.length !== 3 || !bodyText || !sigText || !B64URL_RE.test(bodyText) || !B64URL_RE.test(sigText)) {
    return notGenuine(ReceiptQrCodes.Malformed, 'the receipt code is damaged or incomplete: it cannot be read');
  }
  const claims = decodeClaims(Buffer.from(bodyText, 'base64url'));
  const signature = Buffer.from(sigText, 'base64url');
  if (!claims || signature.length !== ED25519_SIG_BYTES) {
    return notGenuine(ReceiptQrCodes.Malformed, 'the receipt code is damaged or incomplete: it cannot be read');
  }
  const signer =
    claims.deviceId === keyring.self.deviceId
      ? { pem: keyring.self.publicKeyPem, who: 'this-appliance' as const }
      : (() => {
          const t = keyring.trusted?.find((a) => a.deviceId === claims.deviceId);
          return t ? { pem: t.publicKeyPem, who: 'trusted-appliance' as const, officeCode: t.officeCode } : undefined;
        })();
  if (!signer) {
    return notGenuine(
      ReceiptQrCodes.UnknownSigner,
      `the receipt names an appliance (${claims.deviceId}) this office does not know: it cannot be confirmed here`,
      claims,
    );
  }
  const key = publicKey(signer.pem);
  const ok = key ? edVerify(null, Buffer.from(`${RECEIPT_QR_PREFIX}.${bodyText}`, 'ascii'), key, signature) : false;
  if (!ok) return notGenuine(ReceiptQrCodes.BadSignature, 'the signature does not match: this receipt is not genuine or was altered', claims);
  if ('officeCode' in signer && signer.officeCode && signer.officeCode !== claims.officeCode) {
    return notGenuine(ReceiptQrCodes.BadSignature, `the appliance ${claims.deviceId} belongs to another office than the receipt names`, claims);
  }
  return { genuine: true, claims, signedBy: signer.who };
}

/** A signer over the appliance identity's private key (the key object never leaves this closure). */
export function signerFromKey(deviceId: string, privateKey: KeyObject): ReceiptSigner {
  return {
    deviceId,
    publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
    sign: (data) => edSign(null, data, privateKey),
  };
}
