/**
 * What the A4 slip says beyond the receipt's facts, read from the record (issue #14 item 11): each finger captured
 * or excepted with the approving supervisor, the details (district, occupation, employer, vacancy…), the
 * supervisor's approval of this registration, and the consent in the language it was given. Plain data, so the
 * slip can be rendered in the CPU pool (workers/cpu-tasks.ts).
 */
import type { Database } from 'better-sqlite3';
import type { RegistrationDetails } from '../registrations-details/details-validator.ts';
import { consentStatement, isReceiptLanguage, receiptCatalogue } from '../printing/receipt-catalogue.ts';
import type { RegistrationView } from '../store/index.ts';
import { candidacyTerms } from '../recruitment/vacancy-sections.ts';
import type { TermsBlock } from '../recruitment/terms-text.ts';

export interface SlipFinger {
  finger: string;
  status: 'captured' | 'exception';
  quality: number | null;
  reason: string | null;
  /** The approving supervisor of an exception: "id (name)". */
  approvedBy: string | null;
}

export interface SlipRecord {
  /** Fingers on record; empty when none were taken (an appliance without a reader). */
  fingers: SlipFinger[];
  details: RegistrationDetails | null;
  approval: { supervisor: string; at: string; warnings: string[] } | null;
  migrantLanguage: string | null;
  consent: { given: boolean; language: string; readAt: string; text: string; english: string | null } | null;
  /** The jobs the migrant asked for (issue #17), their terms in the migrant's language; empty when none. */
  vacancies?: { language: string; heading: string; blocks: TermsBlock[] } | null;
}

/** `id (display name)` when the officer register knows the id. */
export type NameOf = (officerId: string) => string | undefined;

const LANGUAGE_NAMES: Record<string, string> = { en: 'English', sn: 'Shona', nd: 'isiNdebele' };
export const languageName = (code: string | null | undefined): string => (code ? (LANGUAGE_NAMES[code] ?? code) : 'not chosen');

export function slipRecord(db: Database, registration: RegistrationView, details: RegistrationDetails | undefined, nameOf: NameOf): SlipRecord {
  const who = (id: string) => {
    const name = nameOf(id);
    return name ? `${id} (${name})` : id;
  };
  const fingers = (
    db
      .prepare('SELECT finger, status, quality, exception_reason, approved_by FROM fingerprints WHERE registration_id = ? ORDER BY finger')
      .all(registration.id) as Array<{ finger: string; status: 'captured' | 'exception'; quality: number | null; exception_reason: string | null; approved_by: string | null }>
  ).map((r) => ({ finger: r.finger, status: r.status, quality: r.quality, reason: r.exception_reason, approvedBy: r.approved_by ? who(r.approved_by) : null }));
  const c = details?.consent;
  const language = registration.migrantLanguage ?? details?.language ?? 'en';
  const blocks = candidacyTerms(db, registration.id, language);
  return {
    vacancies: blocks.length > 0 ? { language, heading: receiptCatalogue(isReceiptLanguage(language) ? language : 'en').t('recruitment.interestTitle'), blocks } : null,
    fingers,
    details: details ?? null,
    approval: registration.approval ? { supervisor: who(registration.approval.supervisorId), at: registration.approval.at, warnings: registration.approval.warnings } : null,
    migrantLanguage: registration.migrantLanguage,
    consent:
      c && isReceiptLanguage(c.language)
        ? { given: c.given, language: c.language, readAt: c.readAt, text: consentStatement(c.language), english: c.language === 'en' ? null : consentStatement('en') }
        : null,
  };
}
