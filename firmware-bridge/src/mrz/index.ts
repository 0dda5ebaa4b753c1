/**
 * ICAO 9303 machine-readable-zone parser: TD1, TD2, TD3, MRV-A, MRV-B.
 *
 * Why our own code rather than the `mrz` npm package (v5.0.2, installed): we ran it on this
 * folder's test table; mrz-package.test.ts pins each measurement. It agrees with us on the
 * TD1/TD2/TD3 specimens' numbers and check digits and accepts both long-TD1-number rules
 * (ICAO and Belgian). But it rejects MRV-A and MRV-B visas (`V<` read as a bad TD3/TD2 code),
 * rejects sex `X` and a `00` unknown birth month/day, and marks UTO (so every ICAO specimen)
 * invalid instead of warning of an unknown state. It returns raw YYMMDD dates with no century
 * rule, expiry or under-18 check and no injectable `now`. Covering visas, dates, states and
 * warnings ourselves would leave it only the check digits, so we keep one small implementation
 * (one layout table, one check-digit function) tested table-driven and by property tests.
 */
export type {
  MrzCheckDigitResult,
  MrzDocument,
  MrzFieldResult,
  MrzFormat,
  MrzParseOptions,
  MrzSpec,
  MrzWarning,
  MrzWarningCode,
} from './types.ts';
export { computeCheckDigit } from './check-digit.ts';
export { parseMrz } from './parse.ts';
export { generateMrz, MRZ_SPEC_INVALID } from './generate.ts';
export { isKnownStateCode } from './states.ts';
export { LAYOUTS } from './formats.ts';
