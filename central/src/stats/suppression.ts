/**
 * Small-cell suppression for published tables: a count from 1 to threshold−1 could identify
 * people, so it is shown as null with a flag. Zero is not suppressed (nothing to identify).
 * The returning count is also suppressed when the first-time count it implies (count − returning)
 * would be small, since publishing both would give that small number away by subtraction.
 *
 * Not done (documented): complementary suppression across rows. Totals are not published, so a
 * suppressed cell cannot be recovered from a margin in this answer; a user combining several
 * answers with different groupings still could, which a statistical office must review before release.
 */
import type { StatsCell } from './registration-stats.ts';

export const PUBLICATION_THRESHOLD = 5;

export interface PublishedCell {
  keys: Record<string, string | null>;
  count: number | null;
  returning: number | null;
  suppressed: boolean;
  returningSuppressed: boolean;
}

const small = (n: number, threshold: number) => n > 0 && n < threshold;

export function publishCells(cells: readonly StatsCell[], publication: boolean, threshold = PUBLICATION_THRESHOLD): PublishedCell[] {
  return cells.map((c) => {
    if (!publication) return { ...c, suppressed: false, returningSuppressed: false };
    if (small(c.count, threshold)) {
      return { keys: c.keys, count: null, returning: null, suppressed: true, returningSuppressed: true };
    }
    const hideReturning = small(c.returning, threshold) || small(c.count - c.returning, threshold);
    return {
      keys: c.keys,
      count: c.count,
      returning: hideReturning ? null : c.returning,
      suppressed: false,
      returningSuppressed: hideReturning,
    };
  });
}
