/**
 * Forwarding benchmark (`npm run bench`, or alone: `tsx tests/bench/forwarding.ts`):
 *
 * 1. Drain of a backlog over emulated links (tests/support/tcp-proxy.ts: 50 kbit/s, 256 kbit/s, 2 Mbit/s and
 *    10 Mbit/s per direction, each at 600 ms and 50 ms RTT) through the real relay (SQLite outbox, worker-pool
 *    encoding, undici over TLS pinned to the central, signed binary frames with sealed fingerprint blobs, signed
 *    answers) into the real central on real PostgreSQL, with the appliance's shipped settings (read from its
 *    config schema). Utilisation = body bytes sent, resends included ÷ (link rate × drain time, from the relay's
 *    start to the last acknowledgement, TLS handshake included). Goals: ≥ 85 % at 50 kbit/s / 600 ms, ≥ 95 % at
 *    2 Mbit/s / 600 ms. `FORWARDING_BENCH_LINKS=2000@600,50@600` picks links (kbit/s@RTT ms).
 * 2. Central ingest throughput (records/s) into real PostgreSQL over real HTTPS with ~2 KiB records with details
 *    (signature, envelope, gunzip, schema, one INSERT per batch); goal ≥ 3,000 records/s with batch 200, one sender.
 *
 * Each drain is about two minutes of its link's time (at least 10 registrations, at most 5 ×
 * FORWARDING_BENCH_REGISTRATIONS, default 40): utilisation is flat once the connection is up.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { CentralConfig, SyncConfig } from '@lmc/appliance/config/schema.ts';
import { loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { CentralClient } from '@lmc/appliance/sync/central-client.ts';
import { OutboxRelay, pipeliningFor } from '@lmc/appliance/sync/outbox-relay.ts';
import { finalizeMany } from '@lmc/appliance/sync/test-support.ts';
import { sharedCpuPool } from '@lmc/appliance/workers/cpu-pool.ts';
import { build } from '@lmc/central/app.ts';
import type { Db } from '@lmc/central/db/db.ts';
import { migrate } from '@lmc/central/db/migrations.ts';
import { createPostgresDb } from '@lmc/central/db/postgres-db.ts';
import { BATCH_PATH, encodeBatch, type BatchRecordInput, type EncodedBatch } from '@lmc/protocol/batch.ts';
import { startPgCluster } from '../support/pg-cluster.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { freeTcpPort, spawnCentral } from '../support/central-process.ts';
import { makeLinkTrust } from '../support/link-trust.ts';
import { attemptHeaders } from '@lmc/protocol/batch-envelope.ts';
import { Pool } from 'undici';
import { fmt } from './stats.ts';

const RTT_MS = 600;
const BANDWIDTH_BPS = 2_000_000 / 8; // 2 Mbit/s in bytes/s
/** A sealed 256×288 greyscale finger image as PNG (~40 KB) and a sealed 512-byte template, + AES-GCM header. */
const IMAGE_BYTES = 40_000;
const TEMPLATE_BYTES = 600;
const FULL_BACKLOG = 3_500;

export interface DrainResult {
  registrations: number;
  batchMaxBytes: number;
  seconds: number;
  requestBytes: number;
  utilisation: number;
  bytesPerRegistration: number;
  extrapolatedFullSeconds: number;
}

export interface IngestResult {
  records: number;
  newPerSecond: number;
  duplicatePerSecond: number;
  concurrency: number;
  batchSize: number;
}

/** The appliance's shipped settings, read from the config schema's defaults so the bench cannot drift from them. */
const SHIPPED_SYNC = Value.Default(SyncConfig, {}) as Static<typeof SyncConfig>;
const SHIPPED = {
  batchMaxRecords: SHIPPED_SYNC.batchMaxRecords,
  batchMaxBytes: SHIPPED_SYNC.batchMaxBytes,
  maxBatchSeconds: SHIPPED_SYNC.maxBatchSeconds as number,
  inFlightBatches: SHIPPED_SYNC.inFlightBatches as number,
  responseTimeoutMs: (Value.Default(CentralConfig, {}) as Static<typeof CentralConfig>).responseTimeoutMs,
};

