/** The reference change feed on real PostgreSQL (tests/support/pg-cluster.ts). */
import { describe, expect, it } from 'vitest';
import { useCentralOnPg } from '../../test/central-on-pg.ts';
import { build } from '../app.ts';
import { makeDevice } from '../../test/fixtures.ts';
import { referenceHead } from './feed.ts';
import { loadReferenceSeed } from './seed.ts';
import { REFERENCE_TABLES } from '@lmc/protocol/reference-tables.ts';
import { ADMIN_TOKEN, adminEdit, pullAll, pullPage } from './test-support.ts';

const bbr = makeDevice('bbr-01', 'BBR');
const hre = makeDevice('hre-01', 'HRE');
const stranger = makeDevice('xxx-99', 'BBR');
const asDevice = (d: typeof bbr) => ({ deviceId: d.config.deviceId, privateKey: d.privateKey });

const central = useCentralOnPg({ devices: [bbr.config, hre.config], reference: { adminToken: ADMIN_TOKEN } }, (db) => loadReferenceSeed(db, { demo: true }).then(() => undefined));

describe('reference schema', () => {
  it('declares exactly the columns the central tables have (tables.ts and schema.ts agree)', async () => {
    for (const def of REFERENCE_TABLES) {
      const cols = await central.db.query<{ column_name: string }>(
        'SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position',
        [def.sqlTable],
      );
      expect(cols.map((c) => c.column_name)).toEqual(def.columns.map((c) => c.name));
    }
  });

  it('refuses TRUNCATE, which would never reach the devices', async () => {
    await expect(central.db.exec('TRUNCATE ref_vacancies')).rejects.toThrow(/DELETE the rows instead/);
  });

  it('re-running the seed changes nothing and bumps no version', async () => {
    const before = await referenceHead(central.db);
    const again = await loadReferenceSeed(central.db, { demo: true });
    expect(again.version).toBe(before);
    expect(again.tables.every((t) => t.upserted === 0)).toBe(true);
  });
});

