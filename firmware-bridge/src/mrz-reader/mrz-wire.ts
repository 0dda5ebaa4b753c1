/**
 * Byte-level facts shared by the MRZ reader parser, encoder and HID decoders.
 * The charset and line lengths are ICAO 9303 Part 3 (charset) and Parts 4–7 (TD3 2×44, TD2 and
 * MRV-B 2×36, TD1 3×30, MRV-A 2×44). Control bytes are ASCII; which reader uses which is in
 * /work/shared/PROTOCOLS.md ("MRZ readers on the wire").
 */
export const Ascii = {
  SOH: 0x01,
  STX: 0x02,
  ETX: 0x03,
  LF: 0x0a,
  CR: 0x0d,
  /** Access-IS: magnetic-stripe message start (`0E 02 … 03 0F`). */
  SO: 0x0e,
  SI: 0x0f,
  /** Access-IS: OCR message start/end (`1C 02 … 03 1D`). */
  FS: 0x1c,
  GS: 0x1d,
  /** Access-IS: barcode message start/end (`1E 02 id … 03 1F`). */
  RS: 0x1e,
  US: 0x1f,
  LT: 0x3c, // '<'
  UNDERSCORE: 0x5f,
} as const;

/** Line lengths an MRZ can have (ICAO 9303 Parts 4–7). */
export const MRZ_LINE_LENGTHS: readonly number[] = [30, 36, 44];

/** A–Z, 0–9 and the `<` filler: the only characters an MRZ may contain (ICAO 9303 Part 3, 4.3). */
export function isMrzChar(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b === Ascii.LT;
}

export function isMrzLineLength(n: number): boolean {
  return MRZ_LINE_LENGTHS.includes(n);
}

/** TD1 (30 characters a line) has three lines; every other format has two. */
export function expectedLineCount(lineLength: number): 2 | 3 {
  return lineLength === 30 ? 3 : 2;
}

/**
 * Why `text` cannot be line `n` of a read whose first line is `first` (undefined when it can). Only the
 * shape is checked here (length, consistency); check digits are the ICAO parser's job.
 */
export function lineProblem(
  text: string,
  n: number,
  first: string | undefined,
): { code: 'LINE_LENGTH' | 'GARBAGE' | 'INCONSISTENT_LINES'; reason: string } | undefined {
  if (!isMrzLineLength(text.length)) {
    return { code: 'LINE_LENGTH', reason: `line ${n} has ${text.length} characters; MRZ lines have 30, 36 or 44` };
  }
  if (text.includes('_')) return { code: 'GARBAGE', reason: `line ${n} has padding inside the text` };
  if (first !== undefined && first.length !== text.length) {
    return { code: 'INCONSISTENT_LINES', reason: `line ${n} has ${text.length} characters but line 1 has ${first.length}` };
  }
  return undefined;
}

/** `0x1c` style, for reasons and logs. */
export function hexByte(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}

/** Printable rendering of raw bytes for debug logs: control bytes as `<STX>`-style names or hex. */
export function escapeBytes(bytes: Uint8Array): string {
  const names: Record<number, string> = { 1: 'SOH', 2: 'STX', 3: 'ETX', 10: 'LF', 13: 'CR', 28: 'FS', 29: 'GS' };
  let out = '';
  for (const b of bytes) {
    if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `<${names[b] ?? b.toString(16).padStart(2, '0')}>`;
  }
  return out;
}
