import { describe, expect, it } from 'vitest';
import { resolveBirthDate, resolveExpiryDate } from './dates.ts';
import { SPECIMENS } from './fixtures.ts';
import { generateMrz, parseMrz, type MrzSpec } from './index.ts';

const spec = (over: Partial<MrzSpec> = {}): MrzSpec => ({
  format: 'TD3', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FN123456', surname: 'MOYO',
  givenNames: 'TENDAI', sex: 'M', birthDate: '850315', expiryDate: '300101', ...over,
});
const at = (iso: string) => ({ now: new Date(iso) });
const codes = (lines: string[], iso: string) => parseMrz(lines, at(iso)).warnings.map((w) => w.code);

describe('expiry warning', () => {
  const lines = generateMrz(spec({ expiryDate: '270610' }));
  it('is silent on the expiry day itself and raised the day after (relative to injected now)', () => {
    expect(codes(lines, '2027-06-10T23:59:00Z')).not.toContain('DOCUMENT_EXPIRED');
    expect(codes(lines, '2027-06-11T00:00:00Z')).toContain('DOCUMENT_EXPIRED');
  });
  it('does not make the document invalid, and says the date', () => {
    const d = parseMrz(lines, at('2030-01-01T00:00:00Z'));
    expect(d.valid).toBe(true);
    expect(d.warnings.find((w) => w.code === 'DOCUMENT_EXPIRED')?.message).toBe('The document expired on 2027-06-10.');
  });
  it('is raised for the ICAO specimens (expired 2012) but not in 2011', () => {
    expect(codes([...SPECIMENS.TD3], '2011-01-01T00:00:00Z')).not.toContain('DOCUMENT_EXPIRED');
    expect(codes([...SPECIMENS.TD3], '2012-04-16T00:00:00Z')).toContain('DOCUMENT_EXPIRED');
  });
});

describe('under-18 warning', () => {
  const lines = generateMrz(spec({ birthDate: '100602' }));
  it('is raised the day before the 18th birthday and not on it', () => {
    expect(codes(lines, '2028-06-01T12:00:00Z')).toContain('HOLDER_UNDER_18');
    expect(codes(lines, '2028-06-02T00:00:00Z')).not.toContain('HOLDER_UNDER_18');
  });
  it('gives the age in the message and leaves the document valid', () => {
    const d = parseMrz(lines, at('2025-06-01T00:00:00Z'));
    expect(d.valid).toBe(true);
    expect(d.birthDate).toBe('2010-06-02');
    expect(d.warnings.find((w) => w.code === 'HOLDER_UNDER_18')?.message).toBe('The holder is 14 years old (under 18).');
  });
  it('with an unknown birth month, warns when the holder may still be under 18', () => {
    const partial = generateMrz(spec({ birthDate: '07<<<<' }));
    // Born in 2007: on 2025-06-01 the holder is 17 or 18 depending on the unknown month.
    expect(codes(partial, '2025-06-01T00:00:00Z')).toContain('HOLDER_UNDER_18');
    expect(codes(partial, '2026-01-01T00:00:00Z')).not.toContain('HOLDER_UNDER_18');
  });
});

describe('unknown state warning', () => {
  it('reports UTO as unknown without failing the document', () => {
    const d = parseMrz([...SPECIMENS.TD3], at('2011-01-01T00:00:00Z'));
    expect(d).toMatchObject({ valid: true, issuingState: 'UTO', issuingStateKnown: false, nationalityKnown: false });
    expect(d.warnings.filter((w) => w.code === 'UNKNOWN_STATE').map((w) => w.field)).toEqual(['issuingState', 'nationality']);
  });
  it('knows Zimbabwe, ICAO organisation codes and the stateless code', () => {
    for (const code of ['ZWE', 'ZAF', 'UNO', 'XXA', 'EUE', 'GBD']) {
      const d = parseMrz(generateMrz(spec({ issuingState: code, nationality: code })), at('2025-01-01T00:00:00Z'));
      expect([code, d.issuingStateKnown, d.nationalityKnown, d.warnings]).toEqual([code, true, true, []]);
    }
  });
});

describe('century window (documented in dates.ts)', () => {
  const now = new Date('2025-06-01T00:00:00Z');
  it.each([
    ['250601', '2025-06-01'], // today: not in the future, so 2025
    ['250602', '1925-06-02'], // tomorrow in 2025 would be in the future
    ['000101', '2000-01-01'],
    ['991231', '1999-12-31'],
    ['26<<<<', null],
  ])('birth %s → %s', (raw, iso) => {
    const d = resolveBirthDate(raw, now);
    expect(d.ok).toBe(true);
    expect(d.iso).toBe(iso);
    if (raw === '26<<<<') expect(d.year).toBe(1926);
  });
  it.each([
    ['740101', '2074-01-01'], // year(now)+49
    ['750101', '1975-01-01'], // year(now)-50
    ['940623', '1994-06-23'],
    ['351231', '2035-12-31'],
  ])('expiry %s → %s', (raw, iso) => {
    expect(resolveExpiryDate(raw, now).iso).toBe(iso);
  });
});
