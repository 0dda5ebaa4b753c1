import { FIXED_10X20_GLYPHS } from './fixed-10x20-glyphs.ts';

/**
 * Font A of an Epson TM-T20/T88 is 12×24 dots (48 columns on 576 dots, 32 on 384). The
 * simulator draws the public-domain X11 misc-fixed 10×20 glyphs inside that cell, one dot
 * of side bearing and two rows above and below, so line widths and heights match a printer.
 */
export const CELL_WIDTH = 12;
export const CELL_HEIGHT = 24;
const GLYPH_ROWS = 20;
const TOP = 2;
const LEFT = 1;

const cache = new Map<number, Uint16Array>();

/** 24 rows of 12 dots (bit 11 = leftmost) for a Unicode code point; '?' when the font lacks it. */
export function glyphCell(codePoint: number): Uint16Array {
  const hit = cache.get(codePoint);
  if (hit) return hit;
  const hex = FIXED_10X20_GLYPHS.get(codePoint) ?? FIXED_10X20_GLYPHS.get(0x3f) ?? '';
  const cell = new Uint16Array(CELL_HEIGHT);
  for (let r = 0; r < GLYPH_ROWS; r++) {
    cell[r + TOP] = (Number.parseInt(hex.slice(r * 3, r * 3 + 3) || '0', 16) >> LEFT) & 0xfff;
  }
  cache.set(codePoint, cell);
  return cell;
}
