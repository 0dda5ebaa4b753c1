/**
 * The link against an on-path attacker (issue 13's measured attacks, kept as tests): the appliance's
 * real relay and undici client, a real central on real PostgreSQL, and a forging proxy in between
 * (tests/support/forging-proxy.ts). The invariant every case checks: no registration is marked sent
 * on the appliance without its row in PostgreSQL.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { build, type CentralApp } from '@lmc/central/app.ts';
import { generateSelfSignedPair } from '@lmc/central/tls/tls.ts';
import { BATCH_PATH, encodeBatch } from '@lmc/protocol/batch.ts';
import { attemptHeaders } from '@lmc/protocol/batch-envelope.ts';
import { type ApplianceIdentity, loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import type { Store } from '@lmc/appliance/store/index.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { CentralClient } from '@lmc/appliance/sync/central-client.ts';
import { OutboxRelay } from '@lmc/appliance/sync/outbox-relay.ts';
import { finalizeMany } from '@lmc/appliance/sync/test-support.ts';
import { type ForgeMode, startForgingProxy } from '../support/forging-proxy.ts';
import { type LinkTrust, makeLinkTrust, pinCentral } from '../support/link-trust.ts';
import { useCentralDb } from '../support/central-db.ts';

const { root, db, cleanup } = useCentralDb('forwarding-security-', { maxConnections: 4 });
let trust: LinkTrust;
/** The genuine central over HTTPS, and the same central over plain HTTP (what a development flag allows). */
let central: CentralApp;
let centralHttp: CentralApp;
let httpsUrl: string;
let httpUrl: string;
const devices: Array<{ deviceId: string; officeCode: string; publicKeyPem: string }> = [];

interface Post {
  store: Store;
  identity: ApplianceIdentity;
}

function post(name: string): Post {
  const dir = join(root, name);
  const store = openApplianceStore({ dataDir: dir });
  const identity = loadOrCreateIdentity(dir);
  pinCentral(dir, trust);
  devices.push({ deviceId: identity.deviceId, officeCode: 'BBR', publicKeyPem: identity.publicKeyPem });
  cleanup(() => store.close());
  return { store, identity };
}

function relay(p: Post, url: string, allowInsecureHttp = false): OutboxRelay {
  const r = new OutboxRelay({
    store: p.store,
    identity: p.identity,
    transport: new CentralClient({ url, connectTimeoutMs: 2000, responseTimeoutMs: 3000, identity: p.identity, allowInsecureHttp, ...trust.client }),
    bounds: { maxRecords: 50, maxBytes: 1024 * 1024 },
    backoff: { baseMs: 50, maxMs: 200 },
    unauthorisedRetryMs: 1000,
    idlePollMs: 100,
  });
  cleanup(() => r.stop());
  return r;
}

/** Ids the appliance holds as sent, and those of them PostgreSQL does not have. */
async function sentWithoutRow(p: Post, ids: string[]): Promise<{ sent: number; missing: number }> {
  const queued = new Set(p.store.outbox.pending(1000).map((e) => e.registrationId));
  const quarantined = new Set(p.store.outbox.quarantined(1000).map((q) => q.registrationId));
  const sent = ids.filter((id) => !queued.has(id) && !quarantined.has(id));
  const rows = await db.query<{ id: string }>('SELECT id::text AS id FROM registrations WHERE id = ANY($1::uuid[])', [`{${ids.join(',')}}`]);
  const held = new Set(rows.map((r) => r.id));
  return { sent: sent.length, missing: sent.filter((id) => !held.has(id)).length };
}

