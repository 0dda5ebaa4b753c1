import { describe, expect, it } from 'vitest';
import { contrastRatio, cssColourVariables, readStylesheet } from '../../tests/support/wcag-contrast.ts';

const css = readStylesheet(new URL('../src/styles.css', import.meta.url));
const vars = cssColourVariables(css);
const ratio = contrastRatio;

describe('colour contrast of the palette (WCAG AA, 4.5:1 for text)', () => {
  // Every text colour on every background it is drawn on in styles.css.
  const pairs: Array<[string, string]> = [
    ['ink', 'bg'], ['ink', 'card'], ['muted', 'bg'], ['muted', 'card'], ['primary', 'card'], ['primary-ink', 'primary'],
    ['ok', 'ok-bg'], ['bad', 'bad-bg'], ['warn', 'warn-bg'], ['info', 'info-bg'], ['ok', 'card'], ['bad', 'card'],
  ];
  it.each(pairs)('%s on %s', (fg, bg) => {
    const a = vars[fg];
    const b = vars[bg];
    expect(a && b, `${fg}/${bg} defined`).toBeTruthy();
    expect(ratio(a as string, b as string)).toBeGreaterThanOrEqual(4.5);
  });
  // WCAG 2.2 SC 1.4.11 / 2.4.13: the focus ring against everything it is drawn on (outside the control, offset 2 px).
  it.each([['focus', 'bg'], ['focus', 'card'], ['focus', 'info-bg'], ['focus', 'ok-bg'], ['focus', 'warn-bg']])('focus ring %s on %s ≥ 3:1', (fg, bg) => {
    expect(ratio(vars[fg] as string, vars[bg] as string)).toBeGreaterThanOrEqual(3);
  });
  it('draws the focus ring with the --focus colour', () => {
    expect(css).toMatch(/:focus-visible[^{]*\{[^}]*outline: 3px solid var\(--focus\)/);
  });
  it('keeps disabled buttons readable', () => {
    expect(ratio('#374151', '#d1d5db')).toBeGreaterThanOrEqual(4.5);
  });
});
