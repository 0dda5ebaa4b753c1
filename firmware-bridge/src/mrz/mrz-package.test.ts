/**
 * Decision record: the `mrz` npm package (v5) measured against this folder's test table. These
 * tests pin what we measured; if an upgrade makes one fail, revisit the choice in index.ts.
 */
import { parse } from 'mrz';
import { describe, expect, it } from 'vitest';
import { SPECIMENS } from './fixtures.ts';
import { generateMrz, parseMrz, type MrzSpec } from './index.ts';

const NOW = { now: new Date('2025-06-01T00:00:00Z') };
const person: Omit<MrzSpec, 'format'> = {
  issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FN1234567', surname: 'MOYO', givenNames: 'TENDAI',
  sex: 'M', birthDate: '850315', expiryDate: '300101',
};
const invalidFields = (lines: readonly string[]) =>
  parse(lines).details.filter((d) => !d.valid).map((d) => d.field);

describe('mrz package v5 on our table', () => {
  it('agrees with us on the TD1/TD2/TD3 specimen document numbers and check digits', () => {
    for (const key of ['TD3', 'TD1', 'TD1_LONG_NUMBER', 'TD2'] as const) {
      const theirs = parse(SPECIMENS[key]);
      expect(theirs.documentNumber).toBe(parseMrz(SPECIMENS[key], NOW).documentNumber);
      expect(theirs.details.filter((d) => /CheckDigit/.test(d.field ?? '') && !d.valid)).toEqual([]);
    }
  });

  it('fails the ICAO specimens as a whole because UTO is not on its state list (we warn instead)', () => {
    expect(parse(SPECIMENS.TD3).valid).toBe(false);
    expect(invalidFields(SPECIMENS.TD3)).toEqual(['issuingState', 'nationality']);
    expect(parseMrz(SPECIMENS.TD3, NOW).valid).toBe(true);
  });

  it('does not read MRV-A or MRV-B visas: V< is rejected as a TD3/TD2 document code', () => {
    for (const format of ['MRVA', 'MRVB'] as const) {
      const lines = generateMrz({ format, ...person });
      expect(parseMrz(lines, NOW).valid).toBe(true);
      const theirs = parse(lines);
      expect(theirs.format).toBe(format === 'MRVA' ? 'TD3' : 'TD2');
      expect(theirs.valid).toBe(false);
      expect(invalidFields(lines)).toContain('documentCode');
    }
  });

  it('rejects sex X', () => {
    const lines = generateMrz({ format: 'TD3', ...person, sex: 'X' });
    expect(invalidFields(lines)).toEqual(['sex']);
    expect(parseMrz(lines, NOW).valid).toBe(true);
  });

  it('rejects a 00 birth month/day (unknown) but accepts <<', () => {
    expect(invalidFields(generateMrz({ format: 'TD3', ...person, birthDate: '850000' }))).toEqual(['birthDate']);
    expect(parse(generateMrz({ format: 'TD3', ...person, birthDate: '85<<<<' })).valid).toBe(true);
  });

  it('accepts both long TD1 number check rules, as we do (without saying which matched)', () => {
    for (const longNumberCheck of ['icao', 'filler-included'] as const) {
      const lines = generateMrz({ format: 'TD1', ...person, documentNumber: '592123456712', longNumberCheck });
      expect(parse(lines)).toMatchObject({ valid: true, documentNumber: '592123456712' });
      expect(parseMrz(lines, NOW).documentNumberCheckVariant).toBe(longNumberCheck);
    }
  });

  it('returns dates as raw YYMMDD with no century, expiry or age judgement', () => {
    const theirs = parse(SPECIMENS.TD3);
    expect(theirs.fields).toMatchObject({ birthDate: '740812', expirationDate: '120415' });
    expect(Object.keys(theirs)).not.toContain('warnings');
  });
});
