import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thrownCode } from '@lmc/core/error-test-support.ts';
import { registerErrorHandler } from '../http/error-handler.ts';
import type { Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';
import { tempDir } from '../store/test-support.ts';
import { AdmissionGuard, type AdmissionGuardOptions, admissionHook, statfsFreeBytes } from './admission-guard.ts';
import { finalizeMany } from './test-support.ts';

const MB = 1024 * 1024;
const HOUR = 3_600_000;

const codeOf = thrownCode;

describe('admission guard', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let clock = Date.UTC(2025, 2, 10, 8);
  let free = 500 * MB;
  beforeEach(() => {
    tmp = tempDir('guard-');
    clock = Date.UTC(2025, 2, 10, 8);
    free = 500 * MB;
    store = openApplianceStore({ dataDir: tmp.dir, now: () => new Date(clock) });
  });
  afterEach(() => {
    store.close();
    tmp.remove();
  });

  const guard = (o: Partial<AdmissionGuardOptions> = {}) =>
    new AdmissionGuard({
      dataDir: tmp.dir,
      store,
      minFreeDiskMb: 200,
      maxUnsyncedHours: 72,
      centralConfigured: true,
      freeDiskBytes: () => free,
      now: () => new Date(clock),
      ...o,
    });

  it('refuses with DISK_NEARLY_FULL below minFreeDiskMb and admits again once space is freed', () => {
    free = 199 * MB;
    expect(codeOf(() => guard().check())).toBe('DISK_NEARLY_FULL');
    free = 200 * MB;
    expect(codeOf(() => guard().check())).toBeUndefined();
  });

  it('refuses with SYNC_BACKLOG_TOO_OLD when the oldest queued registration passes maxUnsyncedHours', () => {
    finalizeMany(store, 2);
    clock += 72 * HOUR;
    expect(codeOf(() => guard().check())).toBeUndefined();
    clock += HOUR;
    expect(codeOf(() => guard().check())).toBe('SYNC_BACKLOG_TOO_OLD');
    // Once the backlog is acknowledged, registrations are admitted again.
    store.outbox.markSentMany(store.outbox.pending(10).map((e) => e.seq));
    expect(codeOf(() => guard().check())).toBeUndefined();
  });

  it('ignores the backlog without a central configured or with maxUnsyncedHours 0, and ignores quarantined records', () => {
    finalizeMany(store, 1);
    clock += 1000 * HOUR;
    expect(codeOf(() => guard({ centralConfigured: false }).check())).toBeUndefined();
    expect(codeOf(() => guard({ maxUnsyncedHours: 0 }).check())).toBeUndefined();
    const [e] = store.outbox.pending(1);
    store.outbox.quarantine(e!.seq, 'central conflict: content_differs');
    expect(codeOf(() => guard().check())).toBeUndefined();
  });

  it('reads real free space of the data directory with statfs', () => {
    const bytes = statfsFreeBytes(tmp.dir);
    expect(bytes).toBeGreaterThan(0);
    expect(codeOf(() => guard({ freeDiskBytes: undefined, minFreeDiskMb: Number.MAX_SAFE_INTEGER / MB }).check())).toBe('DISK_NEARLY_FULL');
  });

  it('answers POST /api/registrations with 507/503 and an officer-readable coded body, and leaves other routes alone', async () => {
    const app = Fastify();
    registerErrorHandler(app);
    app.addHook('preHandler', admissionHook(guard()));
    let created = 0;
    app.post('/api/registrations', async (_req, reply) => reply.status(201).send({ n: ++created }));
    app.get('/api/registrations', async () => ({ items: [] }));

    free = 10 * MB;
    const full = await app.inject({ method: 'POST', url: '/api/registrations', payload: {} });
    expect(full.statusCode).toBe(507);
    expect(full.json()).toMatchObject({ statusCode: 507, code: 'DISK_NEARLY_FULL', message: expect.stringMatching(/disk is nearly full.*Call a technician/) });
    expect((await app.inject({ method: 'GET', url: '/api/registrations' })).statusCode).toBe(200);

    free = 500 * MB;
    finalizeMany(store, 1);
    clock += 100 * HOUR;
    const old = await app.inject({ method: 'POST', url: '/api/registrations', payload: {} });
    expect(old.statusCode).toBe(503);
    expect(old.json()).toMatchObject({ code: 'SYNC_BACKLOG_TOO_OLD', message: expect.stringMatching(/not reached the central database for 100 hours/) });
    expect(created).toBe(0);

    store.outbox.markSentMany(store.outbox.pending(10).map((e) => e.seq));
    expect((await app.inject({ method: 'POST', url: '/api/registrations', payload: {} })).statusCode).toBe(201);
    await app.close();
  });
});
