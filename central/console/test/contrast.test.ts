/** The console's colours against WCAG 2.2 AA: text 4.5:1 (SC 1.4.3), chart marks and the focus ring 3:1 (SC 1.4.11). */
import { describe, expect, it } from 'vitest';
import { contrastRatio, cssColourVariables, readStylesheet } from '../../../tests/support/wcag-contrast.ts';
import { PALETTE } from '../src/charts.ts';

const css = readStylesheet(new URL('../src/styles.css', import.meta.url));
const vars = cssColourVariables(css);
const pair = (fg: string, bg: string) => {
  const a = vars[fg];
  const b = vars[bg];
  expect(a && b, `--${fg} and --${bg} defined`).toBeTruthy();
  return contrastRatio(a as string, b as string);
};

describe('console colours (WCAG 2.2 AA)', () => {
  // Every text colour on every background styles.css draws it on (badges, notices, the header, buttons).
  it.each([
    ['ink', 'bg'],
    ['ink', 'card'],
    ['muted', 'bg'],
    ['muted', 'card'],
    ['primary', 'card'],
    ['primary', 'bg'],
    ['primary-ink', 'primary'],
    ['ok', 'ok-bg'],
    ['bad', 'bad-bg'],
    ['warn', 'warn-bg'],
    ['bad', 'card'],
  ])('text %s on %s ≥ 4.5:1', (fg, bg) => {
    expect(pair(fg, bg)).toBeGreaterThanOrEqual(4.5);
  });

  it.each([['focus', 'bg'], ['focus', 'card']])('focus ring %s on %s ≥ 3:1', (fg, bg) => {
    expect(pair(fg, bg)).toBeGreaterThanOrEqual(3);
  });

  it.each([...PALETTE])('chart colour %s on white ≥ 3:1', (colour) => {
    expect(contrastRatio(colour, '#ffffff')).toBeGreaterThanOrEqual(3);
  });

  it('muted text on the table header and the muted badge stays readable', () => {
    expect(contrastRatio(vars.muted as string, '#e5e7eb')).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(vars.ink as string, '#e5e7eb')).toBeGreaterThanOrEqual(4.5);
  });
});
