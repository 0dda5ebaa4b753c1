/**
 * ICAO 9303 Part 3 §4.9: check digit = Σ value(c)·w mod 10, weights 7,3,1 repeating,
 * value(`<`) = 0, digits their value, A–Z = 10–35.
 *
 * Because the modulus is 10, any substitution that changes a value by a multiple of 10
 * (`<`↔`A`↔`K`↔`U`, `0`↔`A`, `1`↔`B`...) leaves the digit unchanged: a passing check
 * digit is necessary, never sufficient, evidence of an intact MRZ.
 */
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';

const WEIGHTS = [7, 3, 1] as const;

/** Numeric value of one MRZ character, or -1 when it is not an MRZ character. */
export function charValue(ch: string): number {
  const c = ch.charCodeAt(0);
  if (ch.length !== 1) return -1;
  if (c === 60) return 0; // '<'
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 65 && c <= 90) return c - 55; // A-Z -> 10..35
  return -1;
}

export function computeCheckDigit(s: string): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const v = charValue(s.charAt(i));
    if (v < 0) {
      throw new ApplianceError(
        FirmwareBridgeErrors.MRZ_INVALID_CHARACTERS.code,
        `Cannot compute an MRZ check digit: character ${i + 1} is not A-Z, 0-9 or <.`,
        { position: i + 1 },
      );
    }
    sum += v * (WEIGHTS[i % 3] ?? 1);
  }
  return sum % 10;
}
