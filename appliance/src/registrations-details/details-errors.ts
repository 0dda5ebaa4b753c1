import { declareErrors } from '@lmc/core/errors.ts';
import { ApplianceError } from '../errors.ts';

/** Codes of the details layer, declared once with their HTTP status; `expose` puts the field / the missing items in the body. */
export const DetailsErrors = declareErrors({
  /** A field of PUT /details is missing, malformed or not in the reference data. `context.field` names it. */
  DETAILS_INVALID: { status: 400, messageKey: 'error.DETAILS_INVALID', expose: ['field'] },
  /** Finalize refused: details, consent or fingerprints are missing. `context.missing` lists them. */
  REGISTRATION_INCOMPLETE: { status: 409, messageKey: 'error.REGISTRATION_INCOMPLETE', expose: ['missing'] },
  /** The supervisor's approval token is unknown, expired, used, or for another registration. */
  APPROVAL_INVALID: { status: 403, messageKey: 'error.APPROVAL_INVALID' },
});

/** A details field the officer must correct; the field is in the message (first) and in the context. */
export function invalidField(field: string, message: string): ApplianceError {
  return new ApplianceError(DetailsErrors.DETAILS_INVALID.code, `${field}: ${message}`, { field });
}
