/**
 * AES-256-GCM sealing of biometric blobs (NIST SP 800-38D) under the data key.
 *
 * Blob layout (all binary):
 *   0   1  format version (0x01)
 *   1   8  key id (which data key sealed it; not secret)
 *   9  12  nonce (random: 96 bits is the GCM size that needs no extra derivation, SP 800-38D §8.2.2)
 *  21  16  authentication tag
 *  37   …  ciphertext
 *
 * The associated data binds the blob to its place: the header bytes plus `kind`, registration id and
 * finger. A template copied into another registration's row, or swapped for that finger's image, fails
 * authentication instead of decrypting. Random nonces under one key stay far below the 2^32
 * invocations SP 800-38D §8.3 allows (a post registers thousands of people a year, not billions).
 *
 * Format 2 (protocol/src/print-seal.ts): when the appliance holds the central's X25519 encryption key (learnt at
 * enrolment, keys/central-trust.ts), a print is sealed once under a random content key that is wrapped both for the
 * data key and, with HPKE, for the central: the same bytes are the vault's record and what the relay forwards, and
 * the central can open them. Without that key (appliances enrolled before it existed) blobs stay format 1.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { BLOB_V2, openPrintV2WithDataKey, parsePrintV2, sealPrintV2, type X25519Recipient } from '@lmc/protocol/print-seal.ts';
import { ApplianceErrors, ApplianceError } from '../errors.ts';
import type { DataKey } from './data-key.ts';

const VERSION = 0x01;
const KEY_ID_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
export const BLOB_OVERHEAD = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;
const AAD_TAG = 'zlmc-blob-v1';

/**
 * Where a blob belongs. Every field goes into the associated data. 'document-face' is the passport chip's DG2
 * photo (chip/chip-repository.ts, `finger` 'dg2'): its AAD differs from every fingerprint blob's, so a face can
 * never be opened as a print, nor a print as the face.
 */
export interface BlobContext {
  readonly kind: 'fingerprint-template' | 'fingerprint-image' | 'document-face';
  readonly registrationId: string;
  readonly finger: string;
}

function aad(header: Buffer, c: BlobContext): Buffer {
  // NUL separators: none of the fields can contain NUL (ids and finger names are validated printable).
  return Buffer.concat([header, Buffer.from(`\u0000${AAD_TAG}\u0000${c.kind}\u0000${c.registrationId}\u0000${c.finger}`, 'utf8')]);
}

/** Format 1 under the data key only; format 2 (also sealed to the central) when `central` is given. */
export function sealBlob(key: DataKey, plaintext: Uint8Array, context: BlobContext, central?: X25519Recipient | null): Buffer {
  if (central) return sealPrintV2(key, central, plaintext, context);
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = VERSION;
  Buffer.from(key.keyId, 'hex').copy(header, 1);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(header, context));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, nonce, cipher.getAuthTag(), ciphertext]);
}

export function openBlob(key: DataKey, blob: Uint8Array, context: BlobContext): Buffer {
  const where = { kind: context.kind, registrationId: context.registrationId, finger: context.finger };
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (b[0] === BLOB_V2) return openV2(key, b, context, where);
  if (b.length < BLOB_OVERHEAD || b[0] !== VERSION) {
    throw new ApplianceError(ApplianceErrors.CRYPTO_BLOB_INVALID.code, 'A stored biometric record is not in a known encrypted format.', where);
  }
  const header = b.subarray(0, HEADER_BYTES);
  const keyId = header.subarray(1).toString('hex');
  if (keyId !== key.keyId) {
    throw new ApplianceError(ApplianceErrors.CRYPTO_KEY_MISMATCH.code, 'A stored biometric record was sealed under another data key.', { ...where, keyId });
  }
  const nonce = b.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  const tag = b.subarray(HEADER_BYTES + NONCE_BYTES, BLOB_OVERHEAD);
  const decipher = createDecipheriv('aes-256-gcm', key.key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(Buffer.from(header), context));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(b.subarray(BLOB_OVERHEAD)), decipher.final()]);
  } catch {
    // The cause (OpenSSL's "unable to authenticate data") adds nothing and is left out on purpose.
    throw new ApplianceError(
      ApplianceErrors.CRYPTO_DECRYPT_FAILED.code,
      'A stored biometric record failed its integrity check: it was altered or does not belong to this registration.',
      where,
    );
  }
}

function openV2(key: DataKey, b: Buffer, context: BlobContext, where: Record<string, string>): Buffer {
  let keyId: string;
  try {
    keyId = parsePrintV2(b).dataKeyId;
  } catch {
    throw new ApplianceError(ApplianceErrors.CRYPTO_BLOB_INVALID.code, 'A stored biometric record is not in a known encrypted format.', where);
  }
  if (keyId !== key.keyId) {
    throw new ApplianceError(ApplianceErrors.CRYPTO_KEY_MISMATCH.code, 'A stored biometric record was sealed under another data key.', { ...where, keyId });
  }
  try {
    return openPrintV2WithDataKey(key.key, b, context);
  } catch {
    throw new ApplianceError(
      ApplianceErrors.CRYPTO_DECRYPT_FAILED.code,
      'A stored biometric record failed its integrity check: it was altered or does not belong to this registration.',
      where,
    );
  }
}
