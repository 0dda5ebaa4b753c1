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

/** Per field: inputs kept (with the value they normalise to), and inputs that normalise to unknown (null). */
const TABLE: { [F in keyof StatisticsFields]?: { kept: ReadonlyArray<[unknown, string | boolean]>; unknown: readonly unknown[] } } = {
  // ICAO 9303: M, F, X; '<' (MRZ "unspecified") counts as X.
  sex: { kept: [['M', 'M'], ['F', 'F'], ['X', 'X'], ['<', 'X'], [' f ', 'F']], unknown: ['male', 'female', 'Q', '', null, 1] },
  // A real calendar date, YYYY-MM-DD.
  birthDate: {
    kept: [['2000-07-22', '2000-07-22'], ['2000-02-29', '2000-02-29'], [' 1974-08-12 ', '1974-08-12']],
    unknown: ['2001-02-29', '1900-02-29', '1985-13-01', '1985-00-15', '1985-06-00', '740812', '1985-6-1', 19850601],
  },
  // The code's letters, fillers removed, upper case.
  nationality: { kept: [['ZWE', 'ZWE'], ['zwe', 'ZWE'], ['D<<', 'D']], unknown: ['<<<', 'ZW1', 'ZWEX', 7] },
  // Reference codes: trimmed, 1 to 128 characters.
  districtOfOrigin: { kept: [['ZW-MS-BEITBRIDGE', 'ZW-MS-BEITBRIDGE'], [' ZW-MS-GWANDA ', 'ZW-MS-GWANDA'], ['Z'.repeat(128), 'Z'.repeat(128)]], unknown: ['', 'Z'.repeat(129)] },
  destinationProvince: { kept: [['ZA-LP', 'ZA-LP']], unknown: [3] },
  employerId: { kept: [['DEMO-EMP-001', 'DEMO-EMP-001']], unknown: [null, '   '] },
  // ISCO-08: 1 to 4 digits.
  occupationIsco: { kept: [['9211', '9211'], ['9', '9'], [' 711 ', '711']], unknown: ['92111', 'farmer', 9211] },
  // A boolean only.
  returning: { kept: [[true, true], [false, false]], unknown: ['true', 1, null] },
};

export const STATISTICS_CASES: readonly StatisticsCase[] = Object.entries(TABLE).flatMap(([name, c]) => {
  const field = name as keyof StatisticsFields;
  return [...c.kept.map(([input, expected]) => ({ field, input, expected })), ...c.unknown.map((input) => ({ field, input, expected: null }))];
});
