/**
 * Prints the central can open (issue #16 item 3): the sealed-blob format version 2 and the HPKE suite both sides use.
 *
 * HPKE (RFC 9180), Base mode, suite DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM. Opening and the
 * central's re-sealing use the maintained @hpke/core (+ @hpke/dhkem-x25519). The one operation that must be
 * synchronous, sealing a fresh capture inside the vault's SQLite transaction path (TemplateVault.saveCapture is
 * synchronous, as are its callers), is `hpkeSealSync` below: the same single-shot Base-mode seal written over
 * node:crypto (X25519, HMAC-SHA256, AES-256-GCM). Every test that opens such a blob opens it with @hpke/core, so
 * the two implementations are checked against each other (protocol/src/print-seal.test.ts).
 *
 * Blob v2 (a v1 blob, appliance/src/crypto/blob-cipher.ts, is sealed under the data key only): the print is
 * encrypted once under a random 32-byte content key (CEK); the CEK is wrapped twice, for the appliance's data key
 * and for the central's X25519 key. The forwarded bytes are exactly the vault's bytes: nobody on the way holds
 * either key.
 *
 *   0    1  version (0x02)
 *   1    8  data key id (the appliance's vault key; bytes 1..8 as in v1)
 *   9    8  central encryption key id (keyIdOf: the first 8 bytes of SHA-256 of the raw X25519 public key)
 *  17   32  HPKE enc (the sender's ephemeral public key)
 *  49   48  CEK sealed to the central (HPKE ciphertext: 32 + 16 tag)
 *  97   12  nonce of the CEK wrap under the data key
 * 109   48  CEK wrapped under the data key (AES-256-GCM: 32 + 16 tag)
 * 157   12  nonce of the print
 * 169   16  tag of the print
 * 185    …  the print (AES-256-GCM under the CEK)
 *
 * Associated data: the blob's place (kind, registration id, finger) after bytes 0..17 for both CEK wraps, and after
 * bytes 0..169 (every header byte) for the print itself, so a blob moved to another registration or finger, or with
 * any header byte changed, fails for both the appliance and the central instead of opening.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';

export const BLOB_V2 = 0x02;
export const KEY_ID_BYTES = 8;
const ENC_BYTES = 32;
const CEK_BYTES = 32;
const TAG_BYTES = 16;
const NONCE_BYTES = 12;
const SEALED_CEK_BYTES = CEK_BYTES + TAG_BYTES;
export const V2_PREFIX_BYTES = 1 + KEY_ID_BYTES + KEY_ID_BYTES;
const OFF_ENC = V2_PREFIX_BYTES;
const OFF_CENTRAL_CEK = OFF_ENC + ENC_BYTES;
const OFF_WRAP_NONCE = OFF_CENTRAL_CEK + SEALED_CEK_BYTES;
const OFF_WRAPPED_CEK = OFF_WRAP_NONCE + NONCE_BYTES;
const OFF_NONCE = OFF_WRAPPED_CEK + SEALED_CEK_BYTES;
const OFF_TAG = OFF_NONCE + NONCE_BYTES;
export const V2_OVERHEAD = OFF_TAG + TAG_BYTES;

/** HPKE `info` of a print's CEK sealed to the central, and of a template the central re-seals for an appliance. */
export const PRINT_INFO = Buffer.from('zlmc-print-v2', 'utf8');
export const RESEAL_INFO = Buffer.from('zlmc-print-reseal-v1', 'utf8');

/** Where a blob belongs (the same three fields as v1's BlobContext). 'document-face': the chip's DG2 photo (issue #18). */
export interface PrintContext {
  readonly kind: 'fingerprint-template' | 'fingerprint-image' | 'document-face';
  readonly registrationId: string;
  readonly finger: string;
}

/** An X25519 public key someone seals to: its raw 32 bytes and key id. */
export interface X25519Recipient {
  keyId: string;
  publicKey: Buffer;
}

