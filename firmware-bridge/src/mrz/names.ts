/**
 * Name field (ICAO 9303 Part 3 §4.6): primary identifier, `<<`, secondary identifier; words
 * inside each joined by `<`; padded with `<` or truncated to the field width. The parser returns
 * what the MRZ holds, so a truncated name stays truncated.
 */

export interface ParsedName {
  surname: string;
  givenNames: string;
  /** The field is full to its last position, so the printed name may be longer. */
  maybeTruncated: boolean;
  /** Names hold only A–Z and fillers; a digit here is a misread or an alteration. */
  wellFormed: boolean;
}

const words = (s: string) => s.split('<').filter((w) => w.length > 0).join(' ');

export function parseName(raw: string): ParsedName {
  const split = raw.indexOf('<<');
  const surname = split < 0 ? raw : raw.slice(0, split);
  const given = split < 0 ? '' : raw.slice(split + 2);
  return {
    surname: words(surname),
    givenNames: words(given),
    maybeTruncated: raw.length > 0 && !raw.endsWith('<'),
    wellFormed: /^[A-Z<]*$/.test(raw),
  };
}

/** Encodes MRZ-ready names (A–Z and spaces); hard-truncates at `width`. */
export function encodeName(surname: string, givenNames: string, width: number): string {
  const enc = (s: string) => s.trim().split(/\s+/).filter(Boolean).join('<');
  const g = enc(givenNames);
  const full = g ? `${enc(surname)}<<${g}` : enc(surname);
  return full.slice(0, width).padEnd(width, '<');
}
