/**
 * Turns what a reader or an operator delivered into checked MRZ lines, or a coded error an
 * officer can act on. Content problems (check digits, dates) are not errors: they are reported
 * on the parsed document. Only input that cannot be an MRZ at all throws.
 */
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { detectFormat } from './formats.ts';
import type { MrzFormat } from './types.ts';

/** Whole reads that lost their line breaks (keyboard-wedge readers, pasted text): 2×44, 2×36, 3×30. */
const UNBROKEN: Readonly<Record<number, { count: number; width: number }>> = {
  88: { count: 2, width: 44 },
  72: { count: 2, width: 36 },
  90: { count: 3, width: 30 },
};

function describeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `control byte 0x${code.toString(16).padStart(2, '0')}`;
  if (ch === ' ') return 'a space';
  return `'${ch}'`;
}

export function splitLines(input: string | readonly string[]): string[] {
  if (typeof input !== 'string' && !Array.isArray(input)) {
    throw new ApplianceError(FirmwareBridgeErrors.MRZ_UNRECOGNISED_FORMAT.code, 'No MRZ text was received.', { inputType: typeof input });
  }
  const raw = typeof input === 'string' ? input.trim().split(/\r\n|\r|\n/) : input.map((l) => String(l));
  let lines = raw.map((l) => l.trim()).filter((l) => l.length > 0);
  const only = lines.length === 1 ? lines[0] : undefined;
  const unbroken = only !== undefined ? UNBROKEN[only.length] : undefined;
  if (only !== undefined && unbroken) {
    lines = Array.from({ length: unbroken.count }, (_, i) => only.slice(i * unbroken.width, (i + 1) * unbroken.width));
  }
  return lines;
}

export function assertMrzCharacters(lines: readonly string[]): void {
  for (const [li, line] of lines.entries()) {
    const at = line.search(/[^A-Z0-9<]/);
    if (at < 0) continue;
    const ch = String.fromCodePoint(line.codePointAt(at) ?? 0);
    const lower = /[a-z]/.test(ch) ? ' Lower-case letters mean the reader or the typed text is not in MRZ mode.' : '';
    throw new ApplianceError(
      FirmwareBridgeErrors.MRZ_INVALID_CHARACTERS.code,
      `MRZ line ${li + 1}, position ${at + 1}: ${describeChar(ch)} is not allowed; an MRZ holds only A-Z, 0-9 and <.${lower} Rescan the document.`,
      { line: li + 1, position: at + 1, charCode: ch.codePointAt(0) },
    );
  }
}

export function normaliseInput(input: string | readonly string[]): { lines: string[]; format: MrzFormat } {
  const lines = splitLines(input);
  if (lines.length === 0) {
    throw new ApplianceError(FirmwareBridgeErrors.MRZ_UNRECOGNISED_FORMAT.code, 'No MRZ text was received. Rescan the document.', { lineCount: 0 });
  }
  assertMrzCharacters(lines);
  const format = detectFormat(lines);
  if (!format) {
    const shape = lines.map((l) => l.length).join(', ');
    throw new ApplianceError(
      FirmwareBridgeErrors.MRZ_UNRECOGNISED_FORMAT.code,
      `Not a recognised MRZ: got ${lines.length} line(s) of ${shape} characters; expected 3 lines of 30 (ID card), 2 of 36 (ID card or visa) or 2 of 44 (passport or visa). Part of the zone may not have been read: rescan the document.`,
      { lineCount: lines.length, lineLengths: lines.map((l) => l.length) },
    );
  }
  return { lines, format };
}
