import { describe, expect, it } from 'vitest';
import { EMPTY_STATISTICS, STATISTICS_CASES } from '@lmc/protocol/statistics-test-support.ts';
import { type ExtractedColumns, extractColumns, isoDateOrNull } from './extract.ts';

const column = (field: string): keyof ExtractedColumns => (field === 'returning' ? 'isReturning' : (field as keyof ExtractedColumns));

describe('statistic columns of a received payload', () => {
  // The same table the appliance's wire record is tested with (protocol/src/statistics-test-support.ts).
  it.each(STATISTICS_CASES.map((c) => [c.field, JSON.stringify(c.input) ?? String(c.input), c.expected, c.input] as const))(
    '%s %s → %j',
    (field, _shown, expected, input) => {
      expect(extractColumns({ [field]: input })[column(field)]).toBe(expected);
    },
  );

  it('extracts a whole payload as the appliance sends it, and the rest of the payload is not looked at', () => {
    const payload = {
      payloadVersion: 1,
      registration: { id: 'x', document: { sex: 'M' } },
      sex: 'F',
      birthDate: '2000-07-22',
      nationality: 'ZWE',
      details: { homeDistrict: 'ZW-MS-OTHER' },
      districtOfOrigin: 'ZW-MS-BEITBRIDGE',
      occupationIsco: '9211',
      destinationProvince: 'ZA-LP',
      employerId: 'DEMO-EMP-001',
      returning: false,
    };
    expect(extractColumns(payload)).toEqual({
      sex: 'F',
      birthDate: '2000-07-22',
      nationality: 'ZWE',
      districtOfOrigin: 'ZW-MS-BEITBRIDGE',
      occupationIsco: '9211',
      destinationProvince: 'ZA-LP',
      employerId: 'DEMO-EMP-001',
      isReturning: false,
      // The ILO detail columns (migration 81): the country of a destination subdivision, no education or birth country.
      educationIsced: null,
      destinationCountry: 'ZAF',
      countryOfBirth: null,
    });
    const { returning, ...unknown } = EMPTY_STATISTICS;
    expect(extractColumns({})).toEqual({ ...unknown, isReturning: returning, educationIsced: null, destinationCountry: null, countryOfBirth: null });
  });

  it('checks the statistics routes’ dates with the same calendar rule', () => {
    expect(isoDateOrNull('2024-02-29')).toBe('2024-02-29');
    expect(isoDateOrNull('2023-02-29')).toBeNull();
  });
});
