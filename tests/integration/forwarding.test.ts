/**
 * Store-and-forward end to end: the appliance's relay (real SQLite, real undici client, signed
 * gzip batches, TLS pinned to the central's certificate, answers checked against the central's key)
 * → a TCP proxy emulating the border post's link → the central receiver (build(), HTTPS on loopback)
 * → real PostgreSQL. Outages, a kill -9 between the central's commit and
 * the local "sent" mark, and records the central refuses.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CentralApp } from '@lmc/central/app.ts';
import type { Db } from '@lmc/central/db/db.ts';
import { BATCH_PATH, encodeBatch } from '@lmc/protocol/batch.ts';
import { EventBus } from '@lmc/appliance/events/event-bus.ts';
import { type ApplianceIdentity, loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import type { Store } from '@lmc/appliance/store/index.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { passport } from '@lmc/appliance/store/test-support.ts';
import { CentralClient } from '@lmc/appliance/sync/central-client.ts';
import { OutboxRelay } from '@lmc/appliance/sync/outbox-relay.ts';
import { SyncFeature } from '@lmc/appliance/sync/sync-feature.ts';
import { finalizeMany } from '@lmc/appliance/sync/test-support.ts';
import { type ForwardingRig, startForwardingRig } from '../support/forwarding-rig.ts';
import type { TcpProxy } from '../support/tcp-proxy.ts';
import type { LinkTrust, } from '../support/link-trust.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const syncConfig = {
  batchMaxRecords: 25,
  batchMaxBytes: 256 * 1024,
  idlePollMs: 100,
  backoffBaseMs: 50,
  backoffMaxMs: 400,
  unauthorisedRetryMs: 1000,
  retentionDays: 90,
  minFreeDiskMb: 0,
  maxUnsyncedHours: 72,
  // The shipped window (4 batches pipelined on one connection). It once opened a second connection after the outage:
  // an undici Pool drops a client whose connect failed while that client still reconnects for its queued batches.
};

let rig: ForwardingRig | undefined;
let db: Db;
let central: CentralApp;
let proxy: TcpProxy;
let dataDir: string;
let store: Store;
let identity: ApplianceIdentity;
let bus: EventBus;
let feature: SyncFeature | undefined;
let trust: LinkTrust;

function startFeature(): SyncFeature {
  const f = new SyncFeature({
    dataDir,
    central: { url: proxy.httpsUrl, connectTimeoutMs: 1000, responseTimeoutMs: 500 },
    sync: syncConfig,
    store,
    bus,
  });
  void f.start();
  return f;
}

async function centralRows(): Promise<{ n: number; distinct: number }> {
  const [row] = await db.query<{ n: number; distinct: number }>(
    'SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM registrations WHERE device_id = $1',
    [identity.deviceId],
  );
  return row ?? { n: -1, distinct: -1 };
}

beforeAll(async () => {
  rig = await startForwardingRig({ prefix: 'forwarding-', limits: { maxRecordsPerBatch: 50 } });
  ({ dataDir, identity, trust, db, central, proxy, store } = rig);
  bus = new EventBus();
});

afterAll(async () => {
  await feature?.stop();
  await rig?.close();
});

describe('forwarding to a real PostgreSQL central through an unreliable link', () => {
  const N = 60;

  it('queues while the link is down, backs off through a black hole, then drains exactly N rows over one connection', async () => {
    await proxy.setMode('down');
    feature = startFeature();
    finalizeMany(store, N, 'BBR', 'DOWN');
    // The first attempt also starts the CPU worker pool that encodes batches (seconds on a loaded machine).
    await expect.poll(() => feature!.relay.status(), { timeout: 20_000 }).toMatchObject({ linkState: 'offline', queueDepth: N });
    const offline = feature.relay.status();
    expect(offline.nextAttemptAt).not.toBeNull();
    expect(offline.estimatedDrainSeconds).toBeNull();
    expect(await centralRows()).toEqual({ n: 0, distinct: 0 });

    // Accepted but never answered: over TLS the handshake itself never completes, so the named connect
    // timeout fires (TCP + TLS) and the link is "offline".
    await proxy.setMode('blackhole');
    await expect
      .poll(() => feature!.relay.status(), { timeout: 5000 })
      .toMatchObject({ linkState: 'offline', lastError: expect.stringContaining('connect-timeout'), queueDepth: N });

    proxy.resetCounters();
    proxy.setLatency(20);
    await proxy.setMode('pass');
    await expect.poll(() => store.outbox.depth(), { timeout: 10_000 }).toBe(0);
    expect(await centralRows()).toEqual({ n: N, distinct: N });
    const online = feature.relay.status();
    expect(online).toMatchObject({ linkState: 'online', queueDepth: 0, estimatedDrainSeconds: 0, failedAttempts: 0 });
    expect(online.lastAcknowledgedAt).not.toBeNull();
    expect(online.throughputPerSecond).toBeGreaterThan(0);
    // 60 records in batches of at most 25, all over one kept-alive connection.
    expect(proxy.passedConnections).toBe(1);
    const batches = await db.query<{ record_count: number }>('SELECT record_count FROM batches WHERE device_id = $1 ORDER BY received_at', [identity.deviceId]);
    expect(batches.every((b) => b.record_count <= 25)).toBe(true);
    proxy.setLatency(0);
  });

  it('after a kill -9 between the central commit and the local sent mark, the resend is a duplicate and no row is added', { timeout: 90_000 }, async () => {
    // (the child loads the relay's whole module graph through tsx: ~3 s on a quiet box, ~30 s at a load of 20)
    await feature?.stop();
    feature = undefined;
    const ids = finalizeMany(store, 5, 'BBR', 'CRASH');
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'tests/support/relay-process.ts'), dataDir, proxy.httpsUrl], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ code, signal, stderr }).toMatchObject({ code: null, signal: 'SIGKILL' });

    // The central committed the batch; the appliance never recorded it as sent.
    expect(await centralRows()).toEqual({ n: N + 5, distinct: N + 5 });
    expect(store.outbox.pending(10).map((e) => e.registrationId)).toEqual(ids);

    feature = startFeature();
    await expect.poll(() => store.outbox.depth(), { timeout: 10_000 }).toBe(0);
    expect(await centralRows()).toEqual({ n: N + 5, distinct: N + 5 });
    const [last] = await db.query<{ stored_count: number; duplicate_count: number }>(
      'SELECT stored_count, duplicate_count FROM batches WHERE device_id = $1 ORDER BY received_at DESC LIMIT 1',
      [identity.deviceId],
    );
    expect(last).toEqual({ stored_count: 0, duplicate_count: 5 });
  });

  it('quarantines a record in conflict and a record the central rejects, with their reasons, and drains the queue behind them', async () => {
    // A registration whose id the central already holds with other content.
    const clash = store.registrations.create({ officeCode: 'BBR', officerId: 'officer-1' });
    store.registrations.attachDocument(clash.id, passport('CLASH1'), 'officer-1');
    const other = encodeBatch(
      [{ id: clash.id, officeCode: 'BBR', finalizedAt: new Date().toISOString(), payload: { sex: 'M', note: 'a different record' } }],
      { deviceId: identity.deviceId, privateKey: identity.privateKey },
    );
    const direct = await central.inject({ method: 'POST', url: BATCH_PATH, headers: other.headers, payload: other.body });
    expect(direct.json().stored).toEqual([clash.id]);
    store.registrations.finalize(clash.id, 'officer-1');
    // An office code longer than the protocol allows (32): the central answers 400 for any batch holding it.
    const [invalid] = finalizeMany(store, 1, 'B'.repeat(40), 'BAD');
    const good = finalizeMany(store, 6, 'BBR', 'GOOD');
    bus.publish('registration.changed', { registration: store.registrations.get(good[5]!)!, change: 'finalized' });

    await expect.poll(() => store.outbox.depth(), { timeout: 10_000 }).toBe(0);
    const quarantined = store.outbox.quarantined(10);
    expect(quarantined.map((q) => [q.registrationId, q.reason.split(':')[0]])).toEqual([
      [clash.id, 'central conflict'],
      [invalid, 'central rejected the record'],
    ]);
    expect(quarantined[0]?.reason).toBe('central conflict: content_differs');
    expect(quarantined[1]?.reason).toMatch(/^central rejected the record: 400 BATCH_INVALID/);
    expect(feature!.relay.status()).toMatchObject({ quarantined: 2, queueDepth: 0, linkState: 'online' });
    const held = await db.query<{ id: string }>('SELECT id::text AS id FROM registrations WHERE id = ANY($1::uuid[])', [`{${good.join(',')}}`]);
    expect(held).toHaveLength(6);
    // The centre's original of the clashing id is untouched.
    const [orig] = await db.query<{ note: string }>("SELECT payload->>'note' AS note FROM registrations WHERE id = $1", [clash.id]);
    expect(orig?.note).toBe('a different record');
  });

  it('reports "unauthorised" for a device the central does not know, keeping its records queued and unquarantined', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'forwarding-stranger-'));
    const otherStore = openApplianceStore({ dataDir: otherDir });
    try {
      finalizeMany(otherStore, 2);
      const relay = new OutboxRelay({
        store: otherStore,
        identity: loadOrCreateIdentity(otherDir),
        transport: new CentralClient({ url: proxy.httpsUrl, connectTimeoutMs: 1000, responseTimeoutMs: 2000, identity: loadOrCreateIdentity(otherDir), ...trust.client }),
        bounds: { maxRecords: 25, maxBytes: 256 * 1024 },
        backoff: { baseMs: 50, maxMs: 400 },
        unauthorisedRetryMs: 60_000,
        idlePollMs: 100,
      });
      const step = await relay.runOnce();
      expect(step.delayMs).toBeGreaterThanOrEqual(30_000);
      expect(relay.link).toMatchObject({ state: 'unauthorised', lastError: expect.stringContaining('401 DEVICE_AUTH_FAILED') });
      expect(otherStore.outbox.depth()).toBe(2);
      expect(otherStore.outbox.quarantinedCount()).toBe(0);
      await relay.stop();
    } finally {
      otherStore.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
