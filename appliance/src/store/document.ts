import { invalidInput } from './errors.ts';
import type { StoredDocument } from './types.ts';

/** Columns copied out of the document for queries; the whole object goes to document_json. */
export interface DocumentColumns {
  document_format: string | null;
  document_code: string | null;
  document_number: string | null;
  issuing_state: string | null;
  nationality: string | null;
  surname: string | null;
  given_names: string | null;
  sex: string | null;
  birth_date: string | null;
  expiry_date: string | null;
  mrz_valid: 0 | 1;
  document_json: string;
}

// Generous bounds: a whole MRZ document is well under 4 KiB; anything near this is not one.
const MAX_DOCUMENT_JSON = 64 * 1024;
const MAX_FIELD = 200;
// ICAO 9303 machine-readable zones have 2 (TD2, TD3, MRV) or 3 (TD1) lines of at most 44 characters.
const MAX_LINES = 3;
const MAX_LINE = 44;

function optionalString(doc: Record<string, unknown>, key: keyof StoredDocument & string): string | null {
  const v = doc[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > MAX_FIELD) {
    throw invalidInput(`document.${key} must be a string of at most ${MAX_FIELD} characters`, { field: key });
  }
  return v;
}

/**
 * Check the parsed document enough that the query columns are trustworthy, and serialise it.
 * Field values the MRZ parser could not read may be null (an invalid MRZ is still recorded,
 * with mrz_valid = 0, so the officer can correct it); wrong types are refused.
 */
export function documentColumns(document: StoredDocument): DocumentColumns {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw invalidInput('document must be an object');
  }
  const doc = document as Record<string, unknown>;
  if (typeof doc.valid !== 'boolean') throw invalidInput('document.valid must be a boolean', { field: 'valid' });
  const lines = doc.lines;
  if (
    !Array.isArray(lines) ||
    lines.length === 0 ||
    lines.length > MAX_LINES ||
    !lines.every((l) => typeof l === 'string' && l.length <= MAX_LINE)
  ) {
    throw invalidInput(`document.lines must be 1 to ${MAX_LINES} strings of at most ${MAX_LINE} characters`, {
      field: 'lines',
    });
  }
  let json: string;
  try {
    json = JSON.stringify(document);
  } catch {
    throw invalidInput('document cannot be serialised as JSON');
  }
  if (json.length > MAX_DOCUMENT_JSON) {
    throw invalidInput(`document is larger than ${MAX_DOCUMENT_JSON} bytes`, { size: json.length });
  }
  return {
    document_format: optionalString(doc, 'format'),
    document_code: optionalString(doc, 'documentCode'),
    document_number: optionalString(doc, 'documentNumber'),
    issuing_state: optionalString(doc, 'issuingState'),
    nationality: optionalString(doc, 'nationality'),
    surname: optionalString(doc, 'surname'),
    given_names: optionalString(doc, 'givenNames'),
    sex: optionalString(doc, 'sex'),
    birth_date: optionalString(doc, 'birthDate'),
    expiry_date: optionalString(doc, 'expiryDate'),
    mrz_valid: doc.valid ? 1 : 0,
    document_json: json,
  };
}
