/**
 * Builds valid MRZ lines from a spec, computing every check digit with the same layout table
 * the parser reads. Used by the reader simulators, the tests and the benchmark; it writes
 * what ICAO 9303 prescribes, and rejects specs that cannot be written rather than guessing.
 */
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { computeCheckDigit } from './check-digit.ts';
import { type FormatLayout, LAYOUTS, type Span } from './formats.ts';
import { encodeName } from './names.ts';
import type { MrzSpec } from './types.ts';

export const MRZ_SPEC_INVALID = FirmwareBridgeErrors.MRZ_SPEC_INVALID.code;

const width = (sp: Span) => sp.end - sp.start;

function fail(message: string, field: string): never {
  throw new ApplianceError(MRZ_SPEC_INVALID, `Cannot write MRZ: ${message}`, { field });
}

function fitField(value: string, sp: Span, field: string, pattern = /^[A-Z0-9<]*$/): string {
  if (!pattern.test(value)) fail(`${field} holds characters that cannot appear in an MRZ`, field);
  if (value.length > width(sp)) fail(`${field} is longer than ${width(sp)} characters`, field);
  return value.padEnd(width(sp), '<');
}

function defaultCode(L: FormatLayout): string {
  return L.format === 'TD3' ? 'P' : L.format === 'MRVA' || L.format === 'MRVB' ? 'V' : 'I';
}

/** Document number field, its check digit and the continuation that opens the optional data. */
function writeNumber(spec: MrzSpec, L: FormatLayout): { field: string; check: string; continuation: string } {
  const n = spec.documentNumber;
  const w = width(L.documentNumber);
  if (!/^[A-Z0-9<]*$/.test(n)) fail('documentNumber holds characters that cannot appear in an MRZ', 'documentNumber');
  if (n.length <= w) {
    const field = n.padEnd(w, '<');
    return { field, check: String(computeCheckDigit(field)), continuation: '' };
  }
  if (!L.documentNumberOverflow) fail(`a ${L.format} document number has at most ${w} characters`, 'documentNumber');
  const head = n.slice(0, w);
  const extra = n.slice(w);
  const digit =
    spec.longNumberCheck === 'filler-included' ? computeCheckDigit(`${head}<${extra}`) : computeCheckDigit(n);
  return { field: head, check: '<', continuation: `${extra}${digit}<` };
}

export function generateMrz(spec: MrzSpec): string[] {
  const L = LAYOUTS[spec.format];
  if (!L) fail(`unknown format '${String(spec.format)}'`, 'format');
  const lines = Array.from({ length: L.lineCount }, () => Array<string>(L.lineLength).fill('<'));
  const put = (sp: Span, text: string) => {
    const line = lines[sp.line];
    if (!line) return;
    for (let i = 0; i < text.length; i++) line[sp.start + i] = text.charAt(i);
  };
  const read = (sp: Span) => (lines[sp.line] ?? []).slice(sp.start, sp.end).join('');

  const code = spec.documentCode ?? defaultCode(L);
  if ((L.format === 'MRVA' || L.format === 'MRVB') !== code.startsWith('V')) {
    fail(`document code '${code}' does not match format ${L.format} (visas, and only visas, start with V)`, 'documentCode');
  }
  put(L.documentCode, fitField(code, L.documentCode, 'documentCode', /^[A-Z][A-Z<]?$/));
  put(L.issuingState, fitField(spec.issuingState, L.issuingState, 'issuingState', /^[A-Z<]{1,3}$/));
  put(L.nationality, fitField(spec.nationality, L.nationality, 'nationality', /^[A-Z<]{1,3}$/));

  const num = writeNumber(spec, L);
  put(L.documentNumber, num.field);
  put(L.documentNumberCheck, num.check);

  for (const [field, sp, ck] of [
    ['birthDate', L.birthDate, L.birthDateCheck],
    ['expiryDate', L.expiryDate, L.expiryDateCheck],
  ] as const) {
    const v = spec[field];
    if (!/^[0-9<]{6}$/.test(v)) fail(`${field} must be YYMMDD (digits, < for unknown parts)`, field);
    put(sp, v);
    put(ck, String(computeCheckDigit(v)));
  }
  if (!['M', 'F', 'X', '<'].includes(spec.sex)) fail('sex must be M, F, X or <', 'sex');
  put(L.sex, spec.sex);

  const optional = L.personalNumberCheck ? (spec.personalNumber ?? spec.optionalData ?? '') : (spec.optionalData ?? '');
  put(L.optionalData, fitField(num.continuation + optional, L.optionalData, 'optionalData'));
  if (L.personalNumberCheck) {
    const pn = read(L.optionalData);
    // Part 4 note: an unused personal number may carry 0 or <; we write <, as the specimen does.
    put(L.personalNumberCheck, /^<*$/.test(pn) ? '<' : String(computeCheckDigit(pn)));
  }
  if (L.optionalData2) put(L.optionalData2, fitField(spec.optionalData2 ?? '', L.optionalData2, 'optionalData2'));
  else if (spec.optionalData2) fail('optionalData2 exists only on TD1', 'optionalData2');

  if (!/^[A-Z ]*$/.test(spec.surname) || !/^[A-Z ]*$/.test(spec.givenNames)) {
    fail('names must be MRZ-ready: A-Z and spaces (transliterate first, ICAO 9303 Part 3 §6)', 'surname');
  }
  put(L.name, encodeName(spec.surname, spec.givenNames, width(L.name)));

  if (L.composite) {
    put(L.composite.check, String(computeCheckDigit(L.composite.covers.map(read).join(''))));
  }
  return lines.map((l) => l.join(''));
}
