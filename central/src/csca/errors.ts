/**
 * Codes of the CSCA routes, declared once with their HTTP status. The error carries its status (toHttpError in
 * central/src/errors.ts honours a 4xx `statusCode`), so that file stays untouched.
 */
import { ApplianceError, declareErrors } from '@lmc/core/errors.ts';

export const CscaErrors = declareErrors({
  /** The body is neither a PEM bundle, a DER certificate nor an ICAO master list, or the master list's signature does not verify. */
  CSCA_LIST_INVALID: { status: 400 },
  /** The file parsed, but none of its certificates is a usable CSCA (every one refused: see the message). */
  CSCA_NONE_ACCEPTED: { status: 422 },
  /** No CSCA certificate with that fingerprint. */
  CSCA_NOT_FOUND: { status: 404 },
  /** CSCA rows are written by the CSCA routes only (they come from a checked certificate), not the generic reference edit. */
  CSCA_EDIT_REFUSED: { status: 400 },
});

export type CscaErrorCode = keyof typeof CscaErrors;

export class CscaError extends ApplianceError {
  readonly statusCode: number;
  constructor(code: CscaErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.statusCode = CscaErrors[code].status;
  }
}

export function cscaError(code: CscaErrorCode, message: string, context: Record<string, unknown> = {}): CscaError {
  return new CscaError(code, message, context);
}