/** A parsed v2 blob (views into the bytes). */
export interface PrintBlobV2 {
  dataKeyId: string;
  centralKeyId: string;
  prefix: Buffer;
  /** Bytes 0..169: the associated data of the print itself. */
  head: Buffer;
  enc: Buffer;
  centralCek: Buffer;
  wrapNonce: Buffer;
  wrappedCek: Buffer;
  nonce: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export class PrintSealError extends Error {
  constructor(
    readonly reason: 'not-v2' | 'unknown-key' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

// --- X25519 keys ---------------------------------------------------------------------------------------------

/** The first 8 bytes of SHA-256 of the raw public key, hex: names a key in blobs and answers (not secret). */
export function keyIdOf(rawPublicKey: Uint8Array): string {
  return createHash('sha256').update(rawPublicKey).digest().subarray(0, KEY_ID_BYTES).toString('hex');
}

export function rawX25519Public(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' }) as { x?: string; crv?: string };
  if (jwk.crv !== 'X25519' || !jwk.x) throw new TypeError('not an X25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

export function rawX25519Private(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' }) as { d?: string; crv?: string };
  if (jwk.crv !== 'X25519' || !jwk.d) throw new TypeError('not an X25519 private key');
  return Buffer.from(jwk.d, 'base64url');
}

export function x25519PublicFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new TypeError('an X25519 public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/** A recipient from base64 (the enrolment answer's and the devices table's form); throws TypeError when it is not one. */
export function recipientFromBase64(publicKeyBase64: string): X25519Recipient {
  const raw = Buffer.from(publicKeyBase64, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== publicKeyBase64) throw new TypeError('not a base64 X25519 public key');
  x25519PublicFromRaw(raw);
  return { keyId: keyIdOf(raw), publicKey: raw };
}

export function newX25519PrivateKey(): KeyObject {
  return generateKeyPairSync('x25519').privateKey;
}

export function isX25519PrivateKey(key: KeyObject): boolean {
  return key.type === 'private' && key.asymmetricKeyType === 'x25519';
}

export function x25519PrivateFromPem(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (!isX25519PrivateKey(key)) throw new TypeError('not an X25519 private key');
  return key;
}

// --- HPKE ----------------------------------------------------------------------------------------------------

let suiteInstance: CipherSuite | undefined;
/** The one suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM (@hpke/core). */
export function hpkeSuite(): CipherSuite {
  suiteInstance ??= new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  return suiteInstance;
}

const KEM_ID = 0x0020;
const KDF_ID = 0x0001;
const AEAD_ID = 0x0002;
const i2osp2 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const KEM_SUITE = Buffer.concat([Buffer.from('KEM'), i2osp2(KEM_ID)]);
const HPKE_SUITE = Buffer.concat([Buffer.from('HPKE'), i2osp2(KEM_ID), i2osp2(KDF_ID), i2osp2(AEAD_ID)]);
const V1 = Buffer.from('HPKE-v1');

const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();
const labeledExtract = (suite: Buffer, salt: Buffer, label: string, ikm: Buffer) => hmac(salt, Buffer.concat([V1, suite, Buffer.from(label), ikm]));
/** RFC 5869 Expand for L ≤ 32 (one block): all this suite needs. */
function labeledExpand(suite: Buffer, prk: Buffer, label: string, info: Buffer, length: number): Buffer {
  const labeled = Buffer.concat([i2osp2(length), V1, suite, Buffer.from(label), info]);
  return hmac(prk, Buffer.concat([labeled, Buffer.from([1])])).subarray(0, length);
}

/**
 * RFC 9180 single-shot Seal in Base mode (§6.1) with this file's suite, synchronously over node:crypto: §4.1 DHKEM
 * Encap with a fresh ephemeral key, §5.1 KeySchedule (mode_base, empty psk), one AEAD seal with sequence number 0.
 * Opened by @hpke/core's CipherSuite.open.
 */
export function hpkeSealSync(recipientPublic: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { enc: Buffer; ct: Buffer } {
  const ephemeral = newX25519PrivateKey();
  const enc = rawX25519Public(ephemeral);
  const pkR = Buffer.from(recipientPublic);
  const dh = diffieHellman({ privateKey: ephemeral, publicKey: x25519PublicFromRaw(pkR) });
  if (dh.every((b) => b === 0)) throw new PrintSealError('failed', 'X25519 gave the all-zero value');
  const eaePrk = labeledExtract(KEM_SUITE, Buffer.alloc(0), 'eae_prk', dh);
  const sharedSecret = labeledExpand(KEM_SUITE, eaePrk, 'shared_secret', Buffer.concat([enc, pkR]), 32);
  const pskIdHash = labeledExtract(HPKE_SUITE, Buffer.alloc(0), 'psk_id_hash', Buffer.alloc(0));
  const infoHash = labeledExtract(HPKE_SUITE, Buffer.alloc(0), 'info_hash', Buffer.from(info));
  const context = Buffer.concat([Buffer.from([0x00]), pskIdHash, infoHash]);
  const secret = labeledExtract(HPKE_SUITE, sharedSecret, 'secret', Buffer.alloc(0));
  const key = labeledExpand(HPKE_SUITE, secret, 'key', context, 32);
  const nonce = labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  key.fill(0);
  return { enc, ct };
}

/** @hpke/core single-shot open; PrintSealError('failed') on any failure (wrong key, altered bytes, other aad). */
export async function hpkeOpen(recipientPrivate: KeyObject, enc: Uint8Array, info: Uint8Array, aad: Uint8Array, ct: Uint8Array): Promise<Buffer> {
  const suite = hpkeSuite();
  try {
    const recipientKey = await suite.kem.importKey('raw', new Uint8Array(rawX25519Private(recipientPrivate)).buffer, false);
    const pt = await suite.open({ recipientKey, enc: new Uint8Array(enc).buffer, info: new Uint8Array(info).buffer }, new Uint8Array(ct), new Uint8Array(aad));
    return Buffer.from(pt);
  } catch {
    throw new PrintSealError('failed', 'the HPKE ciphertext does not open with this key and context');
  }
}

/** @hpke/core single-shot seal (the central's re-sealing for an appliance). */
export async function hpkeSeal(recipientPublic: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<{ enc: Buffer; ct: Buffer }> {
  const suite = hpkeSuite();
  const recipientPublicKey = await suite.kem.deserializePublicKey(new Uint8Array(recipientPublic).buffer);
  const { ct, enc } = await suite.seal({ recipientPublicKey, info: new Uint8Array(info).buffer }, new Uint8Array(plaintext), new Uint8Array(aad));
  return { enc: Buffer.from(enc), ct: Buffer.from(ct) };
}

// --- blob v2 ---------------------------------------------------------------------------------------------------

function contextBytes(prefix: Buffer, c: PrintContext, label = ''): Buffer {
  return Buffer.concat([prefix, Buffer.from(`\u0000zlmc-blob-v2\u0000${c.kind}\u0000${c.registrationId}\u0000${c.finger}${label}`, 'utf8')]);
}

function gcm(key: Uint8Array | KeyObject, nonce: Buffer, aad: Buffer, plaintext: Uint8Array): { ct: Buffer; tag: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ct, tag: cipher.getAuthTag() };
}

function ungcm(key: Uint8Array | KeyObject, nonce: Buffer, aad: Buffer, ct: Buffer, tag: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch {
    throw new PrintSealError('failed', 'the print failed its integrity check');
  }
}

/** Seals a print for the vault (data key) and for the central (its X25519 key) at once. */
export function sealPrintV2(dataKey: { keyId: string; key: KeyObject }, central: X25519Recipient, plaintext: Uint8Array, context: PrintContext): Buffer {
  const prefix = Buffer.alloc(V2_PREFIX_BYTES);
  prefix[0] = BLOB_V2;
  Buffer.from(dataKey.keyId, 'hex').copy(prefix, 1);
  Buffer.from(central.keyId, 'hex').copy(prefix, 1 + KEY_ID_BYTES);
  const aad = contextBytes(prefix, context);
  const cek = randomBytes(CEK_BYTES);
  try {
    const toCentral = hpkeSealSync(central.publicKey, PRINT_INFO, aad, cek);
    const wrapNonce = randomBytes(NONCE_BYTES);
    const wrapped = gcm(dataKey.key, wrapNonce, contextBytes(prefix, context, '\u0000data-key'), cek);
    const nonce = randomBytes(NONCE_BYTES);
    const head = Buffer.concat([prefix, toCentral.enc, toCentral.ct, wrapNonce, wrapped.ct, wrapped.tag, nonce]);
    const body = gcm(cek, nonce, contextBytes(head, context), plaintext);
    return Buffer.concat([head, body.tag, body.ct]);
  } finally {
    cek.fill(0);
  }
}

/** The parts of a v2 blob, or PrintSealError('not-v2'). */
export function parsePrintV2(blob: Uint8Array): PrintBlobV2 {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (b.length < V2_OVERHEAD || b[0] !== BLOB_V2) throw new PrintSealError('not-v2', 'not a print sealed to the central (blob format 2)');
  return {
    dataKeyId: b.subarray(1, 1 + KEY_ID_BYTES).toString('hex'),
    centralKeyId: b.subarray(1 + KEY_ID_BYTES, V2_PREFIX_BYTES).toString('hex'),
    prefix: b.subarray(0, V2_PREFIX_BYTES),
    head: b.subarray(0, OFF_TAG),
    enc: b.subarray(OFF_ENC, OFF_CENTRAL_CEK),
    centralCek: b.subarray(OFF_CENTRAL_CEK, OFF_WRAP_NONCE),
    wrapNonce: b.subarray(OFF_WRAP_NONCE, OFF_WRAPPED_CEK),
    wrappedCek: b.subarray(OFF_WRAPPED_CEK, OFF_NONCE),
    nonce: b.subarray(OFF_NONCE, OFF_TAG),
    tag: b.subarray(OFF_TAG, V2_OVERHEAD),
    ciphertext: b.subarray(V2_OVERHEAD),
  };
}

/** The appliance's side: the CEK from its data-key wrap, then the print. */
export function openPrintV2WithDataKey(dataKey: KeyObject, blob: Uint8Array, context: PrintContext): Buffer {
  const p = parsePrintV2(blob);
  const cek = ungcm(dataKey, p.wrapNonce, contextBytes(p.prefix, context, '\u0000data-key'), p.wrappedCek.subarray(0, CEK_BYTES), p.wrappedCek.subarray(CEK_BYTES));
  try {
    return ungcm(cek, p.nonce, contextBytes(p.head, context), p.ciphertext, p.tag);
  } finally {
    cek.fill(0);
  }
}

/** The central's side: the CEK from its HPKE seal (@hpke/core), then the print. `keyring` maps key id → X25519 private key. */
export async function openPrintV2AtCentral(keyring: ReadonlyMap<string, KeyObject>, blob: Uint8Array, context: PrintContext): Promise<Buffer> {
  const p = parsePrintV2(blob);
  const key = keyring.get(p.centralKeyId);
  if (!key) throw new PrintSealError('unknown-key', `sealed to central encryption key ${p.centralKeyId}, which this central does not hold`);
  const aad = contextBytes(p.prefix, context);
  const cek = await hpkeOpen(key, p.enc, PRINT_INFO, aad, p.centralCek);
  try {
    return ungcm(cek, p.nonce, contextBytes(p.head, context), p.ciphertext, p.tag);
  } finally {
    cek.fill(0);
  }
}

/** What a re-sealed template is bound to: the requesting device, the registration, the finger and format, and the request. */
export function resealAad(b: { deviceId: string; registrationId: string; finger: string; templateFormat: string; requestTag: string }): Buffer {
  return Buffer.from(JSON.stringify(['zlmc-print-reseal-v1', b.deviceId, b.registrationId, b.finger, b.templateFormat, b.requestTag]), 'utf8');
}
