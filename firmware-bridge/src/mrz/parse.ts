/**
 * The MRZ parser proper: reads every field of a checked set of lines using the layout table,
 * verifies every check digit (ICAO 9303 Part 3 §4.9) and reports per-field validity and
 * warnings. Never throws for content; only `normaliseInput` throws, for non-MRZ input.
 */
import { computeCheckDigit } from './check-digit.ts';
import {
  ageOn,
  compareDays,
  latestPossibleBirthDay,
  resolveBirthDate,
  resolveExpiryDate,
  todayUtc,
  type ResolvedDate,
} from './dates.ts';
import { type FormatLayout, LAYOUTS, type Span, take } from './formats.ts';
import { normaliseInput } from './input.ts';
import { checkDigitFailed, INTEGRITY_WARNINGS, label } from './messages.ts';
import { parseName } from './names.ts';
import { isKnownStateCode } from './states.ts';
import type {
  MrzCheckDigitResult,
  MrzDocument,
  MrzFieldResult,
  MrzParseOptions,
  MrzWarning,
  MrzWarningCode,
} from './types.ts';

const stripTrailing = (s: string) => s.replace(/<+$/, '');
const stripFillers = (s: string) => s.replace(/^<+|<+$/g, '');

class Collector {
  readonly fields: Record<string, MrzFieldResult> = {};
  readonly checkDigits: MrzCheckDigitResult[] = [];
  readonly warnings: MrzWarning[] = [];

  field(name: string, raw: string, value: string | null, valid: boolean | null): void {
    this.fields[name] = { value, raw, valid };
  }
  warn(code: MrzWarningCode, field: string | undefined, message: string): void {
    this.warnings.push(field === undefined ? { code, message } : { code, field, message });
  }
  /** Records one check digit; `alsoAccept` covers the documented alternatives (Belgian TD1, TD3 `<`). */
  check(name: string, data: string, raw: string, alsoAccept: (raw: string) => boolean = () => false): boolean {
    const expected = computeCheckDigit(data);
    const valid = raw === String(expected) || alsoAccept(raw);
    this.checkDigits.push({ name, valid, raw, expected });
    if (!valid) this.warn('CHECK_DIGIT_FAILED', name, checkDigitFailed(name, raw, expected));
    return valid;
  }
}

interface NumberResult {
  value: string;
  raw: string;
  valid: boolean;
  variant: MrzDocument['documentNumberCheckVariant'];
  /** Optional data left once a long number's continuation is taken out. */
  optionalRest: string | null;
}

/**
 * TD1/TD2 note j (Part 5 §4.2.2, Part 6 §4.2.2): a number longer than 9 characters has a filler
 * in the check-digit position; the optional data continues the number and ends with its check
 * digit, then a filler. ICAO computes the digit over the whole number without that filler;
 * Belgian cards include it. Both are accepted and the matching rule is reported.
 */
function readLongNumber(c: Collector, main: string, optional: string): NumberResult {
  const run = optional.slice(0, optional.includes('<') ? optional.indexOf('<') : optional.length);
  if (run.length < 2) {
    c.checkDigits.push({ name: 'documentNumber', valid: false, raw: '<', expected: computeCheckDigit(main) });
    c.warn(
      'INVALID_DOCUMENT_NUMBER',
      'documentNumber',
      `The ${label('documentNumber')} check digit is a filler, which marks a long number, but the optional data does not continue it: the MRZ was misread or altered.`,
    );
    return { value: stripTrailing(main), raw: main, valid: false, variant: null, optionalRest: null };
  }
  const extra = run.slice(0, -1);
  const digit = run.slice(-1);
  const icao = computeCheckDigit(main + extra);
  const withFiller = computeCheckDigit(`${main}<${extra}`);
  const variant = digit === String(icao) ? 'icao' : digit === String(withFiller) ? 'filler-included' : null;
  c.checkDigits.push({ name: 'documentNumber', valid: variant !== null, raw: digit, expected: icao });
  if (!variant) c.warn('CHECK_DIGIT_FAILED', 'documentNumber', checkDigitFailed('documentNumber', digit, icao));
  return {
    value: main + extra,
    raw: main + extra,
    valid: variant !== null,
    variant,
    optionalRest: optional.slice(run.length),
  };
}

