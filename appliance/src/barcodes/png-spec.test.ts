import { describe, expect, it } from 'vitest';
import { ADAM7_PASSES, PNG_CHANNELS } from './png-spec.ts';

describe('PNG specification tables', () => {
  it('ADAM7_PASSES puts every pixel of an 8×8 tile in the pass the specification draws (§8.2, figure 8.1)', () => {
    const FIGURE = ['16462646', '77777777', '56565656', '77777777', '36463646', '77777777', '56565656', '77777777'];
    const drawn = Array.from({ length: 8 }, (_, y) =>
      Array.from({ length: 8 }, (_, x) => String(1 + ADAM7_PASSES.findIndex(([x0, y0, dx, dy]) => x % dx === x0 && y % dy === y0))).join(''),
    );
    expect(drawn).toEqual(FIGURE);
  });

  it('PNG_CHANNELS gives the samples per pixel of the five colour types (§6.1, table 6.1)', () => {
    const samples = { greyscale: 0, truecolour: 2, 'indexed-colour': 3, 'greyscale with alpha': 4, 'truecolour with alpha': 6 };
    expect(Object.fromEntries(Object.entries(samples).map(([name, type]) => [name, PNG_CHANNELS[type]]))).toEqual({
      greyscale: 1,
      truecolour: 3,
      'indexed-colour': 1,
      'greyscale with alpha': 2,
      'truecolour with alpha': 4,
    });
  });
});
