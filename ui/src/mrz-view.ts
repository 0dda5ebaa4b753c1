import { t } from './i18n/i18n.ts';
import type { MrzDocument } from './types.ts';

export type CheckState = 'ok' | 'failed' | 'none';

export interface FieldRow {
  key: string;
  label: string;
  value: string;
  check: CheckState;
}

/** Fields in the order the officer compares them with the printed data page. */
const ORDER = ['surname', 'givenNames', 'documentNumber', 'nationality', 'birthDate', 'sex', 'expiryDate', 'issuingState', 'documentCode', 'personalNumber', 'optionalData', 'optionalData2'];

function display(key: string, doc: MrzDocument, raw: string, value: string | null): string {
  if (key === 'sex') return doc.sex ? `${doc.sex} (${t(`sex.${doc.sex}`)})` : raw;
  if (key === 'birthDate' || key === 'expiryDate') return value ?? raw;
  return (value ?? raw).replaceAll('<', ' ').trim() || '—';
}

/**
 * One row per MRZ field with its check-digit state (ICAO 9303 Part 3: names, nationality, sex and document
 * code carry no check digit, hence "none" rather than a green tick), then the whole-zone (composite) check.
 */
export function fieldRows(doc: MrzDocument): FieldRow[] {
  const rows: FieldRow[] = [];
  for (const key of ORDER) {
    const f = doc.fields[key];
    if (!f) continue;
    if ((key === 'personalNumber' || key.startsWith('optionalData')) && f.raw.replaceAll('<', '') === '') continue;
    rows.push({ key, label: t(`field.${key}`), value: display(key, doc, f.raw, f.value), check: f.valid === true ? 'ok' : f.valid === false ? 'failed' : 'none' });
  }
  const composite = doc.checkDigits.find((c) => c.name === 'composite');
  if (composite) rows.push({ key: 'composite', label: t('field.composite'), value: '', check: composite.valid ? 'ok' : 'failed' });
  return rows;
}

export interface WarningView {
  code: string;
  severity: 'stop' | 'caution';
  text: string;
  action: string;
}

const STOP = new Set(['CHECK_DIGIT_FAILED', 'INVALID_DATE', 'INVALID_SEX', 'INVALID_NAME', 'INVALID_DOCUMENT_CODE', 'INVALID_DOCUMENT_NUMBER']);

/** Each warning in plain words in the officer's language, with what to do; the parser's English if unknown. */
export function warningViews(doc: MrzDocument): WarningView[] {
  const said = new Set<string>();
  return doc.warnings.map((w) => {
    const field = w.field ? t(`field.${w.field}`).toLowerCase() : '';
    const key = `warning.${w.code}`;
    const text = t(key, { field });
    return {
      code: w.code,
      severity: STOP.has(w.code) ? 'stop' : 'caution',
      text: text === key ? w.message : text,
      // The same advice twice (two failed check digits) is noise: say it once.
      action: adviceOnce(said, w.code),
    };
  });
}

/** The advice for a warning code the first time it comes up in a list; '' after that. */
function adviceOnce(said: Set<string>, code: string): string {
  if (said.has(code)) return '';
  said.add(code);
  return t(`action.${code}`, { defaultValue: '' });
}
