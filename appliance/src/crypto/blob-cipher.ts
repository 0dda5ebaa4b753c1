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
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CryptoErrors, cryptoError } from './crypto-errors.ts';
import type { DataKey } from './data-key.ts';

const VERSION = 0x01;
const KEY_ID_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
export const BLOB_OVERHEAD = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;
const AAD_TAG = 'zlmc-blob-v1';

/** Where a blob belongs. Every field goes into the associated data. */
export interface BlobContext {
  readonly kind: 'fingerprint-template' | 'fingerprint-image';
  readonly registrationId: string;
  readonly finger: string;
}

function aad(header: Buffer, c: BlobContext): Buffer {
  // NUL separators: none of the fields can contain NUL (ids and finger names are validated printable).
  return Buffer.concat([header, Buffer.from(`\u0000${AAD_TAG}\u0000${c.kind}\u0000${c.registrationId}\u0000${c.finger}`, 'utf8')]);
}

export function sealBlob(key: DataKey, plaintext: Uint8Array, context: BlobContext): Buffer {
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
  if (b.length < BLOB_OVERHEAD || b[0] !== VERSION) {
    throw cryptoError(CryptoErrors.CRYPTO_BLOB_INVALID.code, 'A stored biometric record is not in a known encrypted format.', where);
  }
  const header = b.subarray(0, HEADER_BYTES);
  const keyId = header.subarray(1).toString('hex');
  if (keyId !== key.keyId) {
    throw cryptoError(CryptoErrors.CRYPTO_KEY_MISMATCH.code, 'A stored biometric record was sealed under another data key.', { ...where, keyId });
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
    throw cryptoError(
      CryptoErrors.CRYPTO_DECRYPT_FAILED.code,
      'A stored biometric record failed its integrity check: it was altered or does not belong to this registration.',
      where,
    );
  }
}
