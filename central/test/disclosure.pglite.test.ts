/**
 * The attacker of disclosure-attacker.ts against the real statistics routes (a statistician's
 * session, PGlite holding 360 synthetic registrations for 2025 with many small groups): no hidden
 * cell of any answer can be computed from the answers for its margins. The same attacker against the
 * old behaviour (cells under 5 hidden, nothing else) recovers cells, which shows it is a real check.
 */
import { describe, expect, it } from 'vitest';
import { DIMENSION_NAMES } from '../src/stats/registration-stats.ts';
import { useCentralOnPglite, useStaffSessions } from './central-on-pg.ts';
import { attack, type FetchTable, type Row } from './disclosure-attacker.ts';
import { syntheticRegistrations } from './synthetic-registrations.ts';
import { TEST_AUTH } from './staff.ts';

const central = useCentralOnPglite({ devices: [], auth: TEST_AUTH }, async (db) => {
  await db.query("INSERT INTO devices (device_id, office_code, public_key_pem) VALUES ('synthetic', 'BBR', 'none')");
  await db.query(
    `INSERT INTO registrations (id, device_id, office_code, finalized_at, batch_id, content_hash, payload, sex, birth_date, nationality,
                                district_of_origin, occupation_isco, destination_province, employer_id, is_returning)
     SELECT gen_random_uuid(), 'synthetic', r.office, r.finalized_at, gen_random_uuid(), repeat('0', 64), '{}'::jsonb, r.sex, r.birth_date,
            r.nationality, r.district, r.occupation, r.destination, r.employer, r.is_returning
       FROM jsonb_to_recordset($1::text::jsonb) AS r(office text, finalized_at timestamptz, sex text, birth_date date, nationality text,
                                                    district text, occupation text, destination text, employer text, is_returning boolean)`,
    [JSON.stringify(syntheticRegistrations(360, 20250601))],
  );
});
const staff = useStaffSessions(central, { statistician: ['analyst', 'statistician'], admin: ['root', 'admin'] });

const query = (groupBy: readonly string[]) => (groupBy.length ? `&groupBy=${groupBy.join(',')}` : '');

/** What a statistician is served. */
const published: FetchTable = async (groupBy) => {
  const res = await central.app.inject({ method: 'GET', url: `/api/v1/stats/registrations?year=2025${query(groupBy)}`, headers: { cookie: staff.statistician } });
  if (res.statusCode === 422) return null;
  if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.payload}`);
  return (res.json() as { rows: Row[] }).rows;
};

/** The old publication mode: cells under 5 hidden, returning hidden when it or its complement is under 5, nothing else. */
const primaryOnly: FetchTable = async (groupBy) => {
  const res = await central.app.inject({ method: 'GET', url: `/api/v1/stats/registrations?year=2025&publication=false${query(groupBy)}`, headers: { cookie: staff.admin } });
  const small = (n: number) => n > 0 && n < 5;
  return (res.json() as { rows: Row[] }).rows.map((r) => {
    const n = r.count as number;
    const ret = r.returning as number;
    return { ...r, count: small(n) ? null : n, returning: small(n) || small(ret) || small(n - ret) ? null : ret };
  });
};

const pairs = DIMENSION_NAMES.flatMap((a, i) => DIMENSION_NAMES.slice(i + 1).map((b) => [a, b]));
const triples = [
  ['office', 'month', 'sex'],
  ['district', 'occupation', 'sex'],
  ['office', 'sex', 'ageGroup'],
  ['destination', 'employer', 'nationality'],
];

describe('published statistics against a differencing attacker', () => {
  it('the attacker recovers hidden cells from the old suppression (cells under 5 only)', async () => {
    const found = (await attack(primaryOnly, ['office', 'sex'])).concat(await attack(primaryOnly, ['district', 'occupation']));
    expect(found.length).toBeGreaterThan(0);
    expect(found.some((r) => r.how === 'subtraction')).toBe(true);
  });

  it('recovers nothing from any grouping by one, two or three dimensions, and no visible count is from 1 to 4', async () => {
    const groupings = [...DIMENSION_NAMES.map((d) => [d]), ...pairs, ...triples];
    let hiddenCells = 0;
    let refused = 0;
    for (const groupBy of groupings) {
      const rows = await published(groupBy);
      if (rows === null) refused++;
      for (const r of rows ?? []) {
        if (typeof r.count === 'number' && r.count > 0) expect(r.count, groupBy.join(',')).toBeGreaterThanOrEqual(5);
        if (r.count === null) hiddenCells++;
      }
      expect(await attack(published, groupBy), groupBy.join(',')).toEqual([]);
    }
    // The data has small groups to protect, and most tables are answered: the check is not vacuous.
    expect(hiddenCells).toBeGreaterThan(50);
    expect(refused).toBeLessThan(groupings.length / 4);
  }, 300_000);

  it('grouping on all nine dimensions, one row per person, is refused or fully protected', async () => {
    const rows = await published(DIMENSION_NAMES);
    if (rows !== null) {
      for (const r of rows) if (typeof r.count === 'number' && r.count > 0) expect(r.count).toBeGreaterThanOrEqual(5);
    }
    const res = await central.app.inject({ method: 'GET', url: `/api/v1/stats/registrations?year=2025${query(DIMENSION_NAMES)}`, headers: { cookie: staff.statistician } });
    expect([200, 422]).toContain(res.statusCode);
    if (res.statusCode === 422) expect(res.json().code).toBe('STATS_TOO_DETAILED');
  });
});
