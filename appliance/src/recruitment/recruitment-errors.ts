import { declareErrors } from '@lmc/core/errors.ts';

/** Codes of the counter's recruitment layer (issue #17), declared once with their HTTP status. */
export const RecruitmentErrors = declareErrors({
  /** A field of a work profile, candidacy or cost is missing or malformed; `field` names it. */
  RECRUITMENT_INVALID: { status: 400, messageKey: 'error.RECRUITMENT_INVALID', expose: ['field'] },
  /**
   * Interest recorded in a vacancy the counter may not offer today: unknown, not open, employer suspended, past its
   * closing date, not yet open, no place left, or the migrant is under its minimum age. `reason` says which.
   */
  VACANCY_NOT_OFFERED: { status: 409, messageKey: 'error.VACANCY_NOT_OFFERED', expose: ['vacancyId', 'reason'] },
  /** The registration has no saved details yet: matching needs the occupation and destination. */
  RECRUITMENT_DETAILS_MISSING: { status: 409, messageKey: 'error.RECRUITMENT_DETAILS_MISSING' },
});
