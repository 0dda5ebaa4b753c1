/**
 * Codes of the prints feature (central/src/prints/), declared once with their HTTP status. They carry the status on
 * the error (toHttpError honours a 4xx/5xx `statusCode`), like the reference routes' codes.
 */
import { type CodeOf, declareErrors, StatusCodedError } from '@lmc/core/errors.ts';

export const PrintErrors = declareErrors({
  /** No forwarded print with that blob id (or no registration with that id holding templates). */
  PRINT_NOT_FOUND: { status: 404 },
  /** No registration with that id whose forwarded record holds the passport chip's face photo (issue #18). */
  FACE_NOT_FOUND: { status: 404 },
  /** The print was sealed under the appliance's data key only (appliance enrolled before the central had an encryption key). */
  PRINT_NOT_SEALED_TO_CENTRAL: { status: 409 },
  /** Sealed to a central encryption key this central no longer holds (a retired key was destroyed). */
  PRINT_KEY_UNKNOWN: { status: 409 },
  /** The print failed its integrity check (altered, or its place in the record does not match). */
  PRINT_DAMAGED: { status: 422 },
  /** This central has no encryption key configured: it cannot open or re-seal prints. */
  PRINT_KEYS_MISSING: { status: 503 },
  /** The requesting appliance published no encryption key at enrolment: enrol it again (re-key) to verify across offices. */
  PRINT_DEVICE_KEY_MISSING: { status: 409 },
});

export type PrintErrorCode = CodeOf<typeof PrintErrors>;

/** A class of its own (not just statusCodedErrors) so that the routes can tell a print refusal with `instanceof`. */
export class PrintError extends StatusCodedError<PrintErrorCode> {
  constructor(code: PrintErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(PrintErrors, code, message, context);
  }
}
