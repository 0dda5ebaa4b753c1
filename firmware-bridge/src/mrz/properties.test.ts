/**
 * Property tests. What ICAO 9303 can and cannot detect, stated precisely:
 * - A check digit sees a substitution at a position it covers iff the character value changes
 *   by an amount that is not a multiple of 10 (weights 7, 3, 1 are prime to 10).
 * - Positions no check digit covers (document code, issuing state, names, nationality, sex, and
 *   a visa's optional data) can be altered without any check digit noticing.
 * The coverage below is written from the standard's text, not from formats.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { charValue } from './check-digit.ts';
import { SPECIMENS } from './fixtures.ts';
import { generateMrz, parseMrz, type MrzFormat, type MrzSpec } from './index.ts';

const NOW = new Date('2025-06-01T12:00:00Z');
const ALPHABET = '<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
const ALNUM = [...LETTERS, ...'0123456789'];

// Covered positions per line, 1-based inclusive ranges: data under a check digit, and the check digits.
type Ranges = Array<Array<[number, number]>>;
const COVERED: Record<MrzFormat, Ranges> = {
  // Part 4: line 2 number+check 1–10, birth+check 14–20, expiry+check 22–28, personal number+check 29–43, composite 44
  TD3: [[], [[1, 10], [14, 20], [22, 44]]],
  // Part 5: composite covers line 1 6–30, line 2 1–7, 9–15, 19–29; composite itself at line 2 pos 30
  TD1: [[[6, 30]], [[1, 7], [9, 15], [19, 30]], []],
  // Part 6: line 2 1–10, 14–20, 22–35 under the composite at 36
  TD2: [[], [[1, 10], [14, 20], [22, 36]]],
  // Part 7: no composite; optional data (29–44 / 29–36) is unprotected
  MRVA: [[], [[1, 10], [14, 20], [22, 28]]],
  MRVB: [[], [[1, 10], [14, 20], [22, 28]]],
};
const WIDTH: Record<MrzFormat, [number, number]> = { TD3: [2, 44], MRVA: [2, 44], TD2: [2, 36], MRVB: [2, 36], TD1: [3, 30] };

const isCovered = (f: MrzFormat, line: number, col0: number) =>
  (COVERED[f][line] ?? []).some(([a, b]) => col0 + 1 >= a && col0 + 1 <= b);
const coveredPositions = (f: MrzFormat): Array<[number, number]> => {
  const [n, w] = WIDTH[f];
  const out: Array<[number, number]> = [];
  for (let l = 0; l < n; l++) for (let c = 0; c < w; c++) if (isCovered(f, l, c)) out.push([l, c]);
  return out;
};
const detectableBy = (from: string, to: string) => (((charValue(to) - charValue(from)) % 10) + 10) % 10 !== 0;
const substitute = (lines: readonly string[], l: number, c: number, ch: string) =>
  lines.map((line, i) => (i === l ? line.slice(0, c) + ch + line.slice(c + 1) : line));

// ---------- arbitraries ----------
const yymmdd = (d: Date) => d.toISOString().slice(2, 10).replace(/-/g, '');
const iso = (d: Date) => d.toISOString().slice(0, 10);
const DAY = 86_400_000;
const birthDate = fc.date({ min: new Date(Date.UTC(1926, 5, 2)), max: new Date(Date.UTC(2025, 5, 1)), noInvalidDate: true });
// Expiry window for 2025 is 1975–2074 (dates.ts).
const expiryDate = fc.date({ min: new Date(Date.UTC(1975, 0, 1)), max: new Date(Date.UTC(2074, 11, 31) + DAY - 1), noInvalidDate: true });
const word = (max: number) => fc.string({ unit: fc.constantFrom(...LETTERS), minLength: 1, maxLength: max });
const alnum = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...ALNUM), minLength: min, maxLength: max });
const state = fc.constantFrom('ZWE', 'ZAF', 'MOZ', 'D', 'GBR', 'XXA', 'UNO', 'UTO');

const CODES: Record<MrzFormat, string[]> = { TD3: ['P', 'PM'], TD1: ['I', 'ID', 'AC', 'C'], TD2: ['I', 'IR'], MRVA: ['V', 'VB'], MRVB: ['V', 'VC'] };
const OPTIONAL_WIDTH: Record<MrzFormat, number> = { TD3: 14, TD1: 15, TD2: 7, MRVA: 16, MRVB: 8 };

const specArb: fc.Arbitrary<{ spec: MrzSpec; birth: Date; expiry: Date }> = fc
  .constantFrom<MrzFormat>('TD1', 'TD2', 'TD3', 'MRVA', 'MRVB')
  .chain((format) => {
    const overflow = format === 'TD1' || format === 'TD2';
    return fc
      .record({
        documentCode: fc.constantFrom(...CODES[format]),
        issuingState: state,
        nationality: state,
        documentNumber: alnum(1, overflow ? 14 : 9),
        surname: fc.array(word(8), { minLength: 1, maxLength: 2 }).map((w) => w.join(' ')),
        givenNames: fc.array(word(5), { maxLength: 2 }).map((w) => w.join(' ')),
        sex: fc.constantFrom('M', 'F', 'X', '<') as fc.Arbitrary<MrzSpec['sex']>,
        birth: birthDate,
        expiry: expiryDate,
        optional: alnum(0, OPTIONAL_WIDTH[format]),
        optional2: alnum(0, 11),
        longNumberCheck: fc.constantFrom('icao', 'filler-included') as fc.Arbitrary<'icao' | 'filler-included'>,
      })
      .map((r) => {
        const continuation = r.documentNumber.length > 9 ? r.documentNumber.length - 9 + 2 : 0;
        const optional = r.optional.slice(0, Math.max(0, OPTIONAL_WIDTH[format] - continuation));
        const spec: MrzSpec = {
          format, documentCode: r.documentCode, issuingState: r.issuingState, nationality: r.nationality,
          documentNumber: r.documentNumber, surname: r.surname, givenNames: r.givenNames, sex: r.sex,
          birthDate: yymmdd(r.birth), expiryDate: yymmdd(r.expiry), longNumberCheck: r.longNumberCheck,
          ...(format === 'TD3' ? { personalNumber: optional } : { optionalData: optional }),
          ...(format === 'TD1' ? { optionalData2: r.optional2 } : {}),
        };
        return { spec, birth: r.birth, expiry: r.expiry };
      });
  });

describe('generated MRZs', () => {
  it('parse valid and round-trip every field', () => {
    fc.assert(
      fc.property(specArb, ({ spec, birth, expiry }) => {
        const lines = generateMrz(spec);
        const d = parseMrz(lines, { now: NOW });
        expect(d.valid).toBe(true);
        expect(d.checkDigits.every((c) => c.valid)).toBe(true);
        const optional = spec.personalNumber ?? spec.optionalData ?? '';
        expect(d).toMatchObject({
          format: spec.format,
          documentCode: spec.documentCode,
          issuingState: spec.issuingState,
          issuingStateKnown: spec.issuingState !== 'UTO',
          nationality: spec.nationality,
          documentNumber: spec.documentNumber,
          surname: spec.surname,
          givenNames: spec.givenNames,
          sex: spec.sex === '<' ? null : spec.sex,
          birthDate: iso(birth),
          expiryDate: iso(expiry),
          optionalData: optional,
          optionalData2: spec.format === 'TD1' ? spec.optionalData2 : null,
          personalNumber: spec.format === 'TD3' && optional ? optional : null,
        });
        if (spec.documentNumber.length > 9) expect(d.documentNumberCheckVariant).not.toBeNull();
        else expect(d.documentNumberCheckVariant).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('any substitution at a covered position that changes the value by a non-multiple of 10 makes the MRZ invalid', () => {
    fc.assert(
      fc.property(specArb, fc.nat(), fc.constantFrom(...ALPHABET), ({ spec }, pick, ch) => {
        const lines = generateMrz(spec);
        const positions = coveredPositions(spec.format);
        const [l, c] = positions[pick % positions.length] ?? [0, 0];
        const from = lines[l]?.charAt(c) ?? '';
        fc.pre(detectableBy(from, ch));
        const d = parseMrz(substitute(lines, l, c, ch), { now: NOW });
        expect(d.valid).toBe(false);
        expect(d.warnings.some((w) => w.code === 'CHECK_DIGIT_FAILED' || w.code.startsWith('INVALID_'))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe('positions ICAO leaves uncovered', () => {
  /** Every position where some value-changing (non-multiple-of-10) substitution goes unnoticed. */
  function undetectablePositions(lines: readonly string[]): Set<string> {
    const base = parseMrz(lines, { now: NOW });
    expect(base.valid).toBe(true);
    const baseCodes = base.warnings.map((w) => `${w.code}:${w.field}`).sort().join();
    const out = new Set<string>();
    lines.forEach((line, l) => {
      for (let c = 0; c < line.length; c++) {
        for (const ch of ALPHABET) {
          if (!detectableBy(line.charAt(c), ch)) continue;
          const d = parseMrz(substitute(lines, l, c, ch), { now: NOW });
          if (d.valid && d.warnings.map((w) => `${w.code}:${w.field}`).sort().join() === baseCodes) {
            out.add(`${l}:${c}`);
            break;
          }
        }
      }
    });
    return out;
  }
  const uncovered = (f: MrzFormat) => {
    const [n, w] = WIDTH[f];
    const out = new Set<string>();
    for (let l = 0; l < n; l++) for (let c = 0; c < w; c++) if (!isCovered(f, l, c)) out.add(`${l}:${c}`);
    return out;
  };

  const longTd2 = generateMrz({
    format: 'TD2', issuingState: 'UTO', nationality: 'UTO', documentNumber: 'D231458907', optionalData: 'AB', surname: 'ERIKSSON',
    givenNames: 'ANNA', sex: 'F', birthDate: '740812', expiryDate: '300415',
  });
  it.each([
    ['TD3', SPECIMENS.TD3],
    ['TD1', SPECIMENS.TD1],
    ['TD1', SPECIMENS.TD1_LONG_NUMBER],
    ['TD2', SPECIMENS.TD2],
    ['TD2', longTd2],
    ['MRVA', SPECIMENS.MRVA],
    ['MRVB', SPECIMENS.MRVB],
  ] as const)('%s: the undetectable positions are exactly the uncovered ones', (format, lines) => {
    const expected = uncovered(format);
    // A visa's first character is uncovered, but it also selects the layout: anything but V
    // makes the line be read as a TD3/TD2, whose extra check digits then fail. Detected by accident.
    if (format === 'MRVA' || format === 'MRVB') expected.delete('0:0');
    expect([...undetectablePositions(lines)].sort()).toEqual([...expected].sort());
  });

  it('a multiple-of-10 substitution inside covered data slips through, as ICAO designed (< → K in the personal number)', () => {
    const l1 = SPECIMENS.TD3[1];
    const altered = [SPECIMENS.TD3[0], `${l1.slice(0, 37)}K${l1.slice(38)}`];
    const d = parseMrz(altered, { now: new Date('2011-01-01T00:00:00Z') });
    expect(d.personalNumber).toBe('ZE184226BK');
    expect(d.valid).toBe(true);
  });
});
