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

describe('publishCells against the differencing attacker (random tables, every margin published the same way)', () => {
  /** Seeded tables of people over three small dimensions, most groups small. */
  function people(seed: number, n: number) {
    let s = seed;
    const rand = () => {
      s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
      return s / 2 ** 31;
    };
    return Array.from({ length: n }, () => ({
      a: `a${Math.floor(rand() ** 2 * 4)}`,
      b: `b${Math.floor(rand() * 3)}`,
      c: `c${Math.floor(rand() ** 3 * 5)}`,
      returning: rand() < 0.3,
    }));
  }

  function cellsOf(rows: ReturnType<typeof people>, dims: readonly string[]): StatsCell[] {
    const byKey = new Map<string, StatsCell>();
    for (const p of rows) {
      const keys = Object.fromEntries(dims.map((d) => [d, p[d as 'a' | 'b' | 'c']]));
      const id = JSON.stringify(keys);
      const cell = byKey.get(id) ?? { keys, count: 0, returning: 0 };
      cell.count++;
      if (p.returning) cell.returning++;
      byKey.set(id, cell);
    }
    return [...byKey.values()];
  }

  it('lets no hidden cell be computed, for 30 random tables', async () => {
    const { attack } = await import('../../test/disclosure-attacker.ts');
    let hidden = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const rows = people(seed, 40 + seed * 7);
      const fetch = async (dims: readonly string[]) => {
        const out = publishCells(cellsOf(rows, dims), dims);
        return out.ok ? out.cells.map((c) => ({ ...c.keys, count: c.count, returning: c.returning })) : null;
      };
      for (const dims of [['a', 'b'], ['a', 'c'], ['a', 'b', 'c']]) {
        const table = await fetch(dims);
        hidden += table?.filter((r) => r.count === null).length ?? 0;
        expect(await attack(fetch, dims), `seed ${seed} ${dims.join(',')}`).toEqual([]);
      }
    }
    expect(hidden).toBeGreaterThan(100);
  });
});
