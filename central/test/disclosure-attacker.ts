/**
 * An attacker on published statistics, written independently of stats/ (floating-point
 * elimination, not the central's modular one): it asks for a table and for every coarser grouping
 * (each a margin of the table), then tries to compute each hidden cell
 * 1. by subtraction: a published margin total minus the visible cells of its group, when one cell
 *    of the group is hidden;
 * 2. by any linear combination of the margin totals (reduced row echelon form over the hidden cells).
 * It does this for the count and for the returning count. A recovery is a disclosure.
 */

export type Row = Record<string, unknown>;
/** The published answer for a grouping, or null when the central refused it (nothing learnt). */
export type FetchTable = (groupBy: readonly string[]) => Promise<Row[] | null>;

export interface Recovery {
  groupBy: readonly string[];
  column: 'count' | 'returning';
  keys: Record<string, unknown>;
  value: number;
  how: 'subtraction' | 'linear combination';
}

function properSubsets<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 0; mask < (1 << items.length) - 1; mask++) out.push(items.filter((_, i) => mask & (1 << i)));
  return out;
}

const EPS = 1e-7;

/** Unknowns determined by the equations (coefficients 0/1, right-hand sides), with their values. */
function solveDetermined(equations: ReadonlyArray<{ cols: number[]; rhs: number }>, width: number): Map<number, number> {
  const m = equations.map((e) => {
    const row = new Array<number>(width + 1).fill(0);
    for (const c of e.cols) row[c] = (row[c] as number) + 1;
    row[width] = e.rhs;
    return row;
  });
  const pivots: number[] = [];
  let r = 0;
  for (let col = 0; col < width && r < m.length; col++) {
    let best = r;
    for (let i = r + 1; i < m.length; i++) if (Math.abs(m[i]![col]!) > Math.abs(m[best]![col]!)) best = i;
    if (Math.abs(m[best]![col]!) < EPS) continue;
    [m[r], m[best]] = [m[best]!, m[r]!];
    const p = m[r]![col]!;
    for (let j = 0; j <= width; j++) m[r]![j] = m[r]![j]! / p;
    for (let i = 0; i < m.length; i++) {
      if (i === r) continue;
      const f = m[i]![col]!;
      if (Math.abs(f) < EPS) continue;
      for (let j = 0; j <= width; j++) m[i]![j] = m[i]![j]! - f * m[r]![j]!;
    }
    pivots.push(col);
    r++;
  }
  const determined = new Map<number, number>();
  pivots.forEach((col, i) => {
    const row = m[i]!;
    const alone = row.every((v, j) => j === col || j === width || Math.abs(v) < EPS);
    if (alone) determined.set(col, row[width]!);
  });
  return determined;
}

export async function attack(fetch: FetchTable, groupBy: readonly string[]): Promise<Recovery[]> {
  const table = await fetch(groupBy);
  if (!table) return [];
  const margins: Array<{ dims: string[]; rows: Row[] }> = [];
  for (const dims of properSubsets(groupBy)) {
    const rows = await fetch(dims);
    if (rows) margins.push({ dims, rows });
  }
  const recoveries: Recovery[] = [];
  for (const column of ['count', 'returning'] as const) {
    const hidden = table.map((_, i) => i).filter((i) => table[i]![column] === null);
    if (hidden.length === 0) continue;
    const col = new Map(hidden.map((cell, i) => [cell, i]));
    const equations: Array<{ cols: number[]; rhs: number }> = [];
    const bySubtraction = new Set<number>();
    for (const { dims, rows } of margins) {
      for (const m of rows) {
        const total = m[column];
        if (typeof total !== 'number') continue;
        const members = table.map((_, i) => i).filter((i) => dims.every((d) => table[i]![d] === m[d]));
        const unknown = members.filter((i) => col.has(i));
        if (unknown.length === 0) continue;
        const rhs = total - members.filter((i) => !col.has(i)).reduce((n, i) => n + (table[i]![column] as number), 0);
        if (unknown.length === 1 && !bySubtraction.has(unknown[0]!)) {
          bySubtraction.add(unknown[0]!);
          recoveries.push({ groupBy, column, keys: keysOf(table[unknown[0]!]!, groupBy), value: rhs, how: 'subtraction' });
        }
        equations.push({ cols: unknown.map((i) => col.get(i)!), rhs });
      }
    }
    for (const [c, value] of solveDetermined(equations, hidden.length)) {
      const cell = hidden[c]!;
      if (bySubtraction.has(cell)) continue;
      recoveries.push({ groupBy, column, keys: keysOf(table[cell]!, groupBy), value: Math.round(value), how: 'linear combination' });
    }
  }
  return recoveries;
}

function keysOf(row: Row, dims: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(dims.map((d) => [d, row[d]]));
}