describe('GET /api/v1/reference', () => {
  it('gives a full copy from since=0 scoped to the device: its own officers, its destinations\u2019 vacancies', async () => {
    const { changes, toVersion } = await pullAll(central.app, asDevice(bbr));
    expect(toVersion).toBe(await referenceHead(central.db));
    const count = (t: string) => changes.filter((c) => c.table === t && c.op === 'upsert').length;
    expect(count('provinces')).toBe(10);
    expect(count('districts')).toBe(64);
    expect(count('offices')).toBe(4);
    const officers = changes.filter((c) => c.table === 'officers').map((c) => c.row?.office_code);
    expect(officers.length).toBeGreaterThan(0);
    expect(new Set(officers)).toEqual(new Set(['BBR']));
    // BBR serves ZA-LP only: the Mpumalanga demo vacancy stays at the centre.
    const vacancies = changes.filter((c) => c.table === 'vacancies').map((c) => c.row?.destination_province);
    expect(new Set(vacancies)).toEqual(new Set(['ZA-LP']));
    const harare = await pullAll(central.app, asDevice(hre));
    expect(harare.changes.some((c) => c.table === 'vacancies' && c.row?.destination_province === 'ZA-MP')).toBe(true);
    expect(new Set(harare.changes.filter((c) => c.table === 'officers').map((c) => c.row?.office_code))).toEqual(new Set(['HRE']));
    const bricklayer = changes.find((c) => c.table === 'occupations' && c.key === '7112');
    expect(bricklayer?.row).toEqual({
      isco_code: '7112',
      title: 'Bricklayers and related workers',
      level: 4,
      parent_code: '711',
      common_sector: 'construction',
      common_rank: expect.any(Number),
    });
  });

  it('pages in bounded, contiguous steps that together equal one full read', async () => {
    const whole = await pullAll(central.app, asDevice(bbr), 0, 2000);
    const paged = await pullAll(central.app, asDevice(bbr), 0, 37);
    expect(paged.pages.length).toBeGreaterThan(3);
    for (const p of paged.pages) expect(p.changes.length).toBeLessThanOrEqual(37);
    for (const [i, p] of paged.pages.entries()) {
      if (i > 0) expect(p.fromVersion).toBe(paged.pages[i - 1]!.toVersion);
      expect(p.complete).toBe(i === paged.pages.length - 1);
    }
    expect(paged.changes).toEqual(whole.changes);
    expect(paged.toVersion).toBe(whole.toVersion);
  });

  it('sends only what changed since the device\u2019s version: an update, then a delete as a tombstone', async () => {
    const start = (await pullAll(central.app, asDevice(bbr))).toVersion;
    const empty = await pullAll(central.app, asDevice(bbr), start);
    expect(empty.changes).toEqual([]);
    expect(empty.toVersion).toBe(start);

    const employer = { employer_id: 'DEMO-EMP-002', name: 'Demo Limpopo Valley Tomato Growers (renamed, fictional)', country: 'ZA', province: 'ZA-LP', town: 'Musina', sector: 'farm', demo: true };
    const up = await adminEdit(central.app, 'employers', { upsert: [employer] });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toMatchObject({ upserted: 1, unchanged: 0, deleted: 0 });
    const del = await adminEdit(central.app, 'vacancies', { delete: ['DEMO-VAC-004'] });
    expect(del.json()).toMatchObject({ deleted: 1 });

    const next = await pullAll(central.app, asDevice(bbr), start);
    expect(next.changes.map(({ table, op, key, row }) => ({ table, op, key, row }))).toEqual([
      // The #17 recruitment columns travel too, null when not given.
      { table: 'employers', op: 'upsert', key: 'DEMO-EMP-002', row: { ...employer, sa_registration_no: null, contact_name: null, contact_phone: null, contact_email: null, compliance_status: null } },
      { table: 'vacancies', op: 'delete', key: 'DEMO-VAC-004', row: null },
    ]);
    expect(next.toVersion).toBeGreaterThan(start);
  });

  it('leaves a tombstone in the old scope when an officer moves office', async () => {
    const bbrAt = (await pullAll(central.app, asDevice(bbr))).toVersion;
    const hreAt = (await pullAll(central.app, asDevice(hre))).toVersion;
    const moved = { officer_id: 'demo-bbr-1', office_code: 'HRE', display_name: 'Demo Officer BBR 1 (fictional)', role: 'officer', active: true };
    expect((await adminEdit(central.app, 'officers', { upsert: [moved] })).statusCode).toBe(200);
    const atBbr = await pullAll(central.app, asDevice(bbr), bbrAt);
    expect(atBbr.changes.map((c) => [c.table, c.op, c.key])).toEqual([['officers', 'delete', 'demo-bbr-1']]);
    const atHre = await pullAll(central.app, asDevice(hre), hreAt);
    expect(atHre.changes.map((c) => [c.table, c.op, c.key, c.row?.office_code])).toEqual([['officers', 'upsert', 'demo-bbr-1', 'HRE']]);
  });

  it('answers gzip when accepted, plain JSON otherwise', async () => {
    const zipped = await pullPage(central.app, asDevice(bbr), 0, { limit: 10 });
    expect(zipped.res.headers['content-encoding']).toBe('gzip');
    expect(zipped.page().changes).toHaveLength(10);
    const plain = await pullPage(central.app, asDevice(bbr), 0, { limit: 10, gzip: false });
    expect(plain.res.headers['content-encoding']).toBeUndefined();
    expect(plain.page().changes).toEqual(zipped.page().changes);
  });

  it('tells a device whose version the centre never issued to start over (toVersion below fromVersion)', async () => {
    const head = await referenceHead(central.db);
    const { page } = await pullPage(central.app, asDevice(bbr), head + 1000);
    expect(page().toVersion).toBe(head);
    expect(page().toVersion).toBeLessThan(page().fromVersion);
  });

  it('makes a second reference writer wait until the first commits, so versions become visible in order', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedP = new Promise<void>((r) => (inserted = r));
    const first = central.db.transaction(async (tx) => {
      await tx.query("INSERT INTO ref_provinces (code, name) VALUES ('ZZ-A', 'Test A')");
      inserted();
      await held;
    });
    await insertedP;
    const second = central.db.transaction(async (tx) => {
      await tx.query("SET LOCAL lock_timeout = '300ms'");
      await tx.query("INSERT INTO ref_provinces (code, name) VALUES ('ZZ-B', 'Test B')");
    });
    await expect(second).rejects.toMatchObject({ code: '55P03' });
    release();
    await first;
    await central.db.query("DELETE FROM ref_provinces WHERE code = 'ZZ-A'");
  });
});