function readDocumentNumber(c: Collector, lines: string[], L: FormatLayout): NumberResult {
  const main = take(lines, L.documentNumber);
  const checkRaw = take(lines, L.documentNumberCheck);
  if (L.documentNumberOverflow && checkRaw === '<') return readLongNumber(c, main, take(lines, L.optionalData));
  const valid = c.check('documentNumber', main, checkRaw);
  return { value: stripTrailing(main), raw: main, valid, variant: null, optionalRest: null };
}

function readDate(
  c: Collector,
  lines: string[],
  name: 'birthDate' | 'expiryDate',
  span: Span,
  checkSpan: Span,
  now: Date,
): ResolvedDate {
  const raw = take(lines, span);
  const checked = c.check(name, raw, take(lines, checkSpan));
  const date = name === 'birthDate' ? resolveBirthDate(raw, now) : resolveExpiryDate(raw, now);
  if (!date.ok) c.warn('INVALID_DATE', name, `The ${label(name)} '${raw}' is not a valid date (${date.problem}).`);
  c.field(name, raw, date.iso, checked && date.ok);
  return date;
}

function readState(c: Collector, lines: string[], name: 'issuingState' | 'nationality', span: Span) {
  const raw = take(lines, span);
  const code = stripFillers(raw);
  const known = isKnownStateCode(code);
  if (!known) {
    c.warn(
      'UNKNOWN_STATE',
      name,
      `The ${label(name)} code '${code}' is not on the ICAO list of states and organisations${code === 'UTO' ? " (UTO is ICAO's fictional specimen state)" : ''}. Check the document by hand.`,
    );
  }
  c.field(name, raw, code, null);
  return { code, known };
}

function readSex(c: Collector, lines: string[], L: FormatLayout): MrzDocument['sex'] {
  const raw = take(lines, L.sex);
  // Part 3 §4.6.3: M, F or < (unspecified); X is used in the field for non-binary holders.
  const ok = raw === 'M' || raw === 'F' || raw === 'X' || raw === '<';
  if (!ok) c.warn('INVALID_SEX', 'sex', `The sex field holds '${raw}'; only M, F, X or < are allowed.`);
  const sex = raw === 'M' || raw === 'F' || raw === 'X' ? raw : null;
  c.field('sex', raw, sex, ok ? null : false);
  return sex;
}

function readDocumentCode(c: Collector, lines: string[], L: FormatLayout): string {
  const raw = take(lines, L.documentCode);
  const ok = /^[A-Z][A-Z<]$/.test(raw);
  if (!ok) c.warn('INVALID_DOCUMENT_CODE', 'documentCode', `The document type '${raw}' is not valid; it must start with a letter.`);
  const value = stripTrailing(raw);
  c.field('documentCode', raw, value, ok ? null : false);
  return value;
}

function ageWarnings(c: Collector, birth: ResolvedDate, expiry: ResolvedDate, now: Date): void {
  const today = todayUtc(now);
  if (expiry.ok && expiry.iso && expiry.year !== null && expiry.month !== null && expiry.day !== null) {
    if (compareDays({ year: expiry.year, month: expiry.month, day: expiry.day }, today) < 0) {
      c.warn('DOCUMENT_EXPIRED', 'expiryDate', `The document expired on ${expiry.iso}.`);
    }
  }
  if (birth.ok && (birth.year === null || birth.month === null || birth.day === null)) {
    c.warn('BIRTH_DATE_PARTLY_UNKNOWN', 'birthDate', 'Part of the date of birth is unknown in the MRZ; confirm age from other evidence.');
  }
  const youngest = latestPossibleBirthDay(birth);
  if (!youngest) return;
  const age = ageOn(youngest, today);
  if (age < 18) {
    c.warn(
      'HOLDER_UNDER_18',
      'birthDate',
      birth.iso ? `The holder is ${Math.max(age, 0)} years old (under 18).` : 'The holder may be under 18 (date of birth partly unknown).',
    );
  }
}

