import { ApplianceError } from '@lmc/core/errors.ts';

/** Codes of the details layer; the HTTP status of each is in DETAILS_STATUS_BY_CODE (applied by details-routes.ts). */
export const DetailsErrorCodes = {
  /** A field of PUT /details is missing, malformed or not in the reference data. `context.field` names it. */
  Invalid: 'DETAILS_INVALID',
  /** Finalize refused: details, consent or fingerprints are missing. `context.missing` lists them. */
  Incomplete: 'REGISTRATION_INCOMPLETE',
  /** The supervisor's approval token is unknown, expired, used, or for another registration. */
  ApprovalInvalid: 'APPROVAL_INVALID',
} as const;

export const DETAILS_STATUS_BY_CODE: Record<string, number> = {
  DETAILS_INVALID: 400,
  REGISTRATION_INCOMPLETE: 409,
  APPROVAL_INVALID: 403,
};

/** A details field the officer must correct; the field is in the message (first) and in the context. */
export function invalidField(field: string, message: string): ApplianceError {
  return new ApplianceError(DetailsErrorCodes.Invalid, `${field}: ${message}`, { field });
}
