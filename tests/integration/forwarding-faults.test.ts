/**
 * Fault tests of forwarding against real PostgreSQL: the central process SIGKILLed mid-batch,
 * PostgreSQL itself crashed mid-batch (`pg_ctl stop -m immediate`), forged, tampered and replayed
 * batches refused and counted, and sealed biometric blobs carried in the binary frame.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApplianceIdentity, loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import type { Store } from '@lmc/appliance/store/index.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { CentralClient } from '@lmc/appliance/sync/central-client.ts';
import { type BlobSource, OutboxRelay } from '@lmc/appliance/sync/outbox-relay.ts';
import { finalizeMany } from '@lmc/appliance/sync/test-support.ts';
import { build, type CentralApp } from '@lmc/central/app.ts';
import { BATCH_PATH, encodeBatch, signBatchBody } from '@lmc/protocol/batch.ts';
import { addStaff, signIn } from '../../central/test/staff.ts';
import { type CentralProcess, freeTcpPort, spawnCentral } from '../support/central-process.ts';
import { useCentralDb } from '../support/central-db.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { type LinkTrust, makeLinkTrust, pinCentral } from '../support/link-trust.ts';
import { attemptHeaders, sha256Hex } from '@lmc/protocol/batch-envelope.ts';
import { Agent, fetch as undiciFetch } from 'undici';

const { root, db, cluster, cleanup } = useCentralDb('forwarding-faults-', { maxConnections: 2 });
let trust: LinkTrust;

beforeAll(async () => {
  trust = await makeLinkTrust();
});

interface Post {
  dir: string;
  store: Store;
  identity: ApplianceIdentity;
  device: { deviceId: string; officeCode: string; publicKeyPem: string };
}

function post(name: string): Post {
  const dir = join(root, name);
  const store = openApplianceStore({ dataDir: dir });
  const identity = loadOrCreateIdentity(dir);
  pinCentral(dir, trust);
  cleanup(() => store.close());
  return { dir, store, identity, device: { deviceId: identity.deviceId, officeCode: 'BBR', publicKeyPem: identity.publicKeyPem } };
}

function relayFor(p: Post, url: string, blobSource?: BlobSource): OutboxRelay {
  const relay = new OutboxRelay({
    store: p.store,
    identity: p.identity,
    transport: new CentralClient({ url, connectTimeoutMs: 1000, responseTimeoutMs: 3000, identity: p.identity, ...trust.client }),
    bounds: { maxRecords: 10, maxBytes: 4 * 1024 * 1024 },
    backoff: { baseMs: 50, maxMs: 400 },
    unauthorisedRetryMs: 1000,
    idlePollMs: 100,
    ...(blobSource ? { blobSource } : {}),
  });
  cleanup(() => relay.stop());
  return relay;
}

async function held(deviceId: string): Promise<{ n: number; distinct: number }> {
  const [row] = await db.query<{ n: number; distinct: number }>(
    'SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM registrations WHERE device_id = $1',
    [deviceId],
  );
  return row ?? { n: -1, distinct: -1 };
}

async function centralInProcess(devices: Post['device'][]): Promise<{ app: CentralApp; proxy: TcpProxy }> {
  const app = build({ db, devices, https: trust.tls, centralKey: trust.centralKey });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: (app.server.address() as AddressInfo).port });
  cleanup(async () => {
    await proxy.close();
    await app.close();
  });
  return { app, proxy };
}

describe('forwarding faults on real PostgreSQL', () => {
  it('loses and duplicates nothing when the central process is SIGKILLed mid-batch and restarted', async () => {
    const p = post('central-kill');
    const port = await freeTcpPort();
    const proxy = await startTcpProxy({ host: '127.0.0.1', port });
    cleanup(() => proxy.close());
    const start = () => spawnCentral({ port, databaseUrl: cluster.url, devices: [p.device], devicesFile: join(root, 'central-kill-devices.json'), trust });
    let central: CentralProcess = await start();
    cleanup(() => central.kill('SIGKILL'));
    const N = 60;
    finalizeMany(p.store, N, 'BBR', 'CK');
    // 150 ms each way: a batch is in flight most of the time, so the kill lands mid-batch.
    proxy.setLatency(150);
    const relay = relayFor(p, proxy.httpsUrl);
    await relay.start();
    await expect.poll(() => held(p.identity.deviceId), { timeout: 15_000, interval: 20 }).toMatchObject({ n: expect.any(Number) });
    await expect.poll(async () => (await held(p.identity.deviceId)).n, { timeout: 15_000, interval: 20 }).toBeGreaterThan(0);
    await central.kill('SIGKILL');
    const atKill = await held(p.identity.deviceId);
    expect(atKill.n).toBeLessThan(N);
    central = await start();
    await expect.poll(() => p.store.outbox.depth(), { timeout: 20_000, interval: 100 }).toBe(0);
    expect(await held(p.identity.deviceId)).toEqual({ n: N, distinct: N });
    expect(p.store.outbox.quarantinedCount()).toBe(0);
    // Two cold starts of the central from source (tsx) on a loaded 2-core machine take most of a minute.
  }, 120_000);

  it('loses and duplicates nothing when PostgreSQL crashes mid-batch and recovers', async () => {
    const p = post('pg-crash');
    const { proxy } = await centralInProcess([p.device]);
    const N = 60;
    finalizeMany(p.store, N, 'BBR', 'PG');
    proxy.setLatency(100);
    const relay = relayFor(p, proxy.httpsUrl);
    await relay.start();
    await expect.poll(async () => (await held(p.identity.deviceId)).n, { timeout: 15_000, interval: 20 }).toBeGreaterThan(0);
    await cluster.crash();
    // The central answers 5xx while its database is gone; the relay backs off and keeps the rows.
    await expect.poll(() => relay.link.state, { timeout: 10_000, interval: 50 }).toBe('backing-off');
    expect(p.store.outbox.depth()).toBeGreaterThan(0);
    await cluster.restart();
    await expect.poll(() => p.store.outbox.depth(), { timeout: 30_000, interval: 100 }).toBe(0);
    expect(p.store.outbox.quarantined(20).map((q) => q.reason)).toEqual([]);
    expect(await held(p.identity.deviceId)).toEqual({ n: N, distinct: N });
  }, 60_000);

  it('refuses a bad signature, a tampered batch and a replay under another device id, and counts each', async () => {
    const a = post('sig-a');
    const b = post('sig-b');
    const { app } = await centralInProcess([a.device, b.device]);
    // The rejection counts are for auditors (central/src/auth/access.ts).
    await addStaff(db, 'faults-auditor', 'auditor');
    const cookie = await signIn(app, 'faults-auditor');
    const rejections = async () =>
      (await app.inject({ method: 'GET', url: `${BATCH_PATH}/rejections`, headers: { cookie } })).json() as { total: number; byCode: Array<{ code: string; count: number }> };
    const before = (await rejections()).total;
    const [id] = finalizeMany(a.store, 1, 'BBR', 'SIG');
    const record = { id: id!, officeCode: 'BBR', finalizedAt: new Date().toISOString(), payload: { sex: 'F' } };
    const genuine = encodeBatch([record], { deviceId: a.identity.deviceId, privateKey: a.identity.privateKey });

    // Signed with another key (B's) but claiming to be A.
    const forged = encodeBatch([record], { deviceId: a.identity.deviceId, privateKey: b.identity.privateKey });
    const r1 = await app.inject({ method: 'POST', url: BATCH_PATH, headers: forged.headers, payload: forged.body });
    // A's genuine signature, one byte of the body changed in transit.
    const tampered = Buffer.from(genuine.body);
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0x01;
    const r2 = await app.inject({ method: 'POST', url: BATCH_PATH, headers: genuine.headers, payload: tampered });
    // A's genuine batch replayed by B (B's device id in the header).
    const r3 = await app.inject({ method: 'POST', url: BATCH_PATH, headers: { ...genuine.headers, 'x-device-id': b.identity.deviceId }, payload: genuine.body });
    // B signs A's batch (same batch id) with its own key: the signature verifies, but the body says A.
    const asB = encodeBatch([record], { deviceId: a.identity.deviceId, privateKey: b.identity.privateKey, batchId: genuine.batch.batchId, sentAt: new Date(genuine.batch.sentAt) });
    const asBEnvelope = attemptHeaders({ deviceId: b.identity.deviceId, batchId: asB.batch.batchId, contentSha256: asB.contentSha256, attemptAt: Date.now() }, b.identity.privateKey);
    const r4 = await app.inject({ method: 'POST', url: BATCH_PATH, headers: { ...asB.headers, 'x-device-id': b.identity.deviceId, ...asBEnvelope }, payload: asB.body });

    // One answer for every device authentication failure; the reason is kept for auditors.
    expect([r1, r2, r3, r4].map((r) => [r.statusCode, r.json().code])).toEqual([
      [401, 'DEVICE_AUTH_FAILED'],
      [401, 'DEVICE_AUTH_FAILED'],
      [401, 'DEVICE_AUTH_FAILED'],
      [400, 'BATCH_DEVICE_MISMATCH'],
    ]);
    expect(await held(a.identity.deviceId)).toEqual({ n: 0, distinct: 0 });
    const after = await rejections();
    expect(after.total - before).toBe(4);
    expect(after.byCode.find((c) => c.code === 'SIGNATURE_INVALID')?.count).toBeGreaterThanOrEqual(3);
    const [forB] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rejected_batches WHERE device_id = $1', [b.identity.deviceId]);
    expect(forB?.n).toBe(2);

    // The genuine batch still goes through afterwards, once.
    const ok = await app.inject({ method: 'POST', url: BATCH_PATH, headers: genuine.headers, payload: genuine.body });
    expect(ok.json().stored).toEqual([id]);
    expect((await rejections()).total - before).toBe(4);
  });

  it('carries sealed biometric blobs raw in the binary frame and stores them once, opaque, with their sha256', async () => {
    const p = post('blobs');
    const { proxy } = await centralInProcess([p.device]);
    const ids = finalizeMany(p.store, 3, 'BBR', 'BIO');
    // What the fingerprints migration's trigger writes into the outbox payload: references, not bytes.
    const blobs = new Map<string, Buffer>();
    const sqlite = new Database(join(p.dir, 'appliance.db'));
    for (const id of ids) {
      const refs = ['template', 'image'].map((kind) => {
        const data = randomBytes(kind === 'image' ? 90_000 : 600);
        const blobId = `${id}-${kind}`;
        blobs.set(blobId, data);
        return { finger: 'right-index', kind, blobId, sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length, keyId: 'k1', templateFormat: kind === 'template' ? 'zfm-512' : null };
      });
      sqlite.prepare(`UPDATE outbox SET payload_json = json_set(payload_json, '$.biometrics', json(?)) WHERE registration_id = ?`).run(JSON.stringify(refs), id);
    }
    sqlite.close();
    const relay = relayFor(p, proxy.httpsUrl, (blobId) => blobs.get(blobId));
    // The first batch is small until the link is measured (64 KiB: one record with its image), then they grow.
    let acknowledged = 0;
    for (let i = 0; i < 5 && p.store.outbox.depth() > 0; i++) acknowledged += (await relay.runOnce()).acknowledged;
    expect(acknowledged).toBe(3);

    const rows = await db.query<{ blob_id: string; registration_id: string; sha256: string; bytes: number; data: Buffer }>(
      'SELECT blob_id, registration_id::text AS registration_id, sha256, bytes, data FROM registration_blobs WHERE registration_id = ANY($1::uuid[]) ORDER BY blob_id',
      [`{${ids.join(',')}}`],
    );
    expect(rows).toHaveLength(6);
    for (const r of rows) {
      expect(Buffer.compare(r.data, blobs.get(r.blob_id)!)).toBe(0);
      expect(r.sha256).toBe(createHash('sha256').update(r.data).digest('hex'));
    }
    // Raw, not base64: the body is about the size of the blobs, not 4/3 of it.
    const [batch] = await db.query<{ body_bytes: number }>('SELECT sum(body_bytes)::int AS body_bytes FROM batches WHERE device_id = $1', [p.identity.deviceId]);
    const blobTotal = [...blobs.values()].reduce((n, b) => n + b.length, 0);
    expect(batch!.body_bytes).toBeLessThan(blobTotal * 1.05);

    // A resend (the acknowledgement lost) is a duplicate and stores no blob twice.
    const records = p.store.outbox.pending(10);
    expect(records).toHaveLength(0);
    const again = encodeBatch(
      await db.query<{ id: string; office_code: string; finalized_at: Date; payload: Record<string, unknown> }>('SELECT id::text AS id, office_code, finalized_at, payload FROM registrations WHERE device_id = $1', [p.identity.deviceId]).then((rs) =>
        rs.map((r) => ({ id: r.id, officeCode: r.office_code, finalizedAt: new Date(r.finalized_at).toISOString(), payload: r.payload })),
      ),
      { deviceId: p.identity.deviceId, privateKey: p.identity.privateKey, blobs: [...blobs].map(([blobId, data]) => ({ blobId, data })) },
    );
    const pinned = new Agent({ connect: { ca: trust.tls.cert } });
    const res = await undiciFetch(`${proxy.httpsUrl}${BATCH_PATH}`, { method: 'POST', headers: again.headers, body: new Uint8Array(again.body), dispatcher: pinned });
    await pinned.close();
    expect(((await res.json()) as { duplicates: string[] }).duplicates).toHaveLength(3);
    const [count] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM registration_blobs WHERE registration_id = ANY($1::uuid[])', [`{${ids.join(',')}}`]);
    expect(count?.n).toBe(6);
  });

  it('refuses a frame whose blob no record names, a blob whose bytes do not match its sha256, and a gzip-encoded frame, and counts them', async () => {
    const p = post('frames');
    const { app } = await centralInProcess([p.device]);
    const [id] = finalizeMany(p.store, 1, 'BBR', 'FR');
    const record = { id: id!, officeCode: 'BBR', finalizedAt: new Date().toISOString(), payload: { sex: 'M' } };
    const sign = (blobs: Array<{ blobId: string; data: Buffer }>) => encodeBatch([record], { deviceId: p.identity.deviceId, privateKey: p.identity.privateKey, blobs });
    const before = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rejected_batches WHERE device_id = $1', [p.identity.deviceId]);

    const stray = sign([{ blobId: 'nobody-names-me', data: Buffer.from('x') }]);
    const r1 = await app.inject({ method: 'POST', url: BATCH_PATH, headers: stray.headers, payload: stray.body });
    // Re-signed after a blob byte changed: the signature is good, the frame's own sha256 is not.
    const good = sign([{ blobId: 'b', data: Buffer.from('abc') }]);
    const bent = Buffer.from(good.body);
    bent.writeUInt8(bent.readUInt8(bent.length - 1) ^ 1, bent.length - 1);
    const rebent = {
      ...good.headers,
      'x-signature': signBatchBody(bent, p.identity.privateKey),
      ...attemptHeaders({ deviceId: p.identity.deviceId, batchId: good.batch.batchId, contentSha256: sha256Hex(bent), attemptAt: Date.now() }, p.identity.privateKey),
    };
    const r2 = await app.inject({ method: 'POST', url: BATCH_PATH, headers: rebent, payload: bent });
    const r3 = await app.inject({ method: 'POST', url: BATCH_PATH, headers: { ...good.headers, 'content-encoding': 'gzip' }, payload: good.body });

    expect([r1, r2, r3].map((r) => [r.statusCode, r.json().code])).toEqual([
      [400, 'BATCH_INVALID'],
      [400, 'BATCH_CORRUPT'],
      [415, 'BATCH_UNSUPPORTED_MEDIA_TYPE'],
    ]);
    const after = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rejected_batches WHERE device_id = $1', [p.identity.deviceId]);
    expect((after[0]?.n ?? 0) - (before[0]?.n ?? 0)).toBe(3);
    expect(await held(p.identity.deviceId)).toEqual({ n: 0, distinct: 0 });
  });
});
