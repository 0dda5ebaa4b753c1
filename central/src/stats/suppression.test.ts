import { describe, expect, it } from 'vitest';
import type { StatsCell } from './registration-stats.ts';
import { microdataCells, publishCells } from './suppression.ts';

const cell = (office: string, sex: string, count: number, returning = 0): StatsCell => ({ keys: { office, sex }, count, returning });

function published(cells: StatsCell[], dims = ['office', 'sex']) {
  const out = publishCells(cells, dims);
  if (!out.ok) throw new Error(out.reason);
  return out.cells;
}

describe('publishCells', () => {
  it('leaves every count visible in the microdata view', () => {
    expect(microdataCells([cell('BBR', 'F', 1, 1)])).toEqual([{ ...cell('BBR', 'F', 1, 1), suppressed: false, returningSuppressed: false }]);
  });

  it('suppresses counts from 1 to 4 but not 5, with no margin to protect in a one-cell table', () => {
    expect(published([cell('BBR', 'F', 4)]).map((c) => c.count)).toEqual([null]);
    expect(published([cell('BBR', 'F', 5)]).map((c) => c.count)).toEqual([5]);
  });

  it('hides a partner in every margin that would otherwise give a hidden cell back by subtraction', () => {
    // BBR: F 3, M 40 (total 43 published by groupBy=office): M must go too. HRE: F 20, M 30.
    // Then sex=M's total (70) minus HRE's 30 would give BBR's M, so a partner in that column too…
    const out = published([cell('BBR', 'F', 3), cell('BBR', 'M', 40), cell('HRE', 'F', 20), cell('HRE', 'M', 30)]);
    expect(out.map((c) => c.suppressed)).toEqual([true, true, true, true]);
  });

  it('hides the returning count when it or its complement is small, shows it otherwise', () => {
    const out = published(
      [cell('A', 'F', 10, 2), cell('B', 'F', 10, 8), cell('C', 'F', 10, 5), cell('D', 'F', 10, 10), cell('E', 'F', 10, 0)],
      ['office'],
    );
    // 2 and 8 are hidden (2 small; 10 − 8 small); then the grand total's returning count (25) would give
    // one back from the other, so… they are two hidden in that margin already: nothing more is needed.
    expect(out.map((c) => c.returning)).toEqual([null, null, 5, 10, 0]);
  });

  it('refuses a table too detailed to check rather than publish it unchecked', () => {
    const many = Array.from({ length: 600 }, (_, i) => cell(`O${i}`, 'F', 1));
    const out = publishCells(many, ['office', 'sex']);
    expect(out.ok).toBe(false);
  });
});
