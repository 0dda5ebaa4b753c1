/**
 * Field layouts of every supported MRZ format, in one table. Spans are 0-based with an
 * exclusive end; the comments give ICAO's 1-based positions so they can be checked against
 * the standard: TD3 Part 4 §4.2.2, TD1 Part 5 §4.2.2, TD2 Part 6 §4.2.2, MRV-A Part 7 §4.2.2,
 * MRV-B Part 7 §5.2.2. Composite ranges follow PROTOCOLS.md (checked against those sections).
 */
import type { MrzFormat } from './types.ts';

export interface Span {
  readonly line: number;
  readonly start: number;
  readonly end: number;
}

export interface FormatLayout {
  readonly format: MrzFormat;
  readonly lineCount: number;
  readonly lineLength: number;
  readonly documentCode: Span;
  readonly issuingState: Span;
  readonly name: Span;
  readonly documentNumber: Span;
  readonly documentNumberCheck: Span;
  /** TD1/TD2: a number longer than 9 characters continues in `optionalData` (Part 5/6 note j). */
  readonly documentNumberOverflow: boolean;
  readonly nationality: Span;
  readonly birthDate: Span;
  readonly birthDateCheck: Span;
  readonly sex: Span;
  readonly expiryDate: Span;
  readonly expiryDateCheck: Span;
  /** For TD3 this is the personal number field. */
  readonly optionalData: Span;
  readonly optionalData2?: Span;
  /** TD3 only: the personal number has its own check digit (position 43). */
  readonly personalNumberCheck?: Span;
  readonly composite?: { readonly check: Span; readonly covers: readonly Span[] };
}

const s = (line: number, start: number, end: number): Span => ({ line, start, end });

/** Line 2 of TD3, MRV-A, MRV-B and TD2 share positions 1–28. */
const LINE2_COMMON = {
  documentNumber: s(1, 0, 9), // 1–9
  documentNumberCheck: s(1, 9, 10), // 10
  nationality: s(1, 10, 13), // 11–13
  birthDate: s(1, 13, 19), // 14–19
  birthDateCheck: s(1, 19, 20), // 20
  sex: s(1, 20, 21), // 21
  expiryDate: s(1, 21, 27), // 22–27
  expiryDateCheck: s(1, 27, 28), // 28
} as const;

const LINE1_COMMON = {
  documentCode: s(0, 0, 2), // 1–2
  issuingState: s(0, 2, 5), // 3–5
} as const;

export const LAYOUTS: Readonly<Record<MrzFormat, FormatLayout>> = {
  TD3: {
    format: 'TD3',
    lineCount: 2,
    lineLength: 44,
    ...LINE1_COMMON,
    name: s(0, 5, 44), // 6–44
    ...LINE2_COMMON,
    documentNumberOverflow: false,
    optionalData: s(1, 28, 42), // 29–42 personal number
    personalNumberCheck: s(1, 42, 43), // 43
    composite: { check: s(1, 43, 44), covers: [s(1, 0, 10), s(1, 13, 20), s(1, 21, 43)] }, // 44
  },
  MRVA: {
    format: 'MRVA',
    lineCount: 2,
    lineLength: 44,
    ...LINE1_COMMON,
    name: s(0, 5, 44),
    ...LINE2_COMMON,
    documentNumberOverflow: false,
    optionalData: s(1, 28, 44), // 29–44, no composite on visas
  },
  MRVB: {
    format: 'MRVB',
    lineCount: 2,
    lineLength: 36,
    ...LINE1_COMMON,
    name: s(0, 5, 36), // 6–36
    ...LINE2_COMMON,
    documentNumberOverflow: false,
    optionalData: s(1, 28, 36), // 29–36
  },
  TD2: {
    format: 'TD2',
    lineCount: 2,
    lineLength: 36,
    ...LINE1_COMMON,
    name: s(0, 5, 36),
    ...LINE2_COMMON,
    documentNumberOverflow: true,
    optionalData: s(1, 28, 35), // 29–35
    composite: { check: s(1, 35, 36), covers: [s(1, 0, 10), s(1, 13, 20), s(1, 21, 35)] }, // 36
  },
  TD1: {
    format: 'TD1',
    lineCount: 3,
    lineLength: 30,
    ...LINE1_COMMON,
    documentNumber: s(0, 5, 14), // line 1, 6–14
    documentNumberCheck: s(0, 14, 15), // 15
    documentNumberOverflow: true,
    optionalData: s(0, 15, 30), // 16–30
    birthDate: s(1, 0, 6), // line 2, 1–6
    birthDateCheck: s(1, 6, 7), // 7
    sex: s(1, 7, 8), // 8
    expiryDate: s(1, 8, 14), // 9–14
    expiryDateCheck: s(1, 14, 15), // 15
    nationality: s(1, 15, 18), // 16–18
    optionalData2: s(1, 18, 29), // 19–29
    composite: {
      check: s(1, 29, 30), // 30
      covers: [s(0, 5, 30), s(1, 0, 7), s(1, 8, 15), s(1, 18, 29)],
    },
    name: s(2, 0, 30), // line 3
  },
};

/**
 * Line count and length pick the family; the first character tells a visa (`V`, Part 7 §4.2.2)
 * from a TD3 passport or TD2 card of the same size.
 */
export function detectFormat(lines: readonly string[]): MrzFormat | null {
  const count = lines.length;
  const width = lines[0]?.length ?? 0;
  if (!lines.every((l) => l.length === width)) return null;
  const visa = lines[0]?.charAt(0) === 'V';
  if (count === 3 && width === 30) return 'TD1';
  if (count === 2 && width === 44) return visa ? 'MRVA' : 'TD3';
  if (count === 2 && width === 36) return visa ? 'MRVB' : 'TD2';
  return null;
}

export function take(lines: readonly string[], span: Span): string {
  return (lines[span.line] ?? '').slice(span.start, span.end);
}
