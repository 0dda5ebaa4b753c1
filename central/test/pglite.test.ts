/** The embedded default: the same migrations and ingest code on PGlite (in memory). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type CentralApp } from '../src/app.ts';
import type { Db } from '../src/db/db.ts';
import { MIGRATIONS, migrate } from '../src/db/migrations.ts';
import { createPgliteDb } from '../src/db/pglite-db.ts';
import { makeDevice, makeRecord, sendBatch } from './fixtures.ts';
import { addStaff, signIn, TEST_AUTH } from './staff.ts';

const device = makeDevice('chi-01', 'CHI');
let db: Db;
let app: CentralApp;

beforeAll(async () => {
  db = await createPgliteDb();
  app = build({ db, devices: [device.config], auth: TEST_AUTH });
});

afterAll(async () => {
  await app?.close();
  await db?.close();
});

describe('embedded PGlite default', () => {
  it('applies every migration once and records it in schema_migrations', async () => {
    expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
    const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await app.ready();
  });

  it('stores, acknowledges duplicates and records conflicts exactly as on PostgreSQL', async () => {
    const a = makeRecord('CHI', { returning: true });
    const b = makeRecord('CHI');
    expect((await sendBatch(app, device, [a, b])).json().stored).toEqual([a.id, b.id]);
    const again = await sendBatch(app, device, [a, { ...b, payload: { ...b.payload, sex: 'M' } }]);
    expect(again.json()).toMatchObject({ duplicates: [a.id], conflicts: [{ id: b.id, reason: 'content_differs' }] });

    const rows = await db.query<{ id: string; sex: string; is_returning: boolean; payload: unknown }>(
      'SELECT id, sex, is_returning, payload FROM registrations ORDER BY is_returning DESC',
    );
    expect(rows).toEqual([
      { id: a.id, sex: 'F', is_returning: true, payload: a.payload },
      { id: b.id, sex: 'F', is_returning: false, payload: b.payload },
    ]);
    expect(await db.query('SELECT reason FROM ingest_conflicts')).toEqual([{ reason: 'content_differs' }]);
  });

  it('refuses a record holding U+0000 as bad data (400), never as a 500 the appliance would retry for ever', async () => {
    const bad = makeRecord('CHI', { districtOfOrigin: 'Gwanda\u0000' });
    const { res } = await sendBatch(app, device, [bad]);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BATCH_INVALID', message: expect.stringContaining(bad.id) });
    expect(await db.query('SELECT id FROM registrations WHERE id = $1', [bad.id])).toEqual([]);
  });

  it('answers the statistics query on PGlite too', async () => {
    await addStaff(db, 'pglite-admin', 'admin');
    const cookie = await signIn(app, 'pglite-admin');
    const res = await app.inject({ method: 'GET', url: '/api/v1/stats/registrations?groupBy=office,month&publication=false', headers: { cookie } });
    expect(res.json().rows).toEqual([
      { office: 'CHI', month: '2025-03', count: 2, returning: 1, suppressed: false, returningSuppressed: false },
    ]);
  });
});
