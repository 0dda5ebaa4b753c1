import { describe, expect, it } from 'vitest';
import { normaliseStatistics } from './statistics.ts';
import { EMPTY_STATISTICS as EMPTY, STATISTICS_CASES } from './statistics-test-support.ts';

describe('statistics normalisation (one rule for the appliance and the central)', () => {
  it.each(STATISTICS_CASES.map((c) => [c.field, JSON.stringify(c.input) ?? String(c.input), c.expected, c.input] as const))(
    '%s %s → %j',
    (field, _shown, expected, input) => {
      // Only the field given is set; every other field is unknown.
      expect(normaliseStatistics({ [field]: input })).toEqual({ ...EMPTY, [field]: expected });
    },
  );

  it('is idempotent: what the appliance sends extracts to itself at the centre', () => {
    for (const c of STATISTICS_CASES) {
      const once = normaliseStatistics({ [c.field]: c.input });
      expect(normaliseStatistics(once), `${c.field} ${String(c.input)}`).toEqual(once);
    }
  });

  it('knows nothing of an empty input', () => {
    expect(normaliseStatistics({})).toEqual(EMPTY);
  });
});
