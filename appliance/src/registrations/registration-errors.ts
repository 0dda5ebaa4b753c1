import { declareErrors } from '@lmc/core/errors.ts';

/** Codes of the counter's registration rules (issue #14), declared once with their HTTP status. */
export const RegistrationErrors = declareErrors({
  /**
   * PUT /document: the scanned document is another person's (number, nationality or birth date differ) and the draft
   * already holds that person's details, consent, fingerprints or approval. `attached` lists what would be cleared;
   * send `replacePerson: true` to clear them.
   */
  DOCUMENT_PERSON_CHANGED: { status: 409, messageKey: 'error.DOCUMENT_PERSON_CHANGED', expose: ['attached'] },
  /** Finalize refused: a blocking warning (minor, expired, specimen, unknown state, office rule) and no supervisor approval. */
  SUPERVISOR_APPROVAL_REQUIRED: { status: 409, messageKey: 'error.SUPERVISOR_APPROVAL_REQUIRED', expose: ['warnings'] },
  /** An approval was asked for a registration with nothing that needs one. */
  APPROVAL_NOT_NEEDED: { status: 409, messageKey: 'error.APPROVAL_NOT_NEEDED' },
  /** The draft was discarded (by an officer or because it expired): it can no longer change. */
  REGISTRATION_DISCARDED: { status: 409, messageKey: 'error.REGISTRATION_DISCARDED' },
});
