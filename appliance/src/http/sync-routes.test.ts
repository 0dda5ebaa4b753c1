import { createPublicKey } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.ts';
import type { Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';
import { tempDir } from '../store/test-support.ts';
import { SyncFeature } from '../sync/sync-feature.ts';
import { loadOrCreateIdentity } from '../keys/identity.ts';
import { finalizeMany, ScriptedCentral } from '../sync/test-support.ts';
import { registerErrorHandler } from './error-handler.ts';
import { accessHook } from './access.ts';
import { syncRoutes } from './sync-routes.ts';

const central = { url: '', connectTimeoutMs: 1000, responseTimeoutMs: 1000 };
const sync = {
  batchMaxRecords: 50,
  batchMaxBytes: 1024 * 1024,
  idlePollMs: 60_000,
  backoffBaseMs: 100,
  backoffMaxMs: 1000,
  unauthorisedRetryMs: 60_000,
  retentionDays: 90,
  minFreeDiskMb: 0,
  maxUnsyncedHours: 72,
};

/**
 * Stands in for the auth plugin (a seam we own): the session officer comes from a test header here,
 * from the session cookie in the real app (covered by appliance/src/auth/auth.test.ts).
 */
/** The real access guard, with the officer taken from a test header instead of a session cookie. */
function actAsSessionOfficer(app: FastifyInstance): void {
  app.decorateRequest('officer', null);
  app.addHook(
    'onRequest',
    accessHook({
      resolveOfficer: (request) => {
        const raw = request.headers['x-test-officer'];
        if (typeof raw !== 'string') return null;
        const [officerId = '', role = 'officer'] = raw.split(':');
        return { officerId, displayName: officerId, role: role as 'officer' | 'supervisor' | 'technician' };
      },
    }),
  );
}

describe('sync routes', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let app: FastifyInstance;
  let feature: SyncFeature;
  beforeEach(async () => {
    tmp = tempDir('sync-routes-');
    store = openApplianceStore({ dataDir: tmp.dir });
    feature = new SyncFeature({ dataDir: tmp.dir, central, sync, store, bus: new EventBus(), transport: null });
    app = Fastify();
    registerErrorHandler(app);
    actAsSessionOfficer(app);
    await app.register(syncRoutes, { sync: feature });
  });
  afterEach(async () => {
    await app.close();
    await feature.stop();
    store.close();
    tmp.remove();
  });

  it('GET /api/sync reports the queue, link state and the identity to enrol at the central', async () => {
    finalizeMany(store, 3);
    const res = await app.inject({ method: 'GET', url: '/api/sync', headers: { 'x-test-officer': 'BBR-017:officer' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toMatchObject({ linkState: 'not-configured', queueDepth: 3, quarantined: 0, deviceId: feature.identity.deviceId });
    expect(body.device.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(JSON.stringify(body)).not.toMatch(/PRIVATE KEY/);
  });

  it('lists quarantined records without personal data and lets a technician put one back in the queue', async () => {
    const [id] = finalizeMany(store, 2);
    const [event] = store.outbox.pending(1);
    store.outbox.quarantine(event!.seq, 'central conflict: content_differs');

    const list = await app.inject({ method: 'GET', url: '/api/sync/quarantine', headers: { 'x-test-officer': 'BBR-017:officer' } });
    expect(list.json()).toMatchObject({ total: 1, items: [{ seq: event!.seq, registrationId: id, reason: 'central conflict: content_differs' }] });
    expect(list.body).not.toContain('ERIKSSON');

    const retry = await app.inject({ method: 'POST', url: `/api/sync/quarantine/${event!.seq}/retry`, headers: { 'x-test-officer': 'tech-1:technician' } });
    expect(retry.statusCode).toBe(200);
    expect(store.outbox.quarantinedCount()).toBe(0);
    expect(store.outbox.depth()).toBe(2);
    expect(store.audit.forEntity('registration', id!).at(-1)).toMatchObject({ actor: 'tech-1', action: 'sync.quarantine_retry' });

    const again = await app.inject({ method: 'POST', url: `/api/sync/quarantine/${event!.seq}/retry`, headers: { 'x-test-officer': 'tech-1:technician' } });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('NOT_FOUND');
  });

  it('retries a quarantined record through the relay once the central accepts it', async () => {
    // The relay signs with the identity on disk; the fake central checks against its public key.
    const fake = new ScriptedCentral(createPublicKey(loadOrCreateIdentity(tmp.dir).publicKeyPem));
    await feature.stop();
    feature = new SyncFeature({ dataDir: tmp.dir, central, sync, store, bus: new EventBus(), transport: fake });
    const [id] = finalizeMany(store, 1);
    store.outbox.quarantine(store.outbox.pending(1)[0]!.seq, 'central rejected the record: 400 BATCH_INVALID: x');
    await feature.start();
    const routes = Fastify();
    registerErrorHandler(routes);
    actAsSessionOfficer(routes);
    await routes.register(syncRoutes, { sync: feature });
    const seq = store.outbox.quarantined(1)[0]!.seq;
    const asOfficer = await routes.inject({ method: 'POST', url: `/api/sync/quarantine/${seq}/retry`, headers: { 'x-test-officer': 'BBR-017:officer' } });
    expect(asOfficer.statusCode).toBe(403);
    expect((await routes.inject({ method: 'POST', url: `/api/sync/quarantine/${seq}/retry` })).statusCode).toBe(401);
    expect(
      (await routes.inject({ method: 'POST', url: `/api/sync/quarantine/${seq}/retry`, headers: { 'x-test-officer': 'sup-1:supervisor' } })).statusCode,
    ).toBe(200);
    await expect.poll(() => fake.held.has(id!), { timeout: 5000 }).toBe(true);
    await expect.poll(() => store.outbox.depth(), { timeout: 5000 }).toBe(0);
    await routes.close();
  });
});
