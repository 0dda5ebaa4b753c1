/**
 * The relay's window and status reporting end to end, with the appliance's shipped sync settings: the real relay
 * (SQLite, worker-pool encoding, undici over TLS pinned to the central, signed answers) → a TCP proxy with a
 * satellite's 600 ms round trip → the central (build(), HTTPS) → real PostgreSQL.
 *
 * - Batches really are pipelined: the central holds several requests of the one connection at once (undici sends a
 *   POST only behind an answered one unless it is marked idempotent and non-blocking; before that fix the shipped
 *   "2 in flight" was one), and every registration lands exactly once.
 * - Each batch carries the appliance's status; the central keeps the chain head, and flags the chain once someone
 *   rewrites the appliance's audit log behind an anchor the central already holds (issue #16 item 4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Db } from '@lmc/central/db/db.ts';
import { CentralConfig, SyncConfig } from '@lmc/appliance/config/schema.ts';
import { EventBus } from '@lmc/appliance/events/event-bus.ts';
import type { ApplianceIdentity } from '@lmc/appliance/keys/identity.ts';
import { auditHash, type Store } from '@lmc/appliance/store/index.ts';
import { DEFAULT_IN_FLIGHT_BATCHES } from '@lmc/appliance/sync/outbox-relay.ts';
import { SyncFeature } from '@lmc/appliance/sync/sync-feature.ts';
import { finalizeMany } from '@lmc/appliance/sync/test-support.ts';
import { type ForwardingRig, startForwardingRig } from '../support/forwarding-rig.ts';
import type { TcpProxy } from '../support/tcp-proxy.ts';

let rig: ForwardingRig | undefined;
let db: Db;
let proxy: TcpProxy;
let dataDir: string;
let store: Store;
let identity: ApplianceIdentity;
let feature: SyncFeature | undefined;
/** Requests the central holds at once (received, not yet answered), and the most it held. */
const held = { now: 0, max: 0 };

beforeAll(async () => {
  rig = await startForwardingRig({
    prefix: 'forwarding-window-',
    onCentral: (app) => {
      app.addHook('onRequest', async (request) => {
        if (request.method !== 'POST') return;
        held.now++;
        held.max = Math.max(held.max, held.now);
      });
      app.addHook('onResponse', async (request) => {
        if (request.method === 'POST') held.now--;
      });
    },
  });
  ({ dataDir, identity, db, proxy, store } = rig);
}, 120_000);

afterAll(async () => {
  await feature?.stop();
  await rig?.close();
});

function startFeature(): SyncFeature {
  // The shipped settings, but small batches (so there are several) and a short idle poll.
  const shipped = Value.Default(SyncConfig, {}) as Static<typeof SyncConfig>;
  const f = new SyncFeature({
    dataDir,
    central: { ...(Value.Default(CentralConfig, {}) as Static<typeof CentralConfig>), url: proxy.httpsUrl },
    sync: { ...shipped, batchMaxRecords: 4, idlePollMs: 200, minFreeDiskMb: 0 },
    store,
    bus: new EventBus(),
    devices: ['mrz'],
    softwareVersion: '0.0.0-window-test',
  });
  void f.start();
  return f;
}

async function fleetRow(): Promise<{ audit_length: string | null; audit_head_hash: string | null; chain_status: string; software_version: string | null; device_states: unknown }> {
  const [row] = await db.query<{ audit_length: string | null; audit_head_hash: string | null; chain_status: string; software_version: string | null; device_states: unknown }>(
    'SELECT audit_length::text AS audit_length, audit_head_hash, chain_status, software_version, device_states FROM appliance_status WHERE device_id = $1',
    [identity.deviceId],
  );
  if (!row) throw new Error('no appliance_status row');
  return row;
}

function applianceHead(): { seq: number; hash: string } {
  return store.connection.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
}

describe('relay window and status over a 600 ms round trip', () => {
  it('pipelines the default window on the one connection and lands every registration exactly once', async () => {
    expect(DEFAULT_IN_FLIGHT_BATCHES).toBeGreaterThan(1);
    proxy.setLatency(300);
    const ids = finalizeMany(store, 24, 'BBR', 'WIN');
    feature = startFeature();
    await expect.poll(() => store.outbox.depth(), { timeout: 90_000, interval: 200 }).toBe(0);
    const [rows] = await db.query<{ n: number; distinct: number }>('SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM registrations WHERE device_id = $1', [
      identity.deviceId,
    ]);
    expect(rows).toEqual({ n: 24, distinct: 24 });
    const stored = await db.query<{ id: string }>('SELECT id FROM registrations WHERE device_id = $1', [identity.deviceId]);
    expect(stored.map((r) => r.id).sort()).toEqual([...ids].sort());
    // Several batches of the one connection were at the central at once: the window is on the wire.
    expect(held.max).toBeGreaterThan(1);
    expect(proxy.passedConnections).toBe(1);
  }, 120_000);

  it('reports the audit chain head with each batch, and the central flags a chain rewritten behind its anchor', async () => {
    const reported = await fleetRow();
    expect(reported.chain_status).toBe('ok');
    expect(reported.software_version).toBe('0.0.0-window-test');
    expect(reported.device_states).toEqual({ mrz: 'unknown' });
    const anchored = Number(reported.audit_length);
    expect(anchored).toBeGreaterThan(0);
    expect(anchored).toBeLessThanOrEqual(applianceHead().seq);

    // Someone with the file rewrites the chain from the anchored row on, so that it verifies again locally.
    const sqlite = store.connection;
    sqlite.exec('DROP TRIGGER audit_log_no_update');
    const rows = sqlite.prepare('SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq').all(anchored) as Array<Parameters<typeof auditHash>[0]>;
    let prev = (rows[0] as { prev_hash: string }).prev_hash;
    for (const row of rows) {
      const forged = { ...row, details_json: row.seq === anchored ? '{"rewritten":true}' : row.details_json, prev_hash: prev };
      const hash = auditHash(forged);
      sqlite.prepare('UPDATE audit_log SET details_json = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(forged.details_json, prev, hash, row.seq);
      prev = hash;
    }
    expect(store.audit.verify().ok).toBe(true);

    // The next registration's batch sends the acknowledged anchor's hash as it reads now.
    finalizeMany(store, 1, 'BBR', 'AFTER');
    feature?.relay.wake();
    await expect.poll(() => store.outbox.depth(), { timeout: 30_000, interval: 200 }).toBe(0);
    await expect.poll(async () => (await fleetRow()).chain_status, { timeout: 10_000 }).toBe('rewritten');
  }, 90_000);
});
