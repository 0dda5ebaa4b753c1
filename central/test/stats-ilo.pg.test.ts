/**
 * The ILO detail columns (education ISCED 2011, destination country, country of birth) and the indicator feed,
 * on a real PostgreSQL cluster with registrations ingested through the batch route.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { normaliseDetailStatistics } from '@lmc/protocol/statistics.ts';
import type { BatchRecordInput, RegistrationPayload } from '@lmc/protocol/batch.ts';
import { INDICATOR_COLUMNS } from '../src/stats/indicators.ts';
import { useCentralOnPg } from './central-on-pg.ts';
import { makeDevice, makeRecord, sendBatch } from './fixtures.ts';
import { addStaff, signIn, TEST_AUTH } from './staff.ts';

const bbr = makeDevice('bbr-ilo', 'BBR');
let statistician: string;

/** Odd and ordinary payloads: the SQL columns must agree with the TypeScript rule on every one. */
const EDGE_PAYLOADS: Partial<RegistrationPayload>[] = [
  { details: { education: 'secondary-o-level', countryOfBirth: 'moz', destinationProvince: 'ZA-LP' } },
  { details: { education: 'tertiary', countryOfBirth: ' ZWE ' } },
  { details: { education: 'vocational', countryOfBirth: 'ZW' }, destinationProvince: 'za-gp' },
  { details: { education: 'PhD', countryOfBirth: 42 }, destinationProvince: 'Limpopo' },
  { details: { education: '5t8' }, destinationProvince: 'BW-CE' },
  { educationIsced: '3', details: { education: 'none' }, destinationCountry: 'nam', destinationProvince: 'ZA-LP' },
  { educationIsced: '', details: { education: 'primary', destinationCountry: 'BWA' } },
  { details: null },
  { destinationProvince: 'XX-YY' },
  {},
];

const central = useCentralOnPg({ devices: [bbr.config], auth: TEST_AUTH }, async (db) => {
  await addStaff(db, 'ilo-statistician', 'statistician');
});

beforeAll(async () => {
  statistician = await signIn(central.app, 'ilo-statistician');
});

