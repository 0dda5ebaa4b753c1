/** GET /api/v1/stats/registrations(.csv) against a real PostgreSQL cluster, data ingested through the batch route. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../../tests/support/pg-cluster.ts';
import { build, type CentralApp } from '../src/app.ts';
import type { Db } from '../src/db/db.ts';
import { migrate } from '../src/db/migrations.ts';
import { createPostgresDb } from '../src/db/postgres-db.ts';
import type { BatchRecordInput } from '../src/protocol/batch.ts';
import { makeDevice, makeRecord, sendBatch } from './fixtures.ts';

const bbr = makeDevice('bbr-01', 'BBR');
const hre = makeDevice('hre-01', 'HRE');

let cluster: PgCluster;
let db: Db;
let app: CentralApp;

const times = (n: number, f: (i: number) => BatchRecordInput) => Array.from({ length: n }, (_, i) => f(i));

beforeAll(async () => {
  cluster = await startPgCluster();
  db = createPostgresDb(cluster.url);
  await migrate(db);
  app = build({ db, devices: [bbr.config, hre.config] });
  await app.ready();
  // BBR March: 7 (3 returning; 4 men, 3 women aged 28 at finalisation).
  const bbrMarch = times(7, (i) =>
    makeRecord('BBR', { returning: i < 3, sex: i < 4 ? 'M' : 'F', birthDate: i < 4 ? '1980-06-01' : '1996-04-02' }, '2025-03-10T09:30:00+02:00'),
  );
  // BBR April: 3, one of them from a district whose name needs CSV quoting.
  const bbrApril = times(3, (i) =>
    makeRecord('BBR', { districtOfOrigin: i === 0 ? 'Mangwe, "Plumtree"' : 'Gwanda' }, '2025-04-02T08:00:00+02:00'),
  );
  // HRE March: 6, none returning. Plus one at 23:30 UTC on 31 March = 01:30 on 1 April in Harare.
  const hreMarch = times(6, () => makeRecord('HRE', {}, '2025-03-15T12:00:00+02:00'));
  const hreBoundary = makeRecord('HRE', {}, '2025-03-31T23:30:00Z');
  for (const [dev, records] of [
    [bbr, [...bbrMarch, ...bbrApril]],
    [hre, [...hreMarch, hreBoundary]],
  ] as const) {
    const { json } = await sendBatch(app, dev, [...records]);
    expect(json().stored).toHaveLength(records.length);
  }
});

afterAll(async () => {
  await app?.close();
  await db?.close();
  await cluster?.stop();
});

async function stats(query: string) {
  const res = await app.inject({ method: 'GET', url: `/api/v1/stats/registrations?${query}` });
  return res;
}

describe('registration statistics', () => {
  it('counts by office and local month, returning migrants in their own column', async () => {
    const res = await stats('groupBy=office,month');
    expect(res.statusCode).toBe(200);
    expect(res.json().rows).toEqual([
      { office: 'BBR', month: '2025-03', count: 7, returning: 3, suppressed: false, returningSuppressed: false },
      { office: 'BBR', month: '2025-04', count: 3, returning: 0, suppressed: false, returningSuppressed: false },
      { office: 'HRE', month: '2025-03', count: 6, returning: 0, suppressed: false, returningSuppressed: false },
      // 2025-03-31T23:30Z is April in Zimbabwe (UTC+2).
      { office: 'HRE', month: '2025-04', count: 1, returning: 0, suppressed: false, returningSuppressed: false },
    ]);
  });

  it('suppresses cells under 5 in publication mode, and a returning count that would reveal a small complement', async () => {
    const res = await stats('groupBy=office,month&publication=true');
    expect(res.json()).toMatchObject({ publication: true, threshold: 5 });
    expect(res.json().rows).toEqual([
      // 3 returning and 4 first-time: both small, so returning is hidden, the total is not.
      { office: 'BBR', month: '2025-03', count: 7, returning: null, suppressed: false, returningSuppressed: true },
      { office: 'BBR', month: '2025-04', count: null, returning: null, suppressed: true, returningSuppressed: true },
      { office: 'HRE', month: '2025-03', count: 6, returning: 0, suppressed: false, returningSuppressed: false },
      { office: 'HRE', month: '2025-04', count: null, returning: null, suppressed: true, returningSuppressed: true },
    ]);
  });

  it('groups by sex and five-year age group at finalisation', async () => {
    const res = await stats('groupBy=sex,ageGroup&to=2025-03-31');
    // Men born 1980-06-01 are 44 on 2025-03-10; women born 1996-04-02 are 28.
    expect(res.json().rows.map((r: Record<string, unknown>) => [r.sex, r.ageGroup, r.count])).toEqual([
      ['F', '25-29', 9],
      ['M', '40-44', 4],
    ]);
  });

  it('filters by inclusive local dates', async () => {
    const res = await stats('groupBy=office&from=2025-04-01&to=2025-04-30');
    expect(res.json().rows.map((r: Record<string, unknown>) => [r.office, r.count])).toEqual([
      ['BBR', 3],
      ['HRE', 1],
    ]);
  });

  it('gives one total row without groupBy', async () => {
    const res = await stats('');
    expect(res.json().rows).toEqual([{ count: 17, returning: 3, suppressed: false, returningSuppressed: false }]);
  });

  it('rejects an unknown dimension, a repeated one and an inverted range with 400 REQUEST_INVALID', async () => {
    for (const q of ['groupBy=office,salary', 'groupBy=office,office', 'from=2025-05-01&to=2025-04-01', 'from=yesterday']) {
      const res = await stats(q);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().code, q).toBe('REQUEST_INVALID');
    }
  });
});

describe('registration statistics as CSV', () => {
  it('exports the published table with suppressed cells empty', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/stats/registrations.csv?groupBy=office,month&publication=true' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.body).toBe(
      'office,month,count,returning,suppressed,returningSuppressed\r\n' +
        'BBR,2025-03,7,,false,true\r\n' +
        'BBR,2025-04,,,true,true\r\n' +
        'HRE,2025-03,6,0,false,false\r\n' +
        'HRE,2025-04,,,true,true\r\n',
    );
  });

  it('quotes fields holding commas and quotes per RFC 4180', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/stats/registrations.csv?groupBy=district&from=2025-04-01&to=2025-04-30' });
    expect(res.body).toBe(
      'district,count,returning,suppressed,returningSuppressed\r\n' +
        'Gwanda,3,0,false,false\r\n' +
        '"Mangwe, ""Plumtree""",1,0,false,false\r\n',
    );
  });
});
