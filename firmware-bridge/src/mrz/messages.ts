/**
 * Officer-facing wording, in one place so the counter UI and the audit log say the same thing.
 */
import type { MrzWarningCode } from './types.ts';

export const FIELD_LABELS: Readonly<Record<string, string>> = {
  documentCode: 'document type',
  issuingState: 'issuing state',
  documentNumber: 'document number',
  nationality: 'nationality',
  birthDate: 'date of birth',
  sex: 'sex',
  expiryDate: 'expiry date',
  optionalData: 'optional data',
  optionalData2: 'optional data (line 2)',
  personalNumber: 'personal number',
  composite: 'whole-zone (composite)',
  surname: 'surname',
  givenNames: 'given names',
};

export const label = (field: string): string => FIELD_LABELS[field] ?? field;

/** Warnings that mean the MRZ is misread, altered or malformed: they make `valid` false. */
export const INTEGRITY_WARNINGS: ReadonlySet<MrzWarningCode> = new Set<MrzWarningCode>([
  'CHECK_DIGIT_FAILED',
  'INVALID_DATE',
  'INVALID_SEX',
  'INVALID_NAME',
  'INVALID_DOCUMENT_CODE',
  'INVALID_DOCUMENT_NUMBER',
]);

export function checkDigitFailed(field: string, raw: string, expected: number): string {
  const read = /^[0-9]$/.test(raw) ? `reads ${raw}` : `holds '${raw}' instead of a digit`;
  return `The ${label(field)} check digit ${read}, but the data gives ${expected}: the MRZ was misread or altered. Rescan, and compare with the printed data page.`;
}
