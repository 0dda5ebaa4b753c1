import { ApplianceError } from '@lmc/core/errors.ts';

/**
 * Coded errors of encryption at rest. Messages and context name files and record ids only: never key
 * material, plaintext or ciphertext bytes.
 */
export const CryptoErrorCodes = {
  /** The data key file exists but is damaged; never replaced silently (every stored blob needs it). */
  KeyInvalid: 'DATA_KEY_INVALID',
  /** The data key file cannot be read or created. */
  KeyIo: 'DATA_KEY_IO_ERROR',
  /** Not a blob of a known format (too short, unknown version). */
  BlobInvalid: 'CRYPTO_BLOB_INVALID',
  /** Sealed under another data key than the one loaded. */
  KeyMismatch: 'CRYPTO_KEY_MISMATCH',
  /** Authentication failed: the blob was altered or belongs to another record. */
  DecryptFailed: 'CRYPTO_DECRYPT_FAILED',
} as const;

export type CryptoErrorCode = (typeof CryptoErrorCodes)[keyof typeof CryptoErrorCodes];

export function cryptoError(code: CryptoErrorCode, message: string, context: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError(code, message, context);
}
