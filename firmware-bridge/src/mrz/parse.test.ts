import { describe, expect, it } from 'vitest';
import { SPECIMENS } from './fixtures.ts';
import { computeCheckDigit, generateMrz, parseMrz, type MrzDocument } from './index.ts';

const NOW = new Date('2025-06-01T10:00:00Z');
const parse = (lines: readonly string[]) => parseMrz(lines, { now: NOW });
const codes = (d: MrzDocument) => d.warnings.map((w) => `${w.code}${w.field ? `:${w.field}` : ''}`).sort();

describe('ICAO 9303 specimens', () => {
  it.each([
    {
      name: 'TD3 passport (Part 4)',
      lines: SPECIMENS.TD3,
      want: {
        format: 'TD3', documentCode: 'P', documentNumber: 'L898902C3', surname: 'ERIKSSON', givenNames: 'ANNA MARIA',
        sex: 'F', birthDate: '1974-08-12', expiryDate: '2012-04-15', personalNumber: 'ZE184226B', optionalData: 'ZE184226B',
      },
      checks: ['documentNumber', 'birthDate', 'expiryDate', 'personalNumber', 'composite'],
    },
    {
      name: 'TD1 identity card (Part 5)',
      lines: SPECIMENS.TD1,
      want: {
        format: 'TD1', documentCode: 'I', documentNumber: 'D23145890', surname: 'ERIKSSON', givenNames: 'ANNA MARIA',
        sex: 'F', birthDate: '1974-08-12', expiryDate: '2012-04-15', personalNumber: null, optionalData: '', optionalData2: '',
      },
      checks: ['documentNumber', 'birthDate', 'expiryDate', 'composite'],
    },
    {
      name: 'TD1 with a 12-character document number (Part 5 note j)',
      lines: SPECIMENS.TD1_LONG_NUMBER,
      want: {
        format: 'TD1', documentNumber: 'D23145890734', documentNumberCheckVariant: 'icao', surname: 'STEVENSON',
        givenNames: 'PETER JOHN', sex: 'M', birthDate: '1934-07-12', expiryDate: '1995-07-12', optionalData: '',
      },
      checks: ['documentNumber', 'birthDate', 'expiryDate', 'composite'],
    },
    {
      name: 'TD2 identity card (Part 6)',
      lines: SPECIMENS.TD2,
      want: {
        format: 'TD2', documentCode: 'I', documentNumber: 'D23145890', surname: 'ERIKSSON', givenNames: 'ANNA MARIA',
        sex: 'F', birthDate: '1974-08-12', expiryDate: '2012-04-15', optionalData: '',
      },
      checks: ['documentNumber', 'birthDate', 'expiryDate', 'composite'],
    },
    {
      name: 'MRV-A visa (Part 7)',
      lines: SPECIMENS.MRVA,
      want: {
        format: 'MRVA', documentCode: 'V', documentNumber: 'L898902C', surname: 'ERIKSSON', givenNames: 'ANNA MARIA',
        sex: 'F', birthDate: '1969-08-06', expiryDate: '1994-06-23', optionalData: 'ZE184226B', personalNumber: null,
      },
      checks: ['documentNumber', 'birthDate', 'expiryDate'],
    },
    {
      name: 'MRV-B visa (Part 7)',
      lines: SPECIMENS.MRVB,
      want: {
        format: 'MRVB', documentCode: 'V', documentNumber: 'L898902C', surname: 'ERIKSSON', givenNames: 'ANNA MARIA',
        sex: 'F', birthDate: '1969-08-06', expiryDate: '1994-06-23', optionalData: 'ZE184226',
      },
      checks: ['documentNumber', 'birthDate', 'expiryDate'],
    },
  ])('$name parses valid with every field and check digit', ({ lines, want, checks }) => {
    const d = parse(lines);
    expect(d).toMatchObject({ valid: true, issuingState: 'UTO', issuingStateKnown: false, nationality: 'UTO', nationalityKnown: false, ...want });
    expect(d.checkDigits.map((c) => [c.name, c.valid])).toEqual(checks.map((n) => [n, true]));
    // UTO is ICAO's fictional state: reported, never a failure.
    expect(codes(d)).toEqual(['DOCUMENT_EXPIRED:expiryDate', 'UNKNOWN_STATE:issuingState', 'UNKNOWN_STATE:nationality']);
    // Birth date: TD1 line 2 positions 1–6, all other formats line 2 positions 14–19.
    expect(d.fields.birthDate?.raw).toBe(d.format === 'TD1' ? lines[1]?.slice(0, 6) : lines[1]?.slice(13, 19));
  });
});

