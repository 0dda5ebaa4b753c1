import { declareErrors } from '@lmc/core/errors.ts';

/**
 * Codes of the MRZ layer. Content problems (check digits, dates) are warnings on the parsed
 * document, not errors: only input that cannot be an MRZ at all throws.
 */
export const MrzErrors = declareErrors({
  /** Not 2×44, 2×36 or 3×30 lines, or nothing received. */
  MRZ_UNRECOGNISED_FORMAT: { status: 400 },
  /** A character outside A–Z, 0–9 and `<`. */
  MRZ_INVALID_CHARACTERS: { status: 400 },
  /** generateMrz was given a spec that cannot be written (simulators, tests, benchmark). */
  MRZ_SPEC_INVALID: { status: 400 },
});

export type MrzErrorCode = keyof typeof MrzErrors;