describe('device authentication of the feed', () => {
  it('refuses a request signed with another device\u2019s key: 401 DEVICE_AUTH_FAILED', async () => {
    const { res } = await pullPage(central.app, asDevice(bbr), 0, { signWith: hre.privateKey });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'DEVICE_AUTH_FAILED' });
  });

  it('refuses a query string other than the one signed', async () => {
    const { res } = await pullPage(central.app, asDevice(bbr), 5, { sendQuery: 'since=0' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'DEVICE_AUTH_FAILED' });
  });

  it('refuses a correctly signed request from outside the clock-skew window, and gives the central time', async () => {
    const { res } = await pullPage(central.app, asDevice(bbr), 0, { timestamp: Date.now() - 10 * 60_000 });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'REFERENCE_CLOCK_SKEW' });
    expect(Math.abs(Date.parse(String(res.headers.date)) - Date.now())).toBeLessThan(5000);
    const ahead = await pullPage(central.app, asDevice(bbr), 0, { timestamp: Date.now() + 10 * 60_000 });
    expect(ahead.res.json()).toMatchObject({ code: 'REFERENCE_CLOCK_SKEW' });
  });

  it('refuses an unknown device with the same answer as a bad signature, and a request without the signature headers', async () => {
    const unknown = await pullPage(central.app, asDevice(stranger), 0);
    const forged = await pullPage(central.app, asDevice(bbr), 0, { signWith: hre.privateKey });
    expect(unknown.res.statusCode).toBe(401);
    expect(unknown.res.json()).toEqual(forged.res.json());
    const bare = await central.app.inject({ method: 'GET', url: '/api/v1/reference?since=0' });
    expect(bare.statusCode).toBe(401);
    expect(bare.json()).toMatchObject({ code: 'AUTH_MISSING' });
  });
});

describe('POST /api/v1/admin/reference/:table', () => {
  it('refuses a missing or wrong admin token', async () => {
    expect((await adminEdit(central.app, 'employers', { upsert: [] }, 'wrong')).json()).toMatchObject({ code: 'AUTH_REQUIRED' });
    const none = await central.app.inject({ method: 'POST', url: '/api/v1/admin/reference/employers', payload: {} });
    expect(none.statusCode).toBe(401);
  });

  it('refuses invalid rows with 400 and changes nothing', async () => {
    const before = await referenceHead(central.db);
    const good = { employer_id: 'X-1', name: 'X', country: 'ZA', province: 'ZA-LP', town: null, sector: 'farm', demo: true };
    const res = await adminEdit(central.app, 'employers', { upsert: [good, { ...good, employer_id: 'X-2', demo: 'yes' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REFERENCE_ROWS_INVALID' });
    const check = await adminEdit(central.app, 'employers', { upsert: [good, { ...good, employer_id: 'X-3', country: 'South Africa' }] });
    expect(check.statusCode).toBe(400);
    expect(await referenceHead(central.db)).toBe(before);
    expect(await central.db.query("SELECT 1 FROM ref_employers WHERE employer_id LIKE 'X-%'")).toEqual([]);
  });

  it('refuses with 409 a delete that would orphan vacancies, and 404 an unknown table', async () => {
    const res = await adminEdit(central.app, 'employers', { delete: ['DEMO-EMP-001'] });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'REFERENCE_CONFLICT' });
    expect((await adminEdit(central.app, 'passports', { upsert: [] })).statusCode).toBe(404);
  });

  it('takes no bearer token when none is configured (an admin session is then the only way)', async () => {
    const bare = build({ db: central.db, devices: [] });
    try {
      const res = await adminEdit(bare, 'employers', { upsert: [] });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'AUTH_REQUIRED' });
    } finally {
      await bare.close();
    }
  });
});
