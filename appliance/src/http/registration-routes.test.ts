import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import { generateMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { build } from '../app.ts';
import { TEST_AUTH, TEST_OFFICER, signInInject } from '../auth/test-support.ts';
import { ScanCache } from '../devices/scan-cache.ts';
import { type BusEvents, EventBus } from '../events/event-bus.ts';
import { createStore, migrate, openDatabase, type Store } from '../store/index.ts';
import { MIGRATIONS, openApplianceStore } from '../schema.ts';

const PASSPORT = generateMrz({
  format: 'TD3', documentCode: 'P', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FN123456',
  surname: 'MOYO', givenNames: 'TENDAI', sex: 'M', birthDate: '950314', expiryDate: '300101',
});
const NOW = new Date('2026-11-23T10:00:00Z');
/** Finalizing needs the details with consent (registrations-details/); the reference copy is empty here, so any codes do. */
const DETAILS = {
  homeProvince: 'ZW-MS', homeDistrict: 'ZW-MS-BEITBRIDGE', education: 'primary', occupationIsco: '9211',
  nextOfKin: { name: 'Rudo Moyo', relationship: 'spouse' }, language: 'en',
  consent: { given: true, language: 'en', readAt: '2026-11-23T09:59:00Z' },
};

describe('registration API (inject)', () => {
  let store: Store;
  let app: FastifyInstance;
  let bus: EventBus;
  let scans: ScanCache;
  let cookie: string;
  /** Every call carries the session cookie of a real sign-in. */
  const inject = (opts: InjectOptions) => app.inject({ ...opts, headers: { ...opts.headers, cookie } });
  const events: Array<BusEvents['registration.changed']> = [];

  beforeEach(async () => {
    store = openApplianceStore({ dataDir: mkdtempSync(join(tmpdir(), 'api-')) });
    bus = new EventBus();
    scans = new ScanCache();
    events.length = 0;
    bus.subscribe('registration.changed', (e) => events.push(e));
    app = await build({ store, bus, scans, officeCode: 'BBR', now: () => NOW, auth: TEST_AUTH });
    cookie = await signInInject(app);
  });
  afterEach(async () => {
    await app.close();
    store.close();
  });

  const create = async (officerId = 'BBR-017') => {
    const res = await inject({ method: 'POST', url: '/api/registrations', payload: { officerId } });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; status: string; officeCode: string };
  };

  it('walks a registration from draft to captured to finalized and publishes each change', async () => {
    const draft = await create('SOMEONE-ELSE');
    // The officer is the session's, whatever the body claims.
    expect(draft).toMatchObject({ status: 'draft', officeCode: 'BBR', officerId: TEST_OFFICER.officerId });
    const attached = await inject({ method: 'PUT', url: `/api/registrations/${draft.id}/document`, payload: { lines: PASSPORT } });
    expect(attached.statusCode).toBe(200);
    expect(attached.json()).toMatchObject({
      registration: { status: 'captured', document: { documentNumber: 'FN123456', surname: 'MOYO', valid: true } },
      document: { format: 'TD3', birthDate: '1995-03-14', expiryDate: '2030-01-01' },
      previousRegistrations: [],
    });
    const early = await inject({ method: 'POST', url: `/api/registrations/${draft.id}/finalize` });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ code: 'REGISTRATION_INCOMPLETE' });
    expect((await inject({ method: 'PUT', url: `/api/registrations/${draft.id}/details`, payload: DETAILS })).statusCode).toBe(200);
    const fin = await inject({ method: 'POST', url: `/api/registrations/${draft.id}/finalize` });
    expect(fin.statusCode).toBe(200);
    expect(fin.json()).toMatchObject({ status: 'finalized' });
    expect(events.map((e) => e.change)).toEqual(['created', 'document-attached', 'finalized']);
    expect(store.outbox.depth()).toBe(1);
    const read = await inject({ method: 'GET', url: `/api/registrations/${draft.id}` });
    expect(read.json()).toMatchObject({ id: draft.id, status: 'finalized', document: { nationality: 'ZWE' } });
  });

  it('attaches a scan by its id and points to earlier registrations of the same passport', async () => {
    const first = await create();
    await inject({ method: 'PUT', url: `/api/registrations/${first.id}/document`, payload: { lines: PASSPORT } });
    await inject({ method: 'PUT', url: `/api/registrations/${first.id}/details`, payload: DETAILS });
    expect((await inject({ method: 'POST', url: `/api/registrations/${first.id}/finalize` })).statusCode).toBe(200);
    const scanId = '6f1c7a52-3f5e-4a61-9d8e-2b7e4f0f9a10';
    scans.add({ scanId, at: NOW.toISOString(), lines: PASSPORT, framing: 'stx-etx', document: null, receivedAt: 0 });
    const second = await create();
    const res = await inject({ method: 'PUT', url: `/api/registrations/${second.id}/document`, payload: { scanId } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ previousRegistrations: [first.id] });
  });

  it('keeps a tampered MRZ visible as invalid and refuses to finalize it', async () => {
    const draft = await create();
    const tampered = [PASSPORT[0] as string, `FN123457${(PASSPORT[1] as string).slice(8)}`];
    const res = await inject({ method: 'PUT', url: `/api/registrations/${draft.id}/document`, payload: { lines: tampered } });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { document: { valid: boolean; warnings: Array<{ code: string; field?: string }> } };
    expect(body.document.valid).toBe(false);
    expect(body.document.warnings).toContainEqual(expect.objectContaining({ code: 'CHECK_DIGIT_FAILED' }));
    const fin = await inject({ method: 'POST', url: `/api/registrations/${draft.id}/finalize` });
    expect(fin.statusCode).toBe(422);
    expect(fin.json()).toMatchObject({ code: 'DOCUMENT_CHECK_FAILED' });
    expect(store.outbox.depth()).toBe(0);
  });

  it('answers bad input with 400 and a message that says what is wrong, never 500', async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['POST', '/api/registrations', { officerId: 'x'.repeat(100) }, /officerId/],
      ['GET', '/api/registrations/not-a-uuid', undefined, /id/],
      ['GET', '/api/registrations?limit=5000', undefined, /limit/],
    ];
    for (const [method, url, payload, message] of cases) {
      const res = await inject({ method: method as 'GET', url, ...(payload ? { payload: payload as object } : {}) });
      expect(res.statusCode, url).toBe(400);
      expect((res.json() as { message: string }).message).toMatch(message);
    }
    const draft = await create();
    const garbage = await inject({ method: 'PUT', url: `/api/registrations/${draft.id}/document`, payload: { lines: ['HELLO', 'WORLD'] } });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json()).toMatchObject({ code: expect.stringMatching(/^MRZ_/) });
    const notJson = await inject({ method: 'POST', url: '/api/registrations', headers: { 'content-type': 'application/json' }, payload: '{"officerId":' });
    expect(notJson.statusCode).toBe(400);
    const unknownScan = await inject({ method: 'PUT', url: `/api/registrations/${draft.id}/document`, payload: { scanId: '00000000-0000-4000-8000-000000000000' } });
    expect(unknownScan.statusCode).toBe(404);
    expect((unknownScan.json() as { message: string }).message).toMatch(/place the passport/);
    const missing = await inject({ method: 'GET', url: '/api/registrations/00000000-0000-4000-8000-000000000000' });
    expect(missing.statusCode).toBe(404);
  });

  it('pages through registrations newest first without repeats', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await create(`officer-${i}`)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await inject({ method: 'GET', url: `/api/registrations?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}` });
      expect(res.statusCode).toBe(200);
      const page = res.json() as { items: Array<{ id: string }>; nextCursor: string | null };
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('serves OpenAPI at /docs and health with the store state', async () => {
    const spec = await inject({ method: 'GET', url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    expect(Object.keys((spec.json() as { paths: object }).paths)).toEqual(
      expect.arrayContaining(['/api/registrations', '/api/registrations/{id}', '/api/registrations/{id}/document', '/healthz']),
    );
    expect((await inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
    const health = await inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', store: { ok: true, walMode: true }, devices: [] });
  });
});

describe('registration API when the disk is full', () => {
  it('answers 507 with a clear message and stores no partial registration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-full-'));
    const db = openDatabase(join(dir, 'appliance.db'), dir, createLogger('test'));
    migrate(db, MIGRATIONS, createLogger('test'), () => NOW);
    const store = createStore(db, { path: join(dir, 'appliance.db'), logger: createLogger('test'), now: () => NOW });
    const app = await build({ store, bus: new EventBus(), scans: new ScanCache(), officeCode: 'BBR', now: () => NOW, auth: TEST_AUTH });
    const cookie = await signInInject(app);
    const inject = (opts: InjectOptions) => app.inject({ ...opts, headers: { ...opts.headers, cookie } });
    try {
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages + 2}`);
      let full: { statusCode: number; body: string } | undefined;
      for (let i = 0; i < 500 && !full; i++) {
        const res = await inject({ method: 'POST', url: '/api/registrations', payload: { officerId: `o${i}` } });
        if (res.statusCode !== 201) {
          full = res;
          break;
        }
        const { id } = res.json() as { id: string };
        const attached = await inject({ method: 'PUT', url: `/api/registrations/${id}/document`, payload: { lines: PASSPORT } });
        if (attached.statusCode !== 200) {
          full = attached;
          break;
        }
        const detailed = await inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: DETAILS });
        if (detailed.statusCode !== 200) {
          full = detailed;
          break;
        }
        const fin = await inject({ method: 'POST', url: `/api/registrations/${id}/finalize` });
        if (fin.statusCode !== 200) full = fin;
      }
      expect(full?.statusCode).toBe(507);
      expect(JSON.parse(full?.body ?? '{}')).toMatchObject({ code: 'STORE_DISK_FULL', message: expect.stringMatching(/disk is full/i) });
      expect(store.integrityCheck()).toBe('ok');
      const orphans = db
        .prepare(`SELECT count(*) AS n FROM registrations r LEFT JOIN outbox o ON o.registration_id = r.id WHERE r.status = 'finalized' AND o.seq IS NULL`)
        .get() as { n: number };
      expect(orphans.n).toBe(0);
    } finally {
      await app.close();
      store.close();
    }
  });
});
