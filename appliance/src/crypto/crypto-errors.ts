import { type CodeOf, declareErrors } from '@lmc/core/errors.ts';
import { ApplianceError } from '../errors.ts';

/**
 * Coded errors of encryption at rest, declared once with their HTTP status (all faults: a technician's
 * problem). Messages and context name files and record ids only: never key material, plaintext or
 * ciphertext bytes.
 */
export const CryptoErrors = declareErrors({
  /** The data key file exists but is damaged; never replaced silently (every stored blob needs it). */
  DATA_KEY_INVALID: { status: 500 },
  /** The data key file cannot be read or created. */
  DATA_KEY_IO_ERROR: { status: 500 },
  /** Not a blob of a known format (too short, unknown version). */
  CRYPTO_BLOB_INVALID: { status: 500 },
  /** Sealed under another data key than the one loaded. */
  CRYPTO_KEY_MISMATCH: { status: 500 },
  /** Authentication failed: the blob was altered or belongs to another record. */
  CRYPTO_DECRYPT_FAILED: { status: 500 },
  /**
   * Cross-office verification (prints-remote/): the central cannot be reached, or its answer is not signed by the
   * pinned central key for this request, or a template in it does not open. Nothing was compared.
   */
  REMOTE_PRINTS_UNAVAILABLE: { status: 503 },
  /** The central refused to hand the earlier templates over (context.centralCode: no such registration, no templates, ...). */
  REMOTE_PRINTS_REFUSED: { status: 409 },
  /** This appliance cannot ask: not enrolled, or enrolled before it had an encryption key (re-key it). */
  REMOTE_PRINTS_NOT_ENROLLED: { status: 409 },
});

export type CryptoErrorCode = CodeOf<typeof CryptoErrors>;

export function cryptoError(code: CryptoErrorCode, message: string, context: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError(code, message, context);
}
