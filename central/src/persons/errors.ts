/**
 * Codes of the person index, lookup and access-audit routes, declared once with their HTTP status. The error
 * carries its status (toHttpError in central/src/errors.ts honours a 4xx `statusCode`), so that file stays untouched.
 */
import { type CodeOf, declareErrors, statusCodedErrors } from '@lmc/core/errors.ts';

export const PersonErrors = declareErrors({
  /** No person with that id. */
  PERSON_NOT_FOUND: { status: 404 },
  /** No candidate link with that id. */
  CANDIDATE_NOT_FOUND: { status: 404 },
  /** The candidate link was accepted or rejected before. */
  CANDIDATE_DECIDED: { status: 409 },
  /** One of the two persons was merged into another since the candidate was made: review the survivor. */
  CANDIDATE_STALE: { status: 409 },
  /** Search terms too short or malformed. */
  PERSON_SEARCH_INVALID: { status: 400 },
  /** The lookup's k is not a 64-hex keyed hash. */
  LOOKUP_INVALID: { status: 400 },
});

export type PersonErrorCode = CodeOf<typeof PersonErrors>;

export const personError = statusCodedErrors(PersonErrors);
