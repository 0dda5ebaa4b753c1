/**
 * The statistics normaliser's table (statistics.ts), shared by the tests of both sides: protocol's own test runs it
 * through normaliseStatistics, the appliance's through the wire record it builds (sync/wire-record.test.ts), the
 * central's through the columns it extracts (ingest/extract.test.ts). One table, so the two sides cannot drift.
 * Test support only: nothing at run time imports it.
 */
import type { StatisticsFields } from './statistics.ts';

/** Every field unknown: what an empty input normalises to. */
export const EMPTY_STATISTICS: StatisticsFields = Object.freeze({
  sex: null,
  birthDate: null,
  nationality: null,
  districtOfOrigin: null,
  occupationIsco: null,
  destinationProvince: null,
  employerId: null,
  returning: null,
});

export interface StatisticsCase {
  field: keyof StatisticsFields;
  input: unknown;
  /** The normalised value; null = unknown (absent from the wire payload, NULL at the centre). */
  expected: string | boolean | null;
}

const rows: ReadonlyArray<[keyof StatisticsFields, unknown, string | boolean | null]> = [
  // ICAO 9303: M, F, X; '<' (MRZ "unspecified") counts as X.
  ['sex', 'M', 'M'],
  ['sex', 'F', 'F'],
  ['sex', 'X', 'X'],
  ['sex', '<', 'X'],
  ['sex', ' f ', 'F'],
  ['sex', 'male', null],
  ['sex', 'female', null],
  ['sex', 'Q', null],
  ['sex', '', null],
  ['sex', null, null],
  ['sex', 1, null],
  // A real calendar date, YYYY-MM-DD.
  ['birthDate', '2000-07-22', '2000-07-22'],
  ['birthDate', '2000-02-29', '2000-02-29'],
  ['birthDate', ' 1974-08-12 ', '1974-08-12'],
  ['birthDate', '2001-02-29', null],
  ['birthDate', '1900-02-29', null],
  ['birthDate', '1985-13-01', null],
  ['birthDate', '1985-00-15', null],
  ['birthDate', '1985-06-00', null],
  ['birthDate', '740812', null],
  ['birthDate', '1985-6-1', null],
  ['birthDate', 19850601, null],
  // The code's letters, fillers removed, upper case.
  ['nationality', 'ZWE', 'ZWE'],
  ['nationality', 'zwe', 'ZWE'],
  ['nationality', 'D<<', 'D'],
  ['nationality', '<<<', null],
  ['nationality', 'ZW1', null],
  ['nationality', 'ZWEX', null],
  ['nationality', 7, null],
  // Reference codes: trimmed, 1 to 128 characters.
  ['districtOfOrigin', 'ZW-MS-BEITBRIDGE', 'ZW-MS-BEITBRIDGE'],
  ['districtOfOrigin', ' ZW-MS-GWANDA ', 'ZW-MS-GWANDA'],
  ['districtOfOrigin', '', null],
  ['districtOfOrigin', 'Z'.repeat(128), 'Z'.repeat(128)],
  ['districtOfOrigin', 'Z'.repeat(129), null],
  ['destinationProvince', 'ZA-LP', 'ZA-LP'],
  ['destinationProvince', 3, null],
  ['employerId', 'DEMO-EMP-001', 'DEMO-EMP-001'],
  ['employerId', null, null],
  ['employerId', '   ', null],
  // ISCO-08: 1 to 4 digits.
  ['occupationIsco', '9211', '9211'],
  ['occupationIsco', '9', '9'],
  ['occupationIsco', ' 711 ', '711'],
  ['occupationIsco', '92111', null],
  ['occupationIsco', 'farmer', null],
  ['occupationIsco', 9211, null],
  // A boolean only.
  ['returning', true, true],
  ['returning', false, false],
  ['returning', 'true', null],
  ['returning', 1, null],
  ['returning', null, null],
];

export const STATISTICS_CASES: readonly StatisticsCase[] = rows.map(([field, input, expected]) => ({ field, input, expected }));
