/** The manual MRZ editor's rules, apart from the screen (ICAO 9303: A–Z, 0–9 and the < filler only). */
export const MRZ_FORMATS = {
  td3: { lines: 2, length: 44 },
  td1: { lines: 3, length: 30 },
  td2: { lines: 2, length: 36 },
} as const;
export type ManualFormat = keyof typeof MRZ_FORMATS;

export interface ManualState {
  format: ManualFormat;
  lines: string[];
  active: number;
}

export const emptyManual = (format: ManualFormat): ManualState => ({ format, lines: Array(MRZ_FORMATS[format].lines).fill(''), active: 0 });

export type ManualKey = string | 'DELETE' | 'FILL' | 'NEXT' | 'CLEAR';

export function applyKey(s: ManualState, key: ManualKey): ManualState {
  const { length, lines: count } = MRZ_FORMATS[s.format];
  const lines = [...s.lines];
  const line = lines[s.active] ?? '';
  let active = s.active;
  if (key === 'DELETE') {
    if (line.length === 0 && active > 0) active--;
    else lines[active] = line.slice(0, -1);
  } else if (key === 'CLEAR') lines[active] = '';
  else if (key === 'FILL') lines[active] = line.padEnd(length, '<');
  else if (key === 'NEXT') active = Math.min(count - 1, active + 1);
  else if (/^[A-Z0-9<]$/.test(key)) {
    if (line.length < length) lines[active] = line + key;
    else if (active < count - 1) lines[++active] = (lines[active] ?? '') + key;
  }
  // A full line moves the cursor on, as the officer copies line after line.
  if (key !== 'DELETE' && (lines[active] ?? '').length === length && active < count - 1 && key !== 'NEXT') active++;
  return { ...s, lines, active };
}

/** The first line that is not complete, or null when all lines have their full length. */
export function firstIncomplete(s: ManualState): { n: number; have: number; need: number } | null {
  const need = MRZ_FORMATS[s.format].length;
  const i = s.lines.findIndex((l) => l.length !== need);
  return i < 0 ? null : { n: i + 1, have: (s.lines[i] ?? '').length, need };
}
