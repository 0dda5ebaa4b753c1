import { describe, expect, it } from 'vitest';
import { isApplianceError } from '@lmc/core/errors.ts';
import { charValue, computeCheckDigit } from './check-digit.ts';

describe('ICAO 9303 Part 3 check digit', () => {
  it('values < as 0, digits as themselves and A-Z as 10-35', () => {
    expect(charValue('<')).toBe(0);
    expect(charValue('7')).toBe(7);
    expect(charValue('A')).toBe(10);
    expect(charValue('Z')).toBe(35);
    expect(charValue('a')).toBe(-1);
  });

  // Worked by hand, weights 7,3,1:
  //  L898902C3: L=21·7 + 8·3 + 9·1 + 8·7 + 9·3 + 0·1 + 2·7 + C=12·3 + 3·1 = 147+24+9+56+27+0+14+36+3 = 316 → 6
  //  740812:    7·7 + 4·3 + 0·1 + 8·7 + 1·3 + 2·1 = 49+12+0+56+3+2 = 122 → 2
  //  120415:    1·7 + 2·3 + 0·1 + 4·7 + 1·3 + 5·1 = 7+6+0+28+3+5 = 49 → 9
  //  L898902C<: 316 − 3 (the 3 becomes <) = 313 → 3   (MRV specimen)
  //  690806:    42+27+0+56+0+6 = 131 → 1;  940623: 63+12+0+42+6+3 = 126 → 6
  //  D23145890734 (TD1 long number): D=13·7 + 2·3 + 3·1 + 1·7 + 4·3 + 5·1 + 8·7 + 9·3 + 0·1 + 7·7 + 3·3 + 4·1 = 269 → 9
  it.each([
    ['L898902C3', 6],
    ['740812', 2],
    ['120415', 9],
    ['L898902C<', 3],
    ['690806', 1],
    ['940623', 6],
    ['D23145890734', 9],
    ['<<<<<<<<<<<<<<', 0],
    ['', 0],
  ])('computes %s → %i', (data, digit) => {
    expect(computeCheckDigit(data)).toBe(digit);
  });

  it('cannot see a substitution that changes a value by a multiple of 10 (< ↔ A ↔ K, 0 ↔ A)', () => {
    expect(computeCheckDigit('AB<12')).toBe(computeCheckDigit('ABK12'));
    expect(computeCheckDigit('0BC')).toBe(computeCheckDigit('ABC'));
  });

  it('throws a coded error for a character outside the MRZ set', () => {
    let caught: unknown;
    try {
      computeCheckDigit('AB c');
    } catch (e) {
      caught = e;
    }
    expect(isApplianceError(caught, 'MRZ_INVALID_CHARACTERS')).toBe(true);
    expect((caught as { context: { position: number } }).context.position).toBe(3);
  });
});
