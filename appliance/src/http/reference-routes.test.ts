import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReferenceApplier } from '../reference/apply.ts';
import { ReferenceSync } from '../reference/reference-sync.ts';
import { district, employer, occupation, openReferenceFixture, page, province, type ReferenceFixture, vacancy } from '../reference/test-support.ts';
import { registerErrorHandler } from './error-handler.ts';
import { referenceRoutes } from './reference-routes.ts';

let fx: ReferenceFixture;
let app: FastifyInstance;
let reference: ReferenceSync;

beforeEach(async () => {
  fx = openReferenceFixture();
  const now = new Date('2026-11-23T08:00:00Z');
  createReferenceApplier(fx.db).applyPage(
    page(0, [
      province('ZW-MS', 'Matabeleland South'),
      district('ZW-MS-GWANDA', 'ZW-MS', 'Gwanda'),
      district('ZW-MV-CHIREDZI', 'ZW-MV', 'Chiredzi'),
      occupation('2211', 'Generalist medical practitioners'),
      occupation('9211', 'Crop farm labourers', ['farm', 1]),
      employer('E1', 'Demo Citrus'),
      vacancy('V1', 'E1', '9211'),
      { table: 'offices', op: 'upsert', key: 'BBR', row: { code: 'BBR', name: 'Beitbridge', province_code: 'ZW-MS', district_code: null, destination_provinces: ['ZA-LP'] } },
    ]),
    { reset: false, expectedVersion: 0, now },
  );
  reference = new ReferenceSync({ db: fx.db, transport: null, pageSize: 10, pollMs: 1000, backoff: { baseMs: 10, maxMs: 100 }, unauthorisedRetryMs: 100, now: () => now });
  app = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } } });
  registerErrorHandler(app);
  await app.register(referenceRoutes, { reference });
  await app.ready();
});
afterEach(async () => {
  await app.close();
  fx.close();
});

describe('reference routes', () => {
  it('GET /api/reference/status reports the local version and when it last synced', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/reference/status' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ linkState: 'not-configured', version: 8, lagVersions: 0, lastSyncAt: '2026-11-23T08:00:00.000Z', rows: { districts: 2, offices: 1 } });
  });

  it('GET /api/reference/districts?province= filters by province', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/reference/districts?province=ZW-MS' });
    expect(res.json()).toEqual({ items: [{ code: 'ZW-MS-GWANDA', provinceCode: 'ZW-MS', name: 'Gwanda' }] });
  });

  it('GET /api/reference/occupations?q= searches, common jobs first', async () => {
    const all = await app.inject({ method: 'GET', url: '/api/reference/occupations' });
    expect(all.json().items.map((o: { iscoCode: string }) => o.iscoCode)).toEqual(['9211', '2211']);
    const q = await app.inject({ method: 'GET', url: '/api/reference/occupations?q=medical' });
    expect(q.json().items.map((o: { iscoCode: string }) => o.iscoCode)).toEqual(['2211']);
  });

  it('GET /api/reference/employers returns employers with their open vacancies', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/reference/employers?q=citrus' });
    expect(res.json().items).toMatchObject([{ employerId: 'E1', demo: true, openVacancies: [{ vacancyId: 'V1', occupationTitle: 'Crop farm labourers' }] }]);
  });

  it('GET /api/reference/offices returns offices with their destination provinces', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/reference/offices' });
    expect(res.json()).toEqual({ items: [{ code: 'BBR', name: 'Beitbridge', provinceCode: 'ZW-MS', districtCode: null, destinationProvinces: ['ZA-LP'] }] });
  });

  it('answers 400 for a bad query instead of failing', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/reference/occupations?limit=0' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BAD_REQUEST' });
    expect((await app.inject({ method: 'GET', url: `/api/reference/employers?q=${'x'.repeat(101)}` })).statusCode).toBe(400);
  });
});
