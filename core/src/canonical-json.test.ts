import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonOfParsed } from './canonical-json.ts';

/** Vectors from RFC 8785 (JSON Canonicalization Scheme): §3.2.2, §3.2.3 and Appendix B. */
describe('canonical JSON (RFC 8785)', () => {
  it('serialises the §3.2.2 example exactly', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts properties by UTF-16 code units as in §3.2.3', () => {
    const input = JSON.parse(
      '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}',
    );
    // Compared as text: JSON.parse would put the integer-like key "1" first again.
    const keys = [...canonicalJson(input).matchAll(/"((?:[^"\\]|\\.)*)":"/g)].map((m) => JSON.parse(`"${m[1]}"`));
    expect(keys).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });

  it('formats IEEE 754 numbers as Appendix B lists them', () => {
    const fromBits = (hex: string) => Buffer.from(hex, 'hex').readDoubleBE(0);
    const vectors: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, text] of vectors) expect(canonicalJson(fromBits(bits)), bits).toBe(text);
  });

  it('refuses what JSON cannot carry instead of changing it', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 10n, () => 1, { f: () => 1 }]) expect(() => canonicalJson(bad)).toThrow();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => canonicalJson(cycle)).toThrow();
  });

  it('hashes a registration-like payload to the same golden digest on every machine', () => {
    const payload = { payloadVersion: 1, sex: 'F', birthDate: '1995-03-14', registration: { id: '0b6f3f9e-4a0c-4d8e-9a53-6b3c7f1d2e10', officeCode: 'BBR', note: undefined }, list: [1, undefined, 'ü'] };
    const text = canonicalJson(payload);
    expect(text).toBe('{"birthDate":"1995-03-14","list":[1,null,"ü"],"payloadVersion":1,"registration":{"id":"0b6f3f9e-4a0c-4d8e-9a53-6b3c7f1d2e10","officeCode":"BBR"},"sex":"F"}');
    expect(createHash('sha256').update(text, 'utf8').digest('hex')).toBe(GOLDEN_SHA256);
  });
});

// sha256 of the literal text above, computed once outside the implementation under test.
const GOLDEN_SHA256 = '61f93cdd83f1243980911127cf2ee347507812c7fc0efec5f0459811e32e8d47';

/** The single-pass serialiser against the `canonicalize` library itself, on random JSON (issue 13 point 7). */
describe('canonical JSON equals the canonicalize library', () => {
  const options = { numRuns: 2000 };
  const anyNumber = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(0, -0, 1e21, 1e-7, 5e-324, 2 ** 53, -(2 ** 53)));
  // Single UTF-16 code units: lone surrogates included (fast-check's 'binary' unit only makes whole code points).
  const codeUnits = fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)) });
  const anyString = fc.oneof(codeUnits, fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', 'é', '😀', 'a') }));
  const { json } = fc.letrec((tie) => ({
    json: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), anyNumber, anyString, tie('array'), tie('object')),
    array: fc.array(tie('json'), { maxLength: 6 }),
    object: fc.dictionary(anyString, tie('json'), { maxKeys: 6 }),
  }));

  /** The text, or 'refused' when the serialiser throws. */
  const outcome = (f: (v: unknown) => string | undefined, value: unknown) => {
    try {
      return f(value);
    } catch {
      return 'refused';
    }
  };

  it('gives the same text for every JSON value, and refuses exactly what canonicalize refuses (lone surrogates)', () => {
    let refused = 0;
    fc.assert(
      fc.property(json, (value) => {
        const expected = outcome(canonicalize, value);
        if (expected === 'refused') refused++;
        expect(outcome(canonicalJson, value)).toBe(expected);
      }),
      options,
    );
    expect(refused, 'some generated values hold a lone surrogate').toBeGreaterThan(0);
  });

  it('gives the same text for values parsed from JSON text (how the central receives payloads)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const parsed = JSON.parse(JSON.stringify(value));
        expect(canonicalJson(parsed)).toBe(canonicalize(parsed));
      }),
      options,
    );
  });

  it('gives the same text or refusal through the parsed-value fast path, keys in canonical order or not', () => {
    let sortedRuns = 0;
    fc.assert(
      fc.property(json, fc.boolean(), (value, sortFirst) => {
        // JSON.parse of canonical text gives objects whose keys are in canonical order (unless integer-like keys,
        // which JavaScript always lists first): the order the appliance sends payloads in.
        const expected = outcome(canonicalize, value);
        const input = sortFirst && expected !== 'refused' && expected !== undefined ? JSON.parse(expected) : value;
        if (input !== value) sortedRuns++;
        expect(outcome(canonicalJsonOfParsed, input)).toBe(expected);
      }),
      options,
    );
    expect(sortedRuns).toBeGreaterThan(0);
    expect(canonicalJsonOfParsed(JSON.parse('{"b":1,"a":[{"d":2,"c":"\\u00e9"}]}'))).toBe('{"a":[{"c":"é","d":2}],"b":1}');
    expect(canonicalJsonOfParsed(JSON.parse('{"10":1,"9":2}'))).toBe('{"10":1,"9":2}');
    expect(() => canonicalJsonOfParsed(JSON.parse('{"a":"\\ud800"}'))).toThrow(/lone surrogate/);
  });

  it('refuses a lone surrogate in a value or a key where canonicalize throws, accepts paired ones', () => {
    fc.assert(
      fc.property(codeUnits, fc.boolean(), (s, asKey) => {
        const value = asKey ? { [s]: 1 } : [s];
        let expected: string | undefined;
        try {
          expected = canonicalize(value);
        } catch {
          expected = undefined;
        }
        if (expected === undefined) expect(() => canonicalJson(value)).toThrow(/lone surrogate/);
        else expect(canonicalJson(value)).toBe(expected);
      }),
      options,
    );
    expect(() => canonicalJson({ a: '\ud800' })).toThrow();
    expect(() => canonicalJson({ '\udc00x': 1 })).toThrow();
    expect(canonicalJson(['\ud83d\ude00'])).toBe('["😀"]');
  });

  it('treats undefined as canonicalize does: omitted member, null in an array', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe(canonicalize({ a: undefined, b: [undefined, 1] }));
    expect(canonicalJson({ d: new Date(0) })).toBe(canonicalize({ d: new Date(0) }));
  });
});
