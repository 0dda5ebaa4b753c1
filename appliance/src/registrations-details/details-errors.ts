import { ApplianceError, ApplianceErrors } from '../errors.ts';

/** A details field the officer must correct; the field is in the message (first) and in the context. */
export function invalidField(field: string, message: string): ApplianceError {
  return new ApplianceError(ApplianceErrors.DETAILS_INVALID.code, `${field}: ${message}`, { field });
}
