/**
 * The vacancies a migrant asked for, as sections of text for the thermal receipt and the A4 slip (issue #17 item 2:
 * the slip and receipt list the vacancy's terms in the migrant's language). Withdrawn candidacies are left out.
 */
import { isReceiptLanguage, receiptCatalogue } from '../printing/receipt-catalogue.ts';
import type { Database } from 'better-sqlite3';
import { readCandidacies } from './candidacies.ts';
import { type TermsBlock, termsBlock } from './terms-text.ts';

export interface TextSection {
  title: string;
  lines: string[];
}

/** The terms blocks of the registration's active candidacies, in `language`. */
export function candidacyTerms(db: Database, registrationId: string, language: string): TermsBlock[] {
  const lang = isReceiptLanguage(language) ? language : 'en';
  return readCandidacies(db, { registrationId })
    .filter((c) => c.status !== 'withdrew' && c.status !== 'not_selected')
    .map((c) => termsBlock(c.vacancy, lang));
}

/** One section: the heading, then for each vacancy its title, its terms as "Label: value" lines and the cost sentence. */
export function receiptSections(db: Database, registrationId: string, language: string): TextSection[] {
  const blocks = candidacyTerms(db, registrationId, language);
  if (blocks.length === 0) return [];
  const lang = isReceiptLanguage(language) ? language : 'en';
  const lines: string[] = [];
  for (const b of blocks) {
    lines.push(`* ${b.title}`);
    if (b.demo) lines.push(b.demo);
    for (const [label, value] of b.rows) lines.push(`${label}: ${value}`);
    lines.push(b.costs, '');
  }
  return [{ title: receiptCatalogue(lang).t('recruitment.interestTitle'), lines: lines.slice(0, -1) }];
}