beforeAll(async () => {
  trust = await makeLinkTrust();
  // The device list is read when the app becomes ready: enrol the posts first.
  for (const name of ['mitm', 'forge-unsigned', 'forge-attacker', 'reject', 'replay', 'window', 'insecure']) post(name);
  central = build({ db, devices, https: trust.tls, centralKey: trust.centralKey });
  centralHttp = build({ db, devices, centralKey: trust.centralKey });
  // Closed after every relay and post (clean-ups run newest first).
  cleanup(() => central.close());
  cleanup(() => centralHttp.close());
  await central.listen({ host: '127.0.0.1', port: 0 });
  await centralHttp.listen({ host: '127.0.0.1', port: 0 });
  httpsUrl = `https://127.0.0.1:${(central.server.address() as AddressInfo).port}`;
  httpUrl = `http://127.0.0.1:${(centralHttp.server.address() as AddressInfo).port}`;
}, 60_000);


const posts = new Map<string, Post>();
function named(name: string): Post {
  let p = posts.get(name);
  if (!p) {
    const dir = join(root, name);
    // Re-open the post made in beforeAll (same directory, same identity).
    p = { store: openApplianceStore({ dataDir: dir }), identity: loadOrCreateIdentity(dir) };
    cleanup(() => p?.store.close());
    posts.set(name, p);
  }
  return p;
}

