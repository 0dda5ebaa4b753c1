import { describe, expect, it } from 'vitest';
import { publishCells } from './suppression.ts';

const cell = (count: number, returning: number) => ({ keys: { office: 'BBR' }, count, returning });

describe('publishCells', () => {
  it('leaves every count visible outside publication mode', () => {
    expect(publishCells([cell(1, 1)], false)).toEqual([{ ...cell(1, 1), suppressed: false, returningSuppressed: false }]);
  });

  it('suppresses counts from 1 to 4 but not 0 or 5', () => {
    const out = publishCells([cell(4, 0), cell(5, 0), cell(1, 0)], true);
    expect(out.map((c) => [c.count, c.suppressed])).toEqual([
      [null, true],
      [5, false],
      [null, true],
    ]);
  });

  it('hides the returning count when it or its complement is small, shows it otherwise', () => {
    const out = publishCells([cell(10, 2), cell(10, 8), cell(10, 5), cell(10, 10), cell(10, 0)], true);
    expect(out.map((c) => c.returning)).toEqual([null, null, 5, 10, 0]);
  });
});
