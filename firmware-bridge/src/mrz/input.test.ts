import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ApplianceError, isApplianceError } from '@lmc/core/errors.ts';
import { SPECIMENS } from './fixtures.ts';
import { parseMrz } from './index.ts';

const NOW = { now: new Date('2011-01-01T00:00:00Z') };

function errorOf(input: unknown): ApplianceError {
  try {
    parseMrz(input as string, NOW);
  } catch (e) {
    if (isApplianceError(e)) return e;
    throw e;
  }
  throw new Error('expected parseMrz to throw');
}

const TD3 = SPECIMENS.TD3;

describe('input forms', () => {
  it.each([
    ['LF-separated string', `${TD3[0]}\n${TD3[1]}`],
    ['CRLF-separated string with surrounding whitespace', `  \r\n${TD3[0]}\r\n${TD3[1]}\r\n `],
    ['CR-separated string (serial readers)', `${TD3[0]}\r${TD3[1]}\r`],
    ['array with padded lines', [` ${TD3[0]} `, `${TD3[1]}\t`]],
    ['one unbroken 88-character read (keyboard wedge lost its Enter)', `${TD3[0]}${TD3[1]}`],
  ])('accepts a %s', (_name, input) => {
    const d = parseMrz(input, NOW);
    expect(d.valid).toBe(true);
    expect(d.lines).toEqual([TD3[0], TD3[1]]);
  });
});

describe('bad input gives coded errors, never a crash', () => {
  it.each([
    ['an empty string', ''],
    ['whitespace only', ' \r\n \n'],
    ['an empty array', []],
    ['null', null],
    ['a number', 42],
  ])('%s → MRZ_UNRECOGNISED_FORMAT', (_n, input) => {
    const e = errorOf(input);
    expect(e.code).toBe('MRZ_UNRECOGNISED_FORMAT');
    expect(e.message).toMatch(/No MRZ text|Not a recognised MRZ/);
  });

  it.each([
    ['a short line', [TD3[0], TD3[1].slice(0, 43)], [44, 43]],
    ['one line only', [TD3[0]], [44]],
    ['three passport lines', [TD3[0], TD3[1], TD3[1]], [44, 44, 44]],
    ['two TD1 lines', SPECIMENS.TD1.slice(0, 2), [30, 30]],
    ['lines of two formats', [TD3[0], SPECIMENS.TD2[1]], [44, 36]],
  ])('%s → MRZ_UNRECOGNISED_FORMAT naming the line lengths', (_n, input, lengths) => {
    const e = errorOf(input);
    expect(e.code).toBe('MRZ_UNRECOGNISED_FORMAT');
    expect(e.context.lineLengths).toEqual(lengths);
    expect(e.message).toContain(`${lengths.length} line(s) of ${lengths.join(', ')} characters`);
  });

  it('lower case → MRZ_INVALID_CHARACTERS with line and position, and a hint', () => {
    const e = errorOf([TD3[0].toLowerCase(), TD3[1]]);
    expect(e.code).toBe('MRZ_INVALID_CHARACTERS');
    expect(e.context).toMatchObject({ line: 1, position: 1 });
    expect(e.message).toContain("MRZ line 1, position 1: 'p' is not allowed");
    expect(e.message).toContain('Lower-case');
  });

  it.each([
    ['#', 17, "'#'"],
    [' ', 5, 'a space'],
    ['\u0002', 1, 'control byte 0x02'],
    ['É', 30, "'É'"],
  ])('illegal character %j → MRZ_INVALID_CHARACTERS at its position', (ch, pos, described) => {
    const l1 = TD3[1];
    const e = errorOf([TD3[0], `${l1.slice(0, pos - 1)}${ch}${l1.slice(pos)}`]);
    expect(e.code).toBe('MRZ_INVALID_CHARACTERS');
    expect(e.context).toMatchObject({ line: 2, position: pos });
    expect(e.message).toContain(`MRZ line 2, position ${pos}: ${described}`);
  });

  it('any string or list of strings either parses or throws one of the two coded errors', () => {
    const mrzish = fc.string({ unit: fc.constantFrom(...'ABCXYZ0123456789<<<<\r\n a#'.split('')), maxLength: 120 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 100 }), mrzish, fc.array(mrzish, { maxLength: 4 })), (input) => {
        try {
          const d = parseMrz(input, NOW);
          expect(typeof d.valid).toBe('boolean');
        } catch (e) {
          expect(isApplianceError(e)).toBe(true);
          expect(['MRZ_UNRECOGNISED_FORMAT', 'MRZ_INVALID_CHARACTERS']).toContain((e as ApplianceError).code);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('garbage of exactly the right shape parses without throwing and is invalid', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom(...'ABCKZ0159<'.split('')), minLength: 30, maxLength: 30 }), { minLength: 3, maxLength: 3 }), (lines) => {
        const d = parseMrz(lines, NOW);
        expect(d.format).toBe('TD1');
        // Random text almost never has four matching check digits and valid dates; when it does, every check passed.
        if (d.valid) expect(d.checkDigits.every((c) => c.valid)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