describe('the link against an on-path attacker', () => {
  it('refuses an http:// central without the development flag', () => {
    const p = named('insecure');
    expect(() => new CentralClient({ url: httpUrl, connectTimeoutMs: 1000, responseTimeoutMs: 1000, identity: p.identity, ...trust.client })).toThrow(
      /must be https/,
    );
  });

  it('does not talk to an interception proxy with another certificate (TLS pinned): nothing read, nothing marked sent', async () => {
    const p = named('mitm');
    const ids = finalizeMany(p.store, 3, 'BBR', 'MITM');
    const attacker = await startForgingProxy({ mode: 'ack-unsigned', tls: await generateSelfSignedPair() });
    cleanup(() => attacker.close());
    const r = relay(p, attacker.url);
    await r.runOnce();
    expect(r.link.lastError).toMatch(/tls-untrusted|DEPTH_ZERO|SELF_SIGNED|certificate/i);
    expect(attacker.requests).toBe(0);
    expect(p.store.outbox.depth()).toBe(3);
    expect(await sentWithoutRow(p, ids)).toEqual({ sent: 0, missing: 0 });
  });

  for (const [name, mode] of [
    ['forge-unsigned', 'ack-unsigned'],
    ['forge-attacker', 'ack-signed-by-attacker'],
  ] as Array<[string, ForgeMode]>) {
    it(`over plain HTTP (development flag), a forged acknowledgement (${mode}) marks nothing sent`, async () => {
      const p = named(name);
      const ids = finalizeMany(p.store, 3, 'BBR', name.toUpperCase().slice(0, 8));
      const attacker = await startForgingProxy({ mode });
      cleanup(() => attacker.close());
      const r = relay(p, attacker.url, true);
      await r.runOnce();
      // The attacker did read the batch (no TLS), and answered "stored" for every record …
      expect(attacker.seen.flat().sort()).toEqual([...ids].sort());
      // … which the appliance took as a link failure, not an acknowledgement.
      expect(r.link).toMatchObject({ state: 'backing-off', lastError: expect.stringContaining('not signed by the pinned central key') });
      expect(p.store.outbox.depth()).toBe(3);
      expect(await sentWithoutRow(p, ids)).toEqual({ sent: 0, missing: 0 });
      // The genuine central (pinned TLS) then takes them, once.
      await relay(p, httpsUrl).runOnce();
      expect(await sentWithoutRow(p, ids)).toEqual({ sent: 3, missing: 0 });
    });
  }

  it('an unsigned refusal quarantines nothing', async () => {
    const p = named('reject');
    finalizeMany(p.store, 2, 'BBR', 'REJ');
    const attacker = await startForgingProxy({ mode: 'reject-unsigned' });
    cleanup(() => attacker.close());
    const r = relay(p, attacker.url, true);
    await r.runOnce();
    expect(p.store.outbox.quarantinedCount()).toBe(0);
    expect(p.store.outbox.depth()).toBe(2);
    expect(r.link.lastError).toContain('unsigned 400');
  });

  it("a genuine signed answer replayed for another batch is refused: it is bound to the first attempt's nonce and body", async () => {
    const p = named('replay');
    const first = finalizeMany(p.store, 2, 'BBR', 'RP1');
    const attacker = await startForgingProxy({ mode: 'replay-first-answer', target: httpUrl });
    cleanup(() => attacker.close());
    const r = relay(p, attacker.url, true);
    expect((await r.runOnce()).acknowledged).toBe(2);
    const second = finalizeMany(p.store, 2, 'BBR', 'RP2');
    await r.runOnce();
    expect(attacker.seen).toHaveLength(2);
    expect(p.store.outbox.pending(10).map((e) => e.registrationId).sort()).toEqual([...second].sort());
    expect(await sentWithoutRow(p, [...first, ...second])).toEqual({ sent: 2, missing: 0 });
  });

  it('the central refuses a replayed envelope and a stale one, while the same records in a fresh envelope stay idempotent', async () => {
    const p = named('window');
    const [id] = finalizeMany(p.store, 1, 'BBR', 'WIN');
    const record = { id: id!, officeCode: 'BBR', finalizedAt: new Date().toISOString(), payload: { sex: 'F' } };
    const enc = encodeBatch([record], { deviceId: p.identity.deviceId, privateKey: p.identity.privateKey });
    const post1 = await central.inject({ method: 'POST', url: BATCH_PATH, headers: enc.headers, payload: enc.body });
    expect(post1.json().stored).toEqual([id]);
    // The very same bytes and envelope again: a replay.
    const replay = await central.inject({ method: 'POST', url: BATCH_PATH, headers: enc.headers, payload: enc.body });
    expect([replay.statusCode, replay.json().code]).toEqual([409, 'BATCH_REPLAYED']);
    // The same frozen records in a new attempt: a duplicate, acknowledged again.
    const fresh = attemptHeaders({ deviceId: p.identity.deviceId, batchId: enc.batch.batchId, contentSha256: enc.contentSha256, attemptAt: Date.now() }, p.identity.privateKey);
    const again = await central.inject({ method: 'POST', url: BATCH_PATH, headers: { ...enc.headers, ...fresh }, payload: enc.body });
    expect(again.json().duplicates).toEqual([id]);
    // A year-old attempt (a captured batch sent now): outside the window, refused, nothing stored.
    const old = encodeBatch([{ ...record, id: crypto.randomUUID() }], {
      deviceId: p.identity.deviceId,
      privateKey: p.identity.privateKey,
      sentAt: new Date(Date.now() - 365 * 24 * 3_600_000),
    });
    const stale = await central.inject({ method: 'POST', url: BATCH_PATH, headers: old.headers, payload: old.body });
    expect([stale.statusCode, stale.json().code]).toEqual([401, 'BATCH_ATTEMPT_STALE']);
    const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM registrations WHERE id = $1', [old.batch.records[0]!.id]);
    expect(row?.n).toBe(0);
    // An appliance whose clock is two hours slow corrects it from the Date header and gets through.
    finalizeMany(p.store, 1, 'BBR', 'SLOW');
    const slow = new OutboxRelay({
      store: p.store,
      identity: p.identity,
      transport: new CentralClient({ url: httpsUrl, connectTimeoutMs: 2000, responseTimeoutMs: 3000, identity: p.identity, now: () => Date.now() - 2 * 3_600_000, ...trust.client }),
      bounds: { maxRecords: 50, maxBytes: 1024 * 1024 },
      backoff: { baseMs: 50, maxMs: 200 },
      unauthorisedRetryMs: 1000,
      idlePollMs: 100,
    });
    cleanup(() => slow.stop());
    expect((await slow.runOnce()).acknowledged).toBeGreaterThanOrEqual(1);
  });
});