export function parseMrz(input: string | readonly string[], options: MrzParseOptions = {}): MrzDocument {
  const now = options.now ?? new Date();
  const { lines, format } = normaliseInput(input);
  const L = LAYOUTS[format];
  const c = new Collector();

  const documentCode = readDocumentCode(c, lines, L);
  const issuing = readState(c, lines, 'issuingState', L.issuingState);
  const number = readDocumentNumber(c, lines, L);
  c.field('documentNumber', number.raw, number.value, number.valid);
  const nationality = readState(c, lines, 'nationality', L.nationality);
  const birth = readDate(c, lines, 'birthDate', L.birthDate, L.birthDateCheck, now);
  const sex = readSex(c, lines, L);
  const expiry = readDate(c, lines, 'expiryDate', L.expiryDate, L.expiryDateCheck, now);

  // TD3 personal number (Part 4 §4.2.2 note): when unused, its check digit may be 0 or <.
  const optionalRaw = take(lines, L.optionalData);
  let personalNumber: string | null = null;
  let personalValid: boolean | null = null;
  if (L.personalNumberCheck) {
    const empty = /^<*$/.test(optionalRaw);
    personalValid = c.check('personalNumber', optionalRaw, take(lines, L.personalNumberCheck), (r) => empty && r === '<');
    personalNumber = empty ? null : stripTrailing(optionalRaw);
  }

  let compositeValid: boolean | null = null;
  if (L.composite) {
    const data = L.composite.covers.map((sp) => take(lines, sp)).join('');
    compositeValid = c.check('composite', data, take(lines, L.composite.check));
  }

  // Optional data on TD1/TD2 is covered only by the composite; on visas by nothing.
  const optionalValid = personalValid ?? compositeValid;
  const optionalData =
    number.optionalRest !== null ? stripFillers(number.optionalRest) : stripTrailing(optionalRaw);
  c.field('optionalData', optionalRaw, optionalData, optionalValid);
  if (L.personalNumberCheck) c.field('personalNumber', optionalRaw, personalNumber, personalValid);
  let optionalData2: string | null = null;
  if (L.optionalData2) {
    const raw2 = take(lines, L.optionalData2);
    optionalData2 = stripTrailing(raw2);
    c.field('optionalData2', raw2, optionalData2, compositeValid);
  }

  const nameRaw = take(lines, L.name);
  const name = parseName(nameRaw);
  if (!name.wellFormed) c.warn('INVALID_NAME', 'surname', 'The name field holds digits; names in an MRZ are letters only.');
  c.field('surname', nameRaw, name.surname, name.wellFormed ? null : false);
  c.field('givenNames', nameRaw, name.givenNames, name.wellFormed ? null : false);

  ageWarnings(c, birth, expiry, now);

  return {
    format,
    lines,
    valid: !c.warnings.some((w) => INTEGRITY_WARNINGS.has(w.code)),
    documentCode,
    issuingState: issuing.code,
    issuingStateKnown: issuing.known,
    nationality: nationality.code,
    nationalityKnown: nationality.known,
    documentNumber: number.value,
    documentNumberCheckVariant: number.variant,
    surname: name.surname,
    givenNames: name.givenNames,
    nameMaybeTruncated: name.maybeTruncated,
    sex,
    birthDate: birth.iso,
    expiryDate: expiry.iso,
    optionalData,
    optionalData2,
    personalNumber,
    fields: c.fields,
    checkDigits: c.checkDigits,
    warnings: c.warnings,
  };
}