describe('field practice seen in public corpora', () => {
  const person = { surname: 'MOYO', givenNames: 'TENDAI', sex: 'M', birthDate: '850315', expiryDate: '300101' } as const;

  it('reads Germany as D<< and knows the code', () => {
    const lines = generateMrz({ format: 'TD3', issuingState: 'D', nationality: 'D', documentNumber: 'C01X00T47', ...person });
    expect(lines[0]?.slice(0, 5)).toBe('P<D<<');
    const d = parse(lines);
    expect(d).toMatchObject({ valid: true, issuingState: 'D', issuingStateKnown: true, nationality: 'D', nationalityKnown: true });
    expect(d.fields.issuingState).toEqual({ value: 'D', raw: 'D<<', valid: null });
  });

  // Belgian eID: 12-digit number. '592123456712': ICAO rule over '592123456712' and Belgian rule over
  // '592123456<712' give different digits, so this case tells the two rules apart.
  it.each([
    ['icao', '592123456712'],
    ['filler-included', '592123456<712'],
  ] as const)('accepts a long TD1 number whose check digit follows the %s rule', (variant, data) => {
    expect(computeCheckDigit('592123456712')).not.toBe(computeCheckDigit('592123456<712'));
    const lines = generateMrz({
      format: 'TD1', documentCode: 'ID', issuingState: 'BEL', nationality: 'BEL', documentNumber: '592123456712',
      longNumberCheck: variant, optionalData2: '85031512345', ...person,
    });
    expect(lines[0]).toBe(`IDBEL592123456<712${computeCheckDigit(data)}<<<<<<<<<<<`);
    const d = parse(lines);
    expect(d).toMatchObject({ valid: true, documentNumber: '592123456712', documentNumberCheckVariant: variant, optionalData: '', optionalData2: '85031512345' });
    expect(d.fields.documentNumber?.valid).toBe(true);
  });

  it('rejects a long TD1 number whose check digit matches neither rule', () => {
    const good = generateMrz({ format: 'TD1', issuingState: 'BEL', nationality: 'BEL', documentNumber: '592123456712', ...person });
    const l0 = good[0] ?? '';
    const digits = new Set([computeCheckDigit('592123456712'), computeCheckDigit('592123456<712')]);
    const wrong = [0, 1, 2, 3].find((n) => !digits.has(n)) ?? 9;
    const d = parse([`${l0.slice(0, 18)}${wrong}${l0.slice(19)}`, good[1] ?? '', good[2] ?? '']);
    expect(d.valid).toBe(false);
    expect(d.fields.documentNumber?.valid).toBe(false);
    expect(codes(d)).toContain('CHECK_DIGIT_FAILED:documentNumber');
  });

  it('takes a TD2 number longer than 9 characters from its optional data', () => {
    const lines = generateMrz({ format: 'TD2', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'AB12345678', optionalData: 'X1', ...person });
    expect(lines[1]?.slice(0, 10)).toBe('AB1234567<');
    const d = parse(lines);
    expect(d).toMatchObject({ valid: true, documentNumber: 'AB12345678', optionalData: 'X1', documentNumberCheckVariant: 'icao' });
  });

  it('flags a filler check digit with no continuation as a bad document number', () => {
    const lines = generateMrz({ format: 'TD1', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'AB1234567', ...person });
    const l0 = lines[0] ?? '';
    const d = parse([`${l0.slice(0, 14)}<${l0.slice(15)}`, lines[1] ?? '', lines[2] ?? '']);
    expect(d.valid).toBe(false);
    expect(codes(d)).toContain('INVALID_DOCUMENT_NUMBER:documentNumber');
  });

  it.each([
    ['8503<<', null, '1985-03-?'],
    ['85<<<<', null, '1985'],
    ['<<<<<<', null, 'nothing'],
    ['850300', null, '00 day'],
    ['850015', null, '00 month'],
  ])('reads a birth date with unknown parts %s as null, keeping the raw text (%s %s)', (raw, iso) => {
    const d = parse(generateMrz({ format: 'TD3', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FN123456', ...person, birthDate: raw }));
    expect(d.valid).toBe(true);
    expect(d.birthDate).toBe(iso);
    expect(d.fields.birthDate).toEqual({ value: null, raw, valid: true });
    expect(codes(d)).toContain('BIRTH_DATE_PARTLY_UNKNOWN:birthDate');
  });

  it.each([
    ['X', 'X'],
    ['<', null],
    ['M', 'M'],
    ['F', 'F'],
  ] as const)('reads sex %s', (raw, sex) => {
    const d = parse(generateMrz({ format: 'TD1', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'AB1234567', ...person, sex: raw }));
    expect(d.valid).toBe(true);
    expect(d.sex).toBe(sex);
    expect(d.fields.sex).toEqual({ value: sex, raw, valid: null });
  });

  it('accepts 0 or < as the TD3 personal-number check digit when the number is unused (Part 4 note)', () => {
    const lines = generateMrz({ format: 'TD3', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FN123456', ...person });
    const l1 = lines[1] ?? '';
    expect(l1.charAt(42)).toBe('<');
    for (const ch of ['<', '0']) {
      const d = parse([lines[0] ?? '', `${l1.slice(0, 42)}${ch}${l1.slice(43)}`]);
      expect(d.valid).toBe(true);
      expect(d.personalNumber).toBeNull();
    }
    const bad = parse([lines[0] ?? '', `${l1.slice(0, 42)}5${l1.slice(43)}`]);
    expect(codes(bad)).toContain('CHECK_DIGIT_FAILED:personalNumber');
  });

  it('keeps a truncated name truncated and says it may be', () => {
    const d = parse(generateMrz({
      format: 'TD1', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'AB1234567',
      ...person, surname: 'MUTASA CHIKOMBERO', givenNames: 'TENDAI TAKUDZWA',
    }));
    expect(d.surname).toBe('MUTASA CHIKOMBERO');
    expect(d.givenNames).toBe('TENDAI TAKU'); // 30 − 'MUTASA<CHIKOMBERO<<'.length = 11 characters left
    expect(d.nameMaybeTruncated).toBe(true);
  });

  it('reads names with no secondary identifier and with only a secondary identifier', () => {
    const base = { format: 'TD3', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FN123456', ...person } as const;
    expect(parse(generateMrz({ ...base, givenNames: '' }))).toMatchObject({ surname: 'MOYO', givenNames: '' });
    expect(parse(generateMrz({ ...base, surname: '' }))).toMatchObject({ surname: '', givenNames: 'TENDAI' });
  });
});

// Check-digit positions written out from ICAO 9303 (1-based line, 1-based column), independently
// of formats.ts, so a wrong layout table cannot hide behind itself.
const CHECK_POSITIONS: Record<keyof typeof SPECIMENS, Array<[string, number, number]>> = {
  TD3: [['documentNumber', 2, 10], ['birthDate', 2, 20], ['expiryDate', 2, 28], ['personalNumber', 2, 43], ['composite', 2, 44]],
  TD1: [['documentNumber', 1, 15], ['birthDate', 2, 7], ['expiryDate', 2, 15], ['composite', 2, 30]],
  TD1_LONG_NUMBER: [['documentNumber', 1, 19], ['birthDate', 2, 7], ['expiryDate', 2, 15], ['composite', 2, 30]],
  TD2: [['documentNumber', 2, 10], ['birthDate', 2, 20], ['expiryDate', 2, 28], ['composite', 2, 36]],
  MRVA: [['documentNumber', 2, 10], ['birthDate', 2, 20], ['expiryDate', 2, 28]],
  MRVB: [['documentNumber', 2, 10], ['birthDate', 2, 20], ['expiryDate', 2, 28]],
};

const cases = Object.entries(CHECK_POSITIONS).flatMap(([spec, list]) =>
  list.map(([name, line, col]) => ({ spec: spec as keyof typeof SPECIMENS, name, line, col })),
);

describe('a single wrong check digit', () => {
  it.each(cases)('$spec: wrong $name check digit → invalid, field flagged, warning names it', ({ spec, name, line, col }) => {
    const lines: string[] = [...SPECIMENS[spec]];
    const l = lines[line - 1] ?? '';
    const digit = Number(l.charAt(col - 1));
    lines[line - 1] = `${l.slice(0, col - 1)}${(digit + 1) % 10}${l.slice(col)}`;
    const d = parse(lines);
    expect(d.valid).toBe(false);
    expect(d.checkDigits.find((c) => c.name === name)?.valid).toBe(false);
    expect(d.warnings.some((w) => w.code === 'CHECK_DIGIT_FAILED' && w.field === name && w.message.length > 20)).toBe(true);
    if (name !== 'composite') expect(d.fields[name]?.valid).toBe(false);
    // Other field check digits are unaffected: the failure is attributed to the right field.
    const otherFieldChecks = d.checkDigits.filter((c) => c.name !== name && c.name !== 'composite');
    expect(otherFieldChecks.every((c) => c.valid)).toBe(true);
  });

  it('a wrong composite on TD1 marks the optional data it alone covers as invalid', () => {
    const lines = generateMrz({ format: 'TD1', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'AB1234567', optionalData: 'REF42', surname: 'MOYO', givenNames: 'T', sex: 'M', birthDate: '850315', expiryDate: '300101' });
    const l1 = lines[1] ?? '';
    lines[1] = `${l1.slice(0, 29)}${(Number(l1.charAt(29)) + 1) % 10}`;
    const d = parse(lines);
    expect(d.valid).toBe(false);
    expect(d.fields.optionalData?.valid).toBe(false);
    expect(d.fields.documentNumber?.valid).toBe(true);
    expect(codes(d)).toEqual(['CHECK_DIGIT_FAILED:composite']);
  });

  it('a letter in a check-digit position fails that check digit', () => {
    const l1 = SPECIMENS.TD3[1];
    const d = parse([SPECIMENS.TD3[0], `${l1.slice(0, 19)}B${l1.slice(20)}`]);
    expect(d.fields.birthDate?.valid).toBe(false);
    expect(d.warnings.find((w) => w.field === 'birthDate')?.message).toContain("holds 'B'");
  });
});

describe('malformed content with correct check digits is still invalid', () => {
  const base = { format: 'TD3', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FN123456', surname: 'MOYO', givenNames: 'T', sex: 'M', expiryDate: '300101' } as const;
  it.each(['851315', '850230', '010229'])('birth date %s → INVALID_DATE', (birthDate) => {
    const d = parse(generateMrz({ ...base, birthDate }));
    expect(d.checkDigits.every((c) => c.valid)).toBe(true);
    expect(d.valid).toBe(false);
    expect(d.fields.birthDate?.valid).toBe(false);
    expect(codes(d)).toContain('INVALID_DATE:birthDate');
  });

  it('a letter inside a date with a matching check digit → INVALID_DATE', () => {
    const lines = generateMrz({ ...base, birthDate: '850101' });
    let l1 = lines[1] ?? '';
    l1 = `${l1.slice(0, 13)}8A0101${computeCheckDigit('8A0101')}${l1.slice(20, 43)}`;
    // TD3 composite: line 2 positions 1–10, 14–20, 22–43 (Part 4 §4.2.2).
    l1 += String(computeCheckDigit(l1.slice(0, 10) + l1.slice(13, 20) + l1.slice(21, 43)));
    const d = parse([lines[0] ?? '', l1]);
    expect(d.checkDigits.every((c) => c.valid)).toBe(true);
    expect(d.valid).toBe(false);
    expect(codes(d)).toContain('INVALID_DATE:birthDate');
  });

  it('accepts 29 February in a leap year', () => {
    expect(parse(generateMrz({ ...base, birthDate: '000229' })).birthDate).toBe('2000-02-29');
  });

  it.each(['30<<01', '300001'])('expiry %s with unknown parts → INVALID_DATE', (expiryDate) => {
    const d = parse(generateMrz({ ...base, birthDate: '850101', expiryDate }));
    expect(d.valid).toBe(false);
    expect(codes(d)).toContain('INVALID_DATE:expiryDate');
  });

  it('sex Q → INVALID_SEX', () => {
    const lines = generateMrz({ ...base, birthDate: '850101' });
    const l1 = lines[1] ?? '';
    const d = parse([lines[0] ?? '', `${l1.slice(0, 20)}Q${l1.slice(21)}`]);
    expect(d).toMatchObject({ valid: false, sex: null });
    expect(d.fields.sex).toEqual({ value: null, raw: 'Q', valid: false });
    expect(codes(d)).toEqual(['INVALID_SEX:sex']);
  });

  it('a digit in the name → INVALID_NAME', () => {
    const lines = generateMrz({ ...base, birthDate: '850101' });
    const d = parse([(lines[0] ?? '').replace('MOYO', 'M0YO'), lines[1] ?? '']);
    expect(d.valid).toBe(false);
    expect(codes(d)).toEqual(['INVALID_NAME:surname']);
  });

  it('a digit in the document code → INVALID_DOCUMENT_CODE', () => {
    const lines = generateMrz({ ...base, birthDate: '850101' });
    const d = parse([`1${(lines[0] ?? '').slice(1)}`, lines[1] ?? '']);
    expect(d.valid).toBe(false);
    expect(codes(d)).toEqual(['INVALID_DOCUMENT_CODE:documentCode']);
  });
});