describe('ILO detail columns (migration 50)', () => {
  it('PostgreSQL computes what normaliseDetailStatistics computes, for every payload', async () => {
    const records = EDGE_PAYLOADS.map((p) => {
      const r = makeRecord('BBR', {}, '2024-05-02T10:00:00+02:00');
      // The fixture's own destinationProvince ('Limpopo') stays unless the case sets one.
      r.payload = { ...r.payload, ...p };
      return r;
    });
    expect((await sendBatch(central.app, bbr, records)).json().stored).toHaveLength(records.length);
    const rows = await central.db.query<{ id: string; education_isced: string | null; destination_country: string | null; country_of_birth: string | null }>(
      'SELECT id::text AS id, education_isced, destination_country, country_of_birth FROM registrations',
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const seen = new Set<string>();
    for (const r of records) {
      const expected = normaliseDetailStatistics(r.payload);
      const got = byId.get(r.id);
      expect({ educationIsced: got?.education_isced, destinationCountry: got?.destination_country, countryOfBirth: got?.country_of_birth }, JSON.stringify(r.payload)).toEqual(expected);
      seen.add(JSON.stringify(expected));
    }
    // The cases are not all alike: known and unknown values of each column occur.
    expect(seen.size).toBeGreaterThan(6);
    expect(rows.some((r) => r.education_isced === '2') && rows.some((r) => r.education_isced === null)).toBe(true);
    expect(rows.some((r) => r.country_of_birth === 'MOZ') && rows.some((r) => r.destination_country === 'BWA')).toBe(true);
  });
});

describe('statistics by education, destination country and country of birth; indicator feed', () => {
  const year = 2025;
  beforeAll(async () => {
    // 40 registrations in 2025: education and countries in known proportions, a few rare values (suppressed).
    const records: BatchRecordInput[] = Array.from({ length: 40 }, (_, i) =>
      makeRecord(
        'BBR',
        {
          sex: i % 2 === 0 ? 'F' : 'M',
          returning: i % 4 === 0,
          destinationProvince: i < 30 ? 'ZA-LP' : 'ZA-GP',
          details: { education: i < 20 ? 'secondary-o-level' : i < 38 ? 'primary' : 'tertiary', countryOfBirth: i < 37 ? 'ZWE' : 'MOZ' },
        },
        `${year}-0${1 + (i % 3)}-10T09:00:00+02:00`,
      ),
    );
    expect((await sendBatch(central.app, bbr, records)).json().stored).toHaveLength(40);
  });

  const stats = async (groupBy: string) => {
    const res = await central.app.inject({ url: `/api/v1/stats/registrations?groupBy=${groupBy}&year=${year}`, headers: { cookie: statistician } });
    expect(res.statusCode, res.payload).toBe(200);
    return res.json() as { rows: Array<Record<string, unknown> & { count: number | null; suppressed: boolean }> };
  };

  it('counts education as ISCED 2011 levels, small cells suppressed', async () => {
    const { rows } = await stats('education');
    const by = Object.fromEntries(rows.map((r) => [String(r.education), r]));
    expect(by['2']?.count).toBe(20);
    expect(by['5T8']).toMatchObject({ count: null, suppressed: true });
    // 40 − 20 − 18 would give the 2 tertiary away: primary is hidden as its partner.
    expect(by['1']).toMatchObject({ count: null, suppressed: true });
  });

  it('counts destination country from the province and country of birth from the details', async () => {
    expect((await stats('destinationCountry')).rows).toEqual([expect.objectContaining({ destinationCountry: 'ZAF', count: 40 })]);
    const birth = Object.fromEntries((await stats('countryOfBirth')).rows.map((r) => [String(r.countryOfBirth), r]));
    expect(birth.MOZ).toMatchObject({ count: null, suppressed: true });
    // ZWE alone would give MOZ away (40 − 37): suppressed as its partner.
    expect(birth.ZWE).toMatchObject({ suppressed: true });
  });

  it('the indicator feed holds exactly the published cells, in the documented columns', async () => {
    const res = await central.app.inject({ url: `/api/v1/stats/indicators?year=${year}`, headers: { cookie: statistician } });
    expect(res.statusCode, res.payload).toBe(200);
    const feed = res.json() as { columns: string[]; rows: Array<Record<string, unknown>>; omitted: string[] };
    expect(feed.columns).toEqual([...INDICATOR_COLUMNS]);
    // An indicator is left out exactly when the API refuses its sex × category table as too detailed to protect.
    const dimensionOf: Record<string, string> = { LMC_REG_SEX_DSTPRV_NB: 'destination', LMC_REG_SEX_EDU_NB: 'education' };
    expect(feed.omitted).not.toContain('LMC_REG_SEX_EDU_NB');
    for (const indicator of feed.omitted.filter((i) => i in dimensionOf)) {
      const refused = await central.app.inject({ url: `/api/v1/stats/registrations?groupBy=sex,${dimensionOf[indicator]}&year=${year}`, headers: { cookie: statistician } });
      expect(refused.statusCode, indicator).toBe(422);
    }
    const edu = feed.rows.filter((r) => r.indicator === 'LMC_REG_SEX_EDU_NB' && r.sex === 'SEX_T');
    const published = (await stats('education')).rows;
    expect(edu).toHaveLength(published.length);
    for (const p of published) {
      const code = p.education === '5T8' ? 'EDU_AGGREGATE_ADV' : `EDU_ISCED11_${String(p.education)}`;
      expect(edu.find((r) => r.classif1 === code)).toMatchObject({ obs_value: p.count, obs_status: p.suppressed ? 'C' : '', time: String(year), ref_area: 'ZWE' });
    }
    // Returning vs first-time for everyone: 10 of 40 returning.
    const mig = feed.rows.filter((r) => r.indicator === 'LMC_REG_SEX_MIG_NB' && r.sex === 'SEX_T');
    expect(Object.fromEntries(mig.map((r) => [r.classif1, r.obs_value]))).toEqual({ MIG_RETURNING: 10, MIG_FIRST_TIME: 30 });
    // Monthly rows carry the month as their time.
    expect(feed.rows.filter((r) => r.indicator === 'LMC_REG_OFF_MON_NB').map((r) => r.time)).toEqual(['2025-01', '2025-02', '2025-03']);

    const csv = await central.app.inject({ url: `/api/v1/stats/indicators.csv?year=${year}`, headers: { cookie: statistician } });
    expect(csv.statusCode).toBe(200);
    const lines = csv.payload.trim().split('\r\n');
    expect(lines[0]).toBe(INDICATOR_COLUMNS.join(','));
    expect(lines).toHaveLength(feed.rows.length + 1);
    expect(lines).toContain('ZWE,LMC-ADMIN,LMC_REG_SEX_EDU_NB,SEX_T,EDU_AGGREGATE_ADV,2025,,C');
  });

  it('refuses a feed without a year and anyone not signed in', async () => {
    expect((await central.app.inject({ url: '/api/v1/stats/indicators', headers: { cookie: statistician } })).statusCode).toBe(400);
    expect((await central.app.inject({ url: `/api/v1/stats/indicators?year=${year}` })).statusCode).toBe(401);
  });
});
