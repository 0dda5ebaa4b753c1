/**
 * Statistical disclosure control for published tables (what every role but the microdata one sees).
 *
 * Primary suppression: a count from 1 to threshold−1 could identify people, so it is hidden (null,
 * with a flag). Zero is not hidden (nothing to identify; absent combinations are not listed at all).
 * Secondary suppression (secondary-suppression.ts): more cells are hidden until no hidden cell can be
 * computed from the published cells and the totals of any of the table's margins (each margin being
 * the answer to a coarser grouping, which a reader can ask for separately), by subtraction or any
 * linear combination. Margins are assumed known whenever their total reaches the threshold, which
 * over-estimates what the coarser answers actually show.
 *
 * Returning migrants: the returning count is a second table over the same cells. It is hidden when
 * it or the first-time count it implies (count − returning) is small, or the count itself is hidden,
 * and then protected the same way against the returning totals of the margins (the first-time
 * count of a cell is computable only if its count and its returning count both are).
 *
 * Not covered (docs/central-security.md): differences between answers taken at different times
 * (late batches) and rounding; a table too detailed to check is refused (STATS_TOO_DETAILED).
 */
import type { StatsCell } from './registration-stats.ts';
import { type Group, protectTable, type ProtectLimits, DEFAULT_PROTECT_LIMITS } from './secondary-suppression.ts';

export const PUBLICATION_THRESHOLD = 5;

export interface PublishedCell {
  keys: Record<string, string | null>;
  count: number | null;
  returning: number | null;
  suppressed: boolean;
  returningSuppressed: boolean;
}

export type Publication = { ok: true; cells: PublishedCell[] } | { ok: false; reason: string };

/** Largest cells × 2^dimensions the margin enumeration takes on. */
const MAX_MARGIN_WORK = 4_000_000;

const small = (n: number, threshold: number) => n > 0 && n < threshold;

/** Every proper subset of the dimensions (bit masks), each with its groups of cells. */
function marginGroups(cells: readonly StatsCell[], dims: readonly string[]): number[][] {
  const full = (1 << dims.length) - 1;
  const groups: number[][] = [];
  for (let mask = 0; mask < full; mask++) {
    const byKey = new Map<string, number[]>();
    cells.forEach((c, i) => {
      const key = JSON.stringify(dims.map((d, bit) => (mask & (1 << bit) ? (c.keys[d] ?? null) : 0)));
      const list = byKey.get(key);
      if (list) list.push(i);
      else byKey.set(key, [i]);
    });
    groups.push(...byKey.values());
  }
  return groups;
}

/** Unsuppressed counts: the microdata view (auth: admin with publication=false only). */
export function microdataCells(cells: readonly StatsCell[]): PublishedCell[] {
  return cells.map((c) => ({ ...c, suppressed: false, returningSuppressed: false }));
}

export function publishCells(
  cells: readonly StatsCell[],
  dims: readonly string[],
  threshold = PUBLICATION_THRESHOLD,
  limits: ProtectLimits = DEFAULT_PROTECT_LIMITS,
): Publication {
  if (cells.length * 2 ** dims.length > MAX_MARGIN_WORK) {
    return { ok: false, reason: `${cells.length} cells over ${dims.length} dimensions are too many to check` };
  }
  const members = marginGroups(cells, dims);
  const sum = (g: readonly number[], f: (c: StatsCell) => number) => g.reduce((n, i) => n + f(cells[i] as StatsCell), 0);

  // Counts: margins known when their total is publishable.
  const countPrimary = cells.map((c) => small(c.count, threshold));
  const counts = protectTable(
    {
      values: cells.map((c) => c.count),
      groups: members.map((g): Group => ({ members: g, known: sum(g, (c) => c.count) >= threshold })),
      hidden: countPrimary,
      protect: countPrimary,
    },
    limits,
  );
  if (!counts.ok) return counts;

  // Returning counts: a margin's returning total is publishable when its count is and neither the
  // returning nor the first-time total is small.
  const returningPrimary = cells.map((c) => small(c.returning, threshold) || small(c.count - c.returning, threshold));
  const returning = protectTable(
    {
      values: cells.map((c) => c.returning),
      groups: members.map((g): Group => {
        const n = sum(g, (c) => c.count);
        const r = sum(g, (c) => c.returning);
        return { members: g, known: n >= threshold && !small(r, threshold) && !small(n - r, threshold) };
      }),
      hidden: returningPrimary.map((p, i) => p || (counts.hidden[i] as boolean)),
      protect: returningPrimary,
    },
    limits,
  );
  if (!returning.ok) return returning;

  return {
    ok: true,
    cells: cells.map((c, i) => {
      const hideCount = counts.hidden[i] as boolean;
      const hideReturning = returning.hidden[i] as boolean;
      return {
        keys: c.keys,
        count: hideCount ? null : c.count,
        returning: hideReturning ? null : c.returning,
        suppressed: hideCount,
        returningSuppressed: hideReturning,
      };
    }),
  };
}