async function drain(databaseUrl: string, registrations: number, batchMaxBytes: number, link: { bytesPerSecond: number; rttMs: number } = { bytesPerSecond: BANDWIDTH_BPS, rttMs: RTT_MS }): Promise<DrainResult> {
  const BANDWIDTH_BPS = link.bytesPerSecond;
  const dir = mkdtempSync(join(tmpdir(), 'bench-drain-'));
  const store = openApplianceStore({ dataDir: dir });
  const identity = loadOrCreateIdentity(dir);
  const trust = await makeLinkTrust();
  // The central in its own process, as in production: in this process its request handling (signature, frame,
  // inserts) would stall the link emulator's timers and the relay, and the link would look slower than it is.
  const central = await spawnCentral({
    port: await freeTcpPort(),
    databaseUrl,
    devices: [{ deviceId: identity.deviceId, officeCode: 'BBR', publicKeyPem: identity.publicKeyPem }],
    devicesFile: join(dir, 'central-devices.json'),
    trust,
    env: { CENTRAL_MAX_BODY_BYTES: String(8 * 1024 * 1024) },
  });
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: central.port });
  proxy.setLatency(link.rttMs / 2);
  proxy.setBandwidth(BANDWIDTH_BPS);
  try {
    const ids = finalizeMany(store, registrations, 'BBR', 'BENCH');
    const blobs = new Map<string, Buffer>();
    const sqlite = new Database(join(dir, 'appliance.db'));
    const setRefs = sqlite.prepare(`UPDATE outbox SET payload_json = json_set(payload_json, '$.biometrics', json(?)) WHERE registration_id = ?`);
    for (const id of ids) {
      const refs = ['right-index', 'left-index'].flatMap((finger) =>
        (['image', 'template'] as const).map((kind) => {
          // Ciphertext is incompressible: random bytes are the honest stand-in.
          const data = randomBytes(kind === 'image' ? IMAGE_BYTES : TEMPLATE_BYTES);
          const blobId = `${id}-${finger}-${kind}`;
          blobs.set(blobId, data);
          return { finger, kind, blobId, sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length, keyId: 'bench', templateFormat: kind === 'template' ? 'zfm' : null };
        }),
      );
      setRefs.run(JSON.stringify(refs), id);
    }
    sqlite.close();
    let requestBytes = 0;
    const relay = new OutboxRelay({
      store,
      identity,
      transport: new CentralClient({
        url: proxy.httpsUrl,
        connectTimeoutMs: 10_000,
        responseTimeoutMs: SHIPPED.responseTimeoutMs,
        identity,
        pipelining: pipeliningFor(SHIPPED.inFlightBatches),
        ...trust.client,
      }),
      bounds: { maxRecords: SHIPPED.batchMaxRecords, maxBytes: batchMaxBytes },
      maxBatchSeconds: SHIPPED.maxBatchSeconds,
      inFlightBatches: SHIPPED.inFlightBatches,
      responseTimeoutMs: SHIPPED.responseTimeoutMs,
      backoff: { baseMs: 200, maxMs: 2000 },
      unauthorisedRetryMs: 5000,
      idlePollMs: 60_000,
      blobSource: (blobId) => blobs.get(blobId),
      hooks: {
        afterResponse(_outcome, batch) {
          // Every body that crossed the link counts, answered or not: wasted resends lower the figure.
          requestBytes += batch.body.length;
        },
      },
    });
    // The appliance starts its worker pool at boot; from source each worker first compiles the TypeScript it
    // imports through tsx (~14 s on a loaded box, a production build loads plain JS): not the link's time.
    await sharedCpuPool().warm();
    const started = performance.now();
    await relay.start();
    const deadline = Date.now() + 10 * 60_000;
    while (store.outbox.depth() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - started) / 1000;
    await relay.stop();
    if (store.outbox.depth() > 0) throw new Error('drain did not finish within 10 minutes');
    const bytesPerRegistration = requestBytes / registrations;
    const utilisation = requestBytes / (BANDWIDTH_BPS * seconds);
    return {
      registrations,
      batchMaxBytes,
      seconds,
      requestBytes,
      utilisation,
      bytesPerRegistration,
      extrapolatedFullSeconds: (bytesPerRegistration * FULL_BACKLOG) / (BANDWIDTH_BPS * utilisation),
    };
  } finally {
    await proxy.close();
    await central.kill('SIGTERM');
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function ingestRecord(i: number): BatchRecordInput {
  return {
    id: crypto.randomUUID(),
    officeCode: 'BBR',
    finalizedAt: new Date(Date.UTC(2025, i % 12, 1 + (i % 28), 9)).toISOString(),
    payload: {
      payloadVersion: 1,
      sex: i % 2 ? 'M' : 'F',
      birthDate: `19${70 + (i % 30)}-0${1 + (i % 9)}-1${i % 10}`,
      nationality: 'ZWE',
      districtOfOrigin: `ZW-MS-D${i % 40}`,
      occupationIsco: String(6111 + (i % 7)),
      destinationProvince: 'ZA-LP',
      employerId: `EMP-${i % 50}`,
      returning: i % 3 === 0,
      registration: { surname: 'MOYO', givenNames: 'TENDAI', documentNumber: `K${String(i).padStart(8, '0')}` },
      // What a finalized registration with details carries (≈ 3.9 KB of JSON in all): MRZ lines, the
      // document check, addresses, next of kin, employment, consent and capture metadata.
      details: realisticDetails(i),
    },
  };
}

function realisticDetails(i: number): Record<string, unknown> {
  const person = (n: number) => ({ surname: `MOYO${n}`, givenNames: `TENDAI RUMBIDZAI ${n}`, relationship: 'spouse', phone: `+26377${String(1_000_000 + n).slice(-7)}` });
  return {
    mrz: [`P<ZWEMOYO<<TENDAI<RUMBIDZAI<<<<<<<<<<<<<<<<<${i % 10}`, `K${String(i).padStart(8, '0')}<0ZWE8501012F3001012<<<<<<<<<<<<<<0${i % 10}`],
    documentCheck: { checkDigits: 'ok', expiry: '2030-01-01', issuingState: 'ZWE', chip: null, reviewedBy: 'officer-1' },
    homeAddress: { line1: `${i} Samora Machel Avenue`, line2: 'Mkoba 14', town: 'Gweru', district: `ZW-MI-D${i % 40}`, province: 'Midlands', postalCode: null },
    destinationAddress: { line1: `${i} Voortrekker Road`, town: 'Polokwane', province: 'Limpopo', country: 'ZAF' },
    nextOfKin: [person(i), person(i + 1)],
    employment: { employerId: `EMP-${i % 50}`, employerName: 'Limpopo Citrus Growers (Pty) Ltd', position: 'Farm worker, citrus harvest', contractMonths: 9, wageZar: 4800, recruiter: 'licensed', contractRef: `LCG-2025-${i}` },
    education: { highest: 'O-level', subjects: ['English', 'Shona', 'Mathematics', 'Agriculture', 'Geography'] },
    skills: ['tractor driving', 'irrigation', 'pruning', 'packhouse sorting', 'first aid'],
    previousMigration: [{ country: 'ZAF', from: '2019-02', to: '2019-11', employer: 'Hoedspruit Estates' }],
    health: { fitForWork: true, declaredConditions: [] },
    consent: { dataProtection: true, sharingWithDestination: true, signedAt: new Date(Date.UTC(2025, 0, 1)).toISOString(), language: 'sn' },
    capture: { counter: `C${i % 4}`, officerId: 'officer-1', supervisorId: 'supervisor-1', durationSeconds: 412, fingersCaptured: ['right-index', 'left-index'], photo: false },
    notes: 'Travelling with a valid work permit; documents checked at counter; applicant briefed on rights and the complaints line in Shona.',
  };
}

async function ingest(db: Db, records: number, batchSize: number, concurrency: number): Promise<IngestResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  const identity = loadOrCreateIdentity(dir);
  const trust = await makeLinkTrust();
  const app = build({ db, devices: [{ deviceId: identity.deviceId, officeCode: 'BBR', publicKeyPem: identity.publicKeyPem }], https: trust.tls, centralKey: trust.centralKey });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const pool = new Pool(url, { connections: concurrency, connect: { ca: trust.tls.cert } });
  try {
    const all = Array.from({ length: records }, (_, i) => ingestRecord(i));
    const batches: EncodedBatch[] = [];
    for (let i = 0; i < all.length; i += batchSize) batches.push(encodeBatch(all.slice(i, i + batchSize), { deviceId: identity.deviceId, privateKey: identity.privateKey }));
    const send = async (list: EncodedBatch[]) => {
      const queue = [...list];
      const worker = async () => {
        for (let b = queue.shift(); b; b = queue.shift()) {
          // Real HTTPS, a fresh signed envelope per attempt (a resend is a new attempt of the same frozen records).
          const envelope = attemptHeaders({ deviceId: identity.deviceId, batchId: b.batch.batchId, contentSha256: b.contentSha256, attemptAt: Date.now() }, identity.privateKey);
          const res = await pool.request({ method: 'POST', path: BATCH_PATH, headers: { ...b.headers, ...envelope }, body: b.body });
          const text = await res.body.text();
          if (res.statusCode !== 200) throw new Error(`ingest answered ${res.statusCode}: ${text.slice(0, 200)}`);
        }
      };
      const t = performance.now();
      await Promise.all(Array.from({ length: concurrency }, worker));
      return (performance.now() - t) / 1000;
    };
    const fresh = await send(batches);
    // The same batches again: every record a duplicate (a relay resending after a lost answer).
    const again = await send(batches);
    const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM registrations WHERE device_id = $1', [identity.deviceId]);
    if (row?.n !== records) throw new Error(`expected ${records} rows after dedupe, found ${row?.n}`);
    return { records, newPerSecond: records / fresh, duplicatePerSecond: records / again, concurrency, batchSize };
  } finally {
    await pool.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchForwarding(): Promise<string[]> {
  const cluster = await startPgCluster();
  const db = createPostgresDb(cluster.url, { max: 4 });
  const out: string[] = [];
  try {
    await migrate(db);
    const n = Number(process.env.FORWARDING_BENCH_REGISTRATIONS ?? 40);
    out.push('');
    out.push('## Drain over emulated links with the shipped settings (TLS, signed answers; relay → TCP proxy → central → PostgreSQL)');
    out.push(
      `Backlog: registrations × 2 fingers × (sealed image ${IMAGE_BYTES} B + template ${TEMPLATE_BYTES} B), binary frames; batches sized to ≤ ${SHIPPED.maxBatchSeconds} s on the measured link, ${SHIPPED.inFlightBatches} in flight, at most ${SHIPPED.batchMaxRecords} records / ${fmt(SHIPPED.batchMaxBytes / 1024, 0)} KiB. Utilisation = body bytes sent (resends included) ÷ (link rate × drain time). Goals: ≥ 85 % at 50 kbit/s, ≥ 95 % at 600 ms / 2 Mbit/s.`,
    );
    out.push('| link | RTT | registrations | drain s | body bytes | utilisation |');
    out.push('|---|---|---|---|---|---|');
    const only = process.env.FORWARDING_BENCH_LINKS?.split(',');
    for (const kbit of [50, 256, 2000, 10_000]) {
      for (const rttMs of [600, 50]) {
        const label = `${kbit}@${rttMs}`;
        if (only && !only.includes(label)) continue;
        const bytesPerSecond = (kbit * 1000) / 8;
        // About two minutes of the link's time each, at least 10 registrations.
        const regs = Math.max(10, Math.min(n * 5, Math.round((bytesPerSecond * 120) / (2 * (IMAGE_BYTES + TEMPLATE_BYTES) + 4000))));
        const d = await drain(cluster.url, regs, SHIPPED.batchMaxBytes, { bytesPerSecond, rttMs });
        out.push(`| ${kbit >= 1000 ? `${kbit / 1000} Mbit/s` : `${kbit} kbit/s`} | ${rttMs} ms | ${d.registrations} | ${fmt(d.seconds, 1)} | ${fmt(d.requestBytes, 0)} | ${fmt(d.utilisation * 100, 1)} % |`);
      }
    }
    out.push('');
    const records = Number(process.env.FORWARDING_BENCH_INGEST_RECORDS ?? 20_000);
    const recordBytes = Buffer.byteLength(JSON.stringify(ingestRecord(1)));
    out.push(`## Central ingest into PostgreSQL over real HTTPS (${fmt(recordBytes / 1024, 1)} KiB records with details; envelope + signature + gunzip + schema + one INSERT per batch; synchronous_commit on)`);
    out.push('| records | batch size | concurrent senders | new records/s | duplicate records/s (dedupe) | goal |');
    out.push('|---|---|---|---|---|---|');
    for (const [batchSize, concurrency] of [
      [200, 1],
      [500, 2],
    ] as const) {
      const r = await ingest(db, records, batchSize, concurrency);
      out.push(`| ${r.records} | ${r.batchSize} | ${r.concurrency} | ${fmt(r.newPerSecond, 0)} | ${fmt(r.duplicatePerSecond, 0)} | ≥ 3,000 (200, 1 sender) |`);
    }
  } finally {
    await db.close();
    await cluster.stop();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rootLogger } = await import('@lmc/core/logger.ts');
  rootLogger.level = process.env.LOG_LEVEL ?? 'silent';
  console.log((await benchForwarding()).join('\n'));
  process.exit(0);
}
