/**
 * Codes of the recruitment routes (#17), declared once with their HTTP status. The error carries its
 * status (toHttpError in central/src/errors.ts honours a 4xx `statusCode`), so that file stays untouched.
 */
import { type CodeOf, declareErrors, statusCodedErrors } from '@lmc/core/errors.ts';

export const RecruitmentErrors = declareErrors({
  /** An employer or vacancy row breaks a recruitment rule (discrimination, missing terms of an open vacancy, vocabularies). */
  RECRUITMENT_TERMS_INVALID: { status: 400 },
  /** The x-content query hash of an events request is not the SHA-256 of its body. */
  RECRUITMENT_BODY_HASH_MISMATCH: { status: 400 },
  /** The events body is not { events: [...] } JSON. */
  RECRUITMENT_EVENTS_INVALID: { status: 400 },
  /** More events than MAX_EVENTS_PER_REQUEST. */
  RECRUITMENT_TOO_MANY_EVENTS: { status: 413 },
  /** No candidacy with that id. */
  CANDIDACY_NOT_FOUND: { status: 404 },
  /** No vacancy with that id. */
  VACANCY_NOT_FOUND: { status: 404 },
  /** The outcome change is not allowed from the candidacy's current status (e.g. departure before selection). */
  CANDIDACY_STATE_INVALID: { status: 409 },
  /** A contract was given for a candidacy that is not selected, or has bad terms. */
  CONTRACT_INVALID: { status: 400 },
  /** No cost report with that id. */
  COST_REPORT_NOT_FOUND: { status: 404 },
  /** Exchange-rate row malformed. */
  EXCHANGE_RATE_INVALID: { status: 400 },
  /** The grouping is not one the recruitment statistics offer. */
  RECRUITMENT_STATS_INVALID: { status: 400 },
});

export type RecruitmentErrorCode = CodeOf<typeof RecruitmentErrors>;

export const recruitmentError = statusCodedErrors(RecruitmentErrors);
