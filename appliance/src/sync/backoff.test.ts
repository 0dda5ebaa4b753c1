import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay } from './backoff.ts';

const policy = { baseMs: 1000, maxMs: 300_000 };

describe('backoff with full jitter', () => {
  it('doubles the ceiling per attempt from the base and caps it at the maximum', () => {
    expect([0, 1, 2, 3, 8, 9, 60].map((a) => backoffCeiling(a, policy))).toEqual([1000, 2000, 4000, 8000, 256_000, 300_000, 300_000]);
  });

  it('spans the whole range from zero to just under the ceiling (full jitter)', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(4000);
    expect(backoffDelay(3, policy, () => 0.999999)).toBe(7999);
  });

  it('stays within [0, ceiling) for any attempt and any random value, even out-of-range ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 10_000 }), fc.double({ min: -1, max: 2, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(attempt, policy, () => r);
        return Number.isInteger(d) && d >= 0 && d <= backoffCeiling(attempt, policy);
      }),
    );
  });
});
