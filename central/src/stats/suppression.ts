/**
 * Statistical disclosure control for published tables (what every role but the microdata one sees).
 *
 * Primary suppression: a count from 1 to threshold−1 could identify people, so it is hidden (null,
 * with a flag). Zero is not small (nothing to identify), but a published table lists every
 * combination of the values it shows, zeros included, and a zero may be hidden as a partner: were
 * empty combinations left out, the reader would know them to be zero, and a small cell that is alone
 * in its row of a margin could be computed from two coarser totals.
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
const MAX_MARGIN_WORK = 2_000_000;
/** Largest table (every combination of the values shown) that is published. */
export const MAX_PUBLISHED_CELLS = 5_000;

const compareKey = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);

/**
 * Every combination of the values each dimension shows (the full cross-product), zeros added, in
 * the order of the dimensions' values; undefined when that is more than MAX_PUBLISHED_CELLS.
 */
function completeTable(cells: readonly StatsCell[], dims: readonly string[]): StatsCell[] | undefined {
  const values = dims.map((d) => [...new Set(cells.map((c) => c.keys[d] ?? null))].sort(compareKey));
  const size = values.reduce((n, v) => n * v.length, 1);
  if (size > MAX_PUBLISHED_CELLS) return undefined;
  const byKey = new Map(cells.map((c) => [JSON.stringify(dims.map((d) => c.keys[d] ?? null)), c]));
  let combos: Array<Array<string | null>> = [[]];
  for (const v of values) combos = combos.flatMap((prefix) => v.map((x) => [...prefix, x]));
  return combos.map(
    (combo) => byKey.get(JSON.stringify(combo)) ?? { keys: Object.fromEntries(dims.map((d, i) => [d, combo[i] ?? null])), count: 0, returning: 0 },
  );
}

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
  observed: readonly StatsCell[],
  dims: readonly string[],
  threshold = PUBLICATION_THRESHOLD,
  limits: ProtectLimits = DEFAULT_PROTECT_LIMITS,
): Publication {
  const cells = completeTable(observed, dims);
  if (!cells) return { ok: false, reason: `more than ${MAX_PUBLISHED_CELLS} combinations` };
  if (cells.length * 2 ** dims.length > MAX_MARGIN_WORK) {
    return { ok: false, reason: `${cells.length} cells over ${dims.length} dimensions are too many to check` };
  }
  const members = marginGroups(cells, dims);
  const sum = (g: readonly number[], f: (c: StatsCell) => number) => g.reduce((n, i) => n + f(cells[i] as StatsCell), 0);

  // Counts: margins known when their total is publishable (zero, or at least the threshold).
  const countPrimary = cells.map((c) => small(c.count, threshold));
  const counts = protectTable(
    {
      values: cells.map((c) => c.count),
      // A zero total is published too (zero is not small).
      groups: members.map((g): Group => {
        const n = sum(g, (c) => c.count);
        return { members: g, known: n === 0 || n >= threshold };
      }),
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
        return { members: g, known: n === 0 || (n >= threshold && !small(r, threshold) && !small(n - r, threshold)) };
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
