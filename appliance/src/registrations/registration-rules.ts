/**
 * The rules the appliance enforces before a registration may be finalized (issue #14), as pure functions of the
 * stored document, the office's day and the office's rules: the holder's age, and every warning about the
 * document, each marked blocking or not. A blocking warning needs a supervisor's approval of THIS registration.
 *
 * Always blocking: a holder under the office's minimum age (default 18), a birth date the MRZ does not give in
 * full (age cannot be checked), an expired document, ICAO's specimen state `UTO`, an issuing state or
 * nationality that is not an ICAO code. Any other MRZ warning is shown, and blocks when the office lists its code
 * in `office.registrationRules.blockingWarnings`. A chip outcome other than genuine is a warning that blocks only
 * as `office.registrationRules.chipApproval` says (chip/chip-rules.ts).
 */
import { type ChipApprovalRules, type ChipFacts, DEFAULT_CHIP_APPROVAL, chipWarnings } from '../chip/chip-rules.ts';
import type { StoredDocument } from '../store/index.ts';

export interface RegistrationRules {
  /** Holders younger than this (completed years on the office's day) need a supervisor's approval. */
  minimumAge: number;
  /** Further MRZ warning codes the office treats as blocking (e.g. INVALID_SEX). */
  blockingWarnings: readonly string[];
  /** An open draft with no activity for this long is discarded as expired (audited). */
  draftExpiryHours: number;
  /** Which chip outcomes need a supervisor's approval (chip/chip-rules.ts); absent: DEFAULT_CHIP_APPROVAL. */
  chipApproval?: ChipApprovalRules;
}

export const DEFAULT_REGISTRATION_RULES: RegistrationRules = Object.freeze({ minimumAge: 18, blockingWarnings: [], draftExpiryHours: 24 });

export interface ReviewWarning {
  code: string;
  field?: string;
  message: string;
  blocking: boolean;
}

/** The codes this module decides itself; the parser's versions of them are replaced (they were computed at scan time). */
export const RULE_CODES = ['HOLDER_UNDER_18', 'BIRTH_DATE_UNKNOWN', 'DOCUMENT_EXPIRED', 'SPECIMEN_DOCUMENT', 'UNKNOWN_STATE'] as const;
export const SPECIMEN_STATE = 'UTO';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Completed years at `on` (yyyy-mm-dd); undefined for a missing or partial birth date. */
export function ageOn(birthDate: string | null | undefined, on: string): number | undefined {
  if (!birthDate || !ISO_DATE.test(birthDate) || !ISO_DATE.test(on)) return undefined;
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

const known = (doc: StoredDocument, flag: 'issuingStateKnown' | 'nationalityKnown', warningField: string): boolean => {
  const v = doc[flag];
  if (typeof v === 'boolean') return v;
  // Documents stored before the parser had the flags: its warning says it.
  return !(doc.warnings as Array<{ code: string; field?: string }> | undefined)?.some((w) => w.code === 'UNKNOWN_STATE' && w.field === warningField);
};

/** The holder's age and every warning about the document (and its chip read, if any) on `today` (the office's calendar day). */
export function reviewDocument(doc: StoredDocument | null, today: string, rules: RegistrationRules, chip?: ChipFacts | null): { age: number | null; warnings: ReviewWarning[] } {
  if (!doc) return { age: null, warnings: [] };
  const warnings: ReviewWarning[] = [];
  const age = ageOn(doc.birthDate, today);
  if (age === undefined) {
    warnings.push({ code: 'BIRTH_DATE_UNKNOWN', field: 'birthDate', message: 'The date of birth is not given in full: the holder\'s age cannot be checked.', blocking: true });
  } else if (age < rules.minimumAge) {
    warnings.push({ code: 'HOLDER_UNDER_18', field: 'birthDate', message: `The holder is ${age}, under ${rules.minimumAge}: a supervisor must approve.`, blocking: true });
  }
  if (doc.expiryDate && ISO_DATE.test(doc.expiryDate) && doc.expiryDate < today) {
    warnings.push({ code: 'DOCUMENT_EXPIRED', field: 'expiryDate', message: `The document expired on ${doc.expiryDate}.`, blocking: true });
  }
  const specimen = doc.issuingState === SPECIMEN_STATE || doc.nationality === SPECIMEN_STATE;
  if (specimen) {
    warnings.push({ code: 'SPECIMEN_DOCUMENT', field: 'issuingState', message: `The document is a specimen (state ${SPECIMEN_STATE}), not a real passport.`, blocking: true });
  } else {
    for (const [flag, field] of [['issuingStateKnown', 'issuingState'], ['nationalityKnown', 'nationality']] as const) {
      if (!known(doc, flag, field)) {
        warnings.push({ code: 'UNKNOWN_STATE', field, message: `The ${field === 'issuingState' ? 'issuing state' : 'nationality'} '${String(doc[field])}' is not a known ICAO code.`, blocking: true });
      }
    }
  }
  const decided = new Set<string>(RULE_CODES);
  for (const w of (doc.warnings as Array<{ code: string; field?: string; message: string }> | undefined) ?? []) {
    if (decided.has(w.code)) continue;
    warnings.push({ code: w.code, ...(w.field ? { field: w.field } : {}), message: w.message, blocking: rules.blockingWarnings.includes(w.code) });
  }
  warnings.push(...chipWarnings(chip, rules.chipApproval ?? DEFAULT_CHIP_APPROVAL, rules.blockingWarnings));
  return { age: age ?? null, warnings };
}

/** The blocking codes, deduplicated, in the order found. */
export function blockingCodes(warnings: readonly ReviewWarning[]): string[] {
  return [...new Set(warnings.filter((w) => w.blocking).map((w) => w.code))];
}

const digits = (s: unknown) => (typeof s === 'string' ? s.replaceAll('<', '').trim().toUpperCase() : '');

/** Another person's document: a different number, nationality or birth date. */
export function isAnotherPerson(before: StoredDocument, after: StoredDocument): boolean {
  return (
    digits(before.documentNumber) !== digits(after.documentNumber) ||
    digits(before.nationality) !== digits(after.nationality) ||
    (before.birthDate ?? '') !== (after.birthDate ?? '')
  );
}
