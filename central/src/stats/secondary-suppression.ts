/**
 * Complementary (secondary) suppression for one table of non-negative counts.
 *
 * Model of the attacker: the published table (visible cells) plus the totals of every margin group,
 * i.e. every group of cells that agree on a proper subset of the grouping's dimensions, whenever
 * such a total could be published by some other answer (the caller's `known` rule: conservatively,
 * every total at or above the threshold). A hidden cell must not be computable from those, not by
 * subtracting visible cells from one total, nor by any linear combination of totals.
 *
 * Method (the usual heuristic, then an exact check):
 * 1. Any known margin group holding exactly one hidden cell gets a second one: its smallest visible
 *    non-zero cell. Repeated over every margin until nothing changes.
 * 2. The exact check (linear-disclosure.ts) finds hidden cells still determined by combinations of
 *    totals; for the first one, the smallest visible cell of a known group containing it is hidden,
 *    and the procedure starts again from 1. Cells alone in a known group are never chosen as partners.
 * Ends when no hidden cell is determined, or gives up (too detailed) when the table has more
 * hidden cells than the exact check can handle, or no cell is left to hide.
 */
import { determinedColumns, WorkBudget } from './linear-disclosure.ts';

export interface Group {
  members: readonly number[];
  /** Could the group's total be known to the reader (published by some answer)? */
  known: boolean;
}

export interface ProtectInput {
  values: readonly number[];
  groups: readonly Group[];
  /** Hidden before secondary suppression (primary cells and any the caller must hide). */
  hidden: readonly boolean[];
  /** The primary cells (kept for logs and tests; every hidden cell is checked). */
  protect: readonly boolean[];
}

export interface ProtectLimits {
  /** Largest number of hidden cells the exact check is run on. */
  maxHidden: number;
  /** Elementary operations for all exact checks of one table. */
  work: number;
}

/** About a second of work at most on a slow core, on the request's event loop. */
export const DEFAULT_PROTECT_LIMITS: ProtectLimits = { maxHidden: 400, work: 20_000_000 };

export type ProtectResult = { ok: true; hidden: boolean[] } | { ok: false; reason: string };

function smallestVisible(members: readonly number[], hidden: readonly boolean[], values: readonly number[], pinned?: readonly boolean[]): number | undefined {
  let best: number | undefined;
  for (const m of members) {
    // A pinned cell is computable whatever is hidden: useless as a partner.
    if (hidden[m] || pinned?.[m]) continue;
    const v = values[m] as number;
    if (best === undefined) {
      best = m;
      continue;
    }
    const b = values[best] as number;
    // Non-zero before zero (a hidden zero protects little), then the smallest.
    if ((b === 0 && v > 0) || (v > 0 === b > 0 && v < b)) best = m;
  }
  return best;
}

function singleGroupRule(known: readonly Group[], hidden: boolean[], values: readonly number[], pinned: readonly boolean[]): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const g of known) {
      let count = 0;
      for (const m of g.members) if (hidden[m]) count++;
      if (count !== 1) continue;
      const pick = smallestVisible(g.members, hidden, values, pinned);
      if (pick === undefined) continue;
      hidden[pick] = true;
      changed = true;
    }
  }
}

export function protectTable(input: ProtectInput, limits: ProtectLimits = DEFAULT_PROTECT_LIMITS): ProtectResult {
  const hidden = [...input.hidden];
  const known = input.groups.filter((g) => g.known);
  const pinned = input.values.map(() => false);
  // Computable whatever is hidden: alone in a known group, or in a known group whose total is zero
  // (counts are never negative, so every member is zero).
  for (const g of known) {
    const total = g.members.reduce((n, m) => n + (input.values[m] as number), 0);
    if (g.members.length === 1 || total === 0) for (const m of g.members) pinned[m] = true;
  }
  const budget = new WorkBudget(limits.work);
  for (let round = 0; round <= input.values.length; round++) {
    singleGroupRule(known, hidden, input.values, pinned);
    const columns = new Map<number, number>();
    hidden.forEach((h, i) => {
      if (h) columns.set(i, columns.size);
    });
    if (columns.size === 0) return { ok: true, hidden };
    if (columns.size > limits.maxHidden) return { ok: false, reason: `${columns.size} cells would be hidden; at most ${limits.maxHidden} can be checked` };
    const rows: number[][] = [];
    for (const g of known) {
      const cols = g.members.filter((m) => hidden[m]).map((m) => columns.get(m) as number);
      if (cols.length > 0) rows.push(cols);
    }
    // Every hidden cell, not only the protected ones: a partner that can be computed protects nothing,
    // and a reader must not be able to fill in any blank of the table.
    const targets = [...columns].map(([, col]) => col);
    const determined = determinedColumns(rows, columns.size, targets, budget);
    if (determined === undefined) return { ok: false, reason: 'the disclosure check ran out of its work budget' };
    if (determined.length === 0) return { ok: true, hidden };
    const cellOf = [...columns.keys()];
    const exposed = cellOf[determined[0] as number] as number;
    // Hide the smallest visible cell among the known groups that contain the exposed cell.
    let pick: number | undefined;
    for (const g of known) {
      if (!g.members.includes(exposed)) continue;
      const candidate = smallestVisible(g.members, hidden, input.values, pinned);
      if (candidate === undefined) continue;
      if (pick === undefined || smallestVisible([pick, candidate], [], input.values) === candidate) pick = candidate;
    }
    if (pick === undefined) return { ok: false, reason: 'a hidden cell stays computable from the margins whatever else is hidden' };
    hidden[pick] = true;
  }
  return { ok: false, reason: 'suppression did not settle' };
}
