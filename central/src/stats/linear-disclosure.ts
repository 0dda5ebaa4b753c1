/**
 * Which hidden cells of a table can be computed exactly from the published margins: cell x is
 * determined when the unit vector e_x lies in the row space of the margin equations restricted to
 * the hidden cells (each known margin total minus its visible cells = the sum of its hidden cells).
 * Gaussian elimination modulo a prime, so the arithmetic is exact and fits in a double
 * (p² < 2^53). Over the rationals a determined cell is determined modulo p too (the 0/1 system's
 * denominators are not multiples of a prime this large), so the test errs, if ever, towards
 * suppressing more.
 */

const P = 1_000_003;

function mulmod(a: number, b: number): number {
  return (a * b) % P;
}

function inverse(a: number): number {
  // Fermat: a^(p-2) mod p.
  let result = 1;
  let base = a % P;
  let e = P - 2;
  while (e > 0) {
    if (e & 1) result = mulmod(result, base);
    base = mulmod(base, base);
    e = Math.floor(e / 2);
  }
  return result;
}

export class WorkBudget {
  constructor(public remaining: number) {}
  spend(n: number): boolean {
    this.remaining -= n;
    return this.remaining >= 0;
  }
}

/** Echelon basis over GF(P), one row per pivot column, built incrementally. */
class Echelon {
  readonly #rows = new Map<number, Float64Array>();
  constructor(
    private readonly width: number,
    private readonly budget: WorkBudget,
  ) {}

  /** Reduces v in place against the basis; returns the first column left non-zero, or -1. Undefined when out of budget. */
  reduce(v: Float64Array, from = 0): number | undefined {
    for (let col = from; col < this.width; col++) {
      const c = v[col] as number;
      if (c === 0) continue;
      const row = this.#rows.get(col);
      if (!row) return col;
      if (!this.budget.spend(this.width - col)) return undefined;
      for (let j = col; j < this.width; j++) {
        const r = row[j] as number;
        if (r !== 0) v[j] = ((v[j] as number) - mulmod(c, r) + P * P) % P;
      }
    }
    return -1;
  }

  /** Adds a row; false when out of budget. */
  add(v: Float64Array): boolean {
    const pivot = this.reduce(v);
    if (pivot === undefined) return false;
    if (pivot === -1) return true;
    const inv = inverse(v[pivot] as number);
    for (let j = pivot; j < this.width; j++) if (v[j] !== 0) v[j] = mulmod(v[j] as number, inv);
    this.#rows.set(pivot, v);
    return true;
  }

  get rank(): number {
    return this.#rows.size;
  }
}

/**
 * rows: each a list of column indices (coefficient 1) = one margin equation over the hidden cells.
 * Returns the targets that are determined, or undefined when the work budget ran out.
 */
export function determinedColumns(rows: readonly (readonly number[])[], width: number, targets: readonly number[], budget: WorkBudget): number[] | undefined {
  const basis = new Echelon(width, budget);
  const seen = new Set<string>();
  for (const cols of rows) {
    const key = [...cols].sort((a, b) => a - b).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const v = new Float64Array(width);
    for (const c of cols) v[c] = ((v[c] as number) + 1) % P;
    if (!budget.spend(width) || !basis.add(v)) return undefined;
  }
  const determined: number[] = [];
  for (const t of targets) {
    const v = new Float64Array(width);
    v[t] = 1;
    const left = basis.reduce(v, t);
    if (left === undefined) return undefined;
    if (left === -1) determined.push(t);
  }
  return determined;
}
