/**
 * Cross-office lookup benchmark (`npm run bench`, or alone: `tsx tests/bench/lookup.ts`), issue #16 item 2:
 *
 * 1. The person index of LOOKUP_BENCH_PERSONS people (default 100,000; 1 in 5 registered at a second office, so
 *    120,000 registrations) ingested into the real central on real PostgreSQL through ingestBatch (the linking runs
 *    in each batch's transaction, as in production): records/s with linking.
 * 2. The offline index an appliance pulls of them, over real HTTPS (pinned, every page signed and checked): file
 *    size on the appliance (goal ≤ 10 MB), bytes on the wire (gzip), pull time.
 * 3. Lookup latency at the counter through NetworkLookup.lookup (the appliance's store read, the keyed hash, then):
 *    online — the central's signed answer over HTTPS from PostgreSQL (budget 2 s); offline — the central refusing
 *    connections, the index answering (goal ≤ 5 ms); and a bare index probe (hash + Map get).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey, randomUUID } from 'node:crypto';
import { loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import { LookupClient } from '@lmc/appliance/lookup/lookup-client.ts';
import { NetworkLookup } from '@lmc/appliance/lookup/network-lookup.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { build } from '@lmc/central/app.ts';
import type { Db } from '@lmc/central/db/db.ts';
import { migrate } from '@lmc/central/db/migrations.ts';
import { createPostgresDb } from '@lmc/central/db/postgres-db.ts';
import { ingestBatch } from '@lmc/central/ingest/ingest.ts';
import { contentHash, type BatchRecord } from '@lmc/protocol/batch.ts';
import { freeTcpPort } from '../support/central-process.ts';
import { makeLinkTrust } from '../support/link-trust.ts';
import { startPgCluster } from '../support/pg-cluster.ts';
import { fmt, type Spread, spread } from './stats.ts';

const PERSONS = Number(process.env.LOOKUP_BENCH_PERSONS ?? 100_000);
const BATCH = 500;
const LOOKUPS = 300;

const lettersOf = (n: number): string => (n < 26 ? '' : lettersOf(Math.floor(n / 26) - 1)) + String.fromCharCode(65 + (n % 26));

function passportOf(i: number) {
  return {
    format: 'TD3',
    documentCode: 'P',
    issuingState: 'ZWE',
    nationality: 'ZWE',
    documentNumber: `FN${String(i).padStart(7, '0')}`,
    // Distinct names (letters only, as in an MRZ): namesakes with one birth date and sex are rare in life.
    surname: `MOYO${lettersOf(i)}`,
    givenNames: 'GIVEN NAME',
    sex: i % 2 ? 'M' : 'F',
    birthDate: `19${70 + (i % 30)}-0${1 + (i % 9)}-1${i % 10}`,
    valid: true,
    lines: ['P<ZWESURNAME<<GIVEN<NAME'.padEnd(44, '<')],
  };
}

function recordOf(i: number, office: string, finalizedAt: string): BatchRecord {
  const id = randomUUID();
  const payload = {
    payloadVersion: 1,
    registration: { id, officeCode: office, officerId: `${office}-001`, status: 'finalized', version: 3, finalizedAt, document: passportOf(i) },
    details: { homeDistrict: 'ZW-MS-BEITBRIDGE', occupationIsco: '9211', destinationProvince: 'ZA-LP', education: 'primary', nextOfKin: { name: 'Rudo Moyo', relationship: 'spouse' } },
  };
  return { id, eventType: 'registration.finalized', officeCode: office, finalizedAt, payload, contentHash: contentHash(payload) };
}

export interface LookupBench {
  persons: number;
  registrations: number;
  ingestPerSecond: number;
  baselinePerSecond: number;
  indexFileBytes: number;
  indexWireBytes: number;
  indexPullSeconds: number;
  indexDocuments: number;
  online: Spread;
  offline: Spread;
  probe: Spread;
}

export async function benchLookup(): Promise<LookupBench> {
  const root = mkdtempSync(join(tmpdir(), 'bench-lookup-'));
  const cluster = await startPgCluster();
  const db: Db = createPostgresDb(cluster.url);
  const trust = await makeLinkTrust();
  try {
    await migrate(db);
    const dataDir = join(root, 'bbr');
    const identity = loadOrCreateIdentity(dataDir);
    const devices = [
      { deviceId: identity.deviceId, officeCode: 'BBR', publicKeyPem: identity.publicKeyPem },
      { deviceId: 'hre-bench', officeCode: 'HRE', publicKeyPem: identity.publicKeyPem },
    ];
    const central = build({ db, devices, https: trust.tls, centralKey: trust.centralKey, logger: undefined });
    const url = await central.listen({ host: '127.0.0.1', port: 0 });
    await db.query("INSERT INTO devices (device_id, office_code, public_key_pem) VALUES ('hre-bench', 'HRE', $1) ON CONFLICT DO NOTHING", [identity.publicKeyPem]);

    // 1. Ingest: everyone at HRE, every fifth person again at BBR a month later.
    const started = performance.now();
    let registrations = 0;
    const send = async (office: 'HRE' | 'BBR', records: BatchRecord[]) => {
      const device = { deviceId: office === 'HRE' ? 'hre-bench' : identity.deviceId, officeCode: office, publicKey: createPublicKey(identity.publicKeyPem) };
      await ingestBatch(db, { device: device as never, batch: { deviceId: device.deviceId, batchId: randomUUID(), sentAt: new Date().toISOString(), records }, bodyBytes: 0 });
      registrations += records.length;
    };
    for (let from = 0; from < PERSONS; from += BATCH) {
      const n = Math.min(BATCH, PERSONS - from);
      await send('HRE', Array.from({ length: n }, (_, k) => recordOf(from + k, 'HRE', '2026-10-02T09:00:00+02:00')));
    }
    const again = Array.from({ length: Math.floor(PERSONS / 5) }, (_, k) => k * 5);
    for (let from = 0; from < again.length; from += BATCH) {
      await send('BBR', again.slice(from, from + BATCH).map((i) => recordOf(i, 'BBR', '2026-11-02T09:00:00+02:00')));
    }
    const ingestSeconds = (performance.now() - started) / 1000;
    // The same records without a document (nothing to link), for the cost of linking on this machine.
    const baselineCount = Math.max(BATCH, Math.floor(PERSONS / 10));
    const baselineStarted = performance.now();
    const linkedSoFar = registrations;
    for (let from = 0; from < baselineCount; from += BATCH) {
      const records = Array.from({ length: Math.min(BATCH, baselineCount - from) }, (_, k) => {
        const r = recordOf(PERSONS + from + k, 'HRE', '2026-10-02T09:00:00+02:00');
        (r.payload as { registration: { document: unknown } }).registration.document = null;
        return { ...r, contentHash: contentHash(r.payload) };
      });
      await send('HRE', records);
    }
    const baselinePerSecond = (registrations - linkedSoFar) / ((performance.now() - baselineStarted) / 1000);
    registrations = linkedSoFar;

    // 2. The appliance pulls the whole index over HTTPS.
    const store = openApplianceStore({ dataDir });
    const client = new LookupClient({ url, identity, connectTimeoutMs: 2000, responseTimeoutMs: 60_000, ...trust.client });
    let wire = 0;
    const counting = {
      lookup: (h: string, t: number) => client.lookup(h, t),
      indexPage: async (since: number, limit: number) => {
        const r = await client.indexPage(since, limit);
        if (r.kind === 'ok') wire += Buffer.byteLength(JSON.stringify(r.value));
        return r;
      },
      close: () => client.close(),
    };
    const online = new NetworkLookup({ store, officeCode: 'BBR', dataDir, transport: counting, pollMs: 60_000, backoff: { baseMs: 100, maxMs: 1000 } });
    const pullStarted = performance.now();
    await online.pullIndex();
    const indexPullSeconds = (performance.now() - pullStarted) / 1000;
    const status = online.index.status();

    // 3. Lookups of returning people (registered at HRE and BBR) scanned at BBR.
    const ids: string[] = [];
    for (let k = 0; k < LOOKUPS; k++) {
      const r = store.registrations.create({ officeCode: 'BBR', officerId: 'BBR-001' });
      store.registrations.attachDocument(r.id, passportOf((k * 7919) % PERSONS) as never, 'BBR-001');
      ids.push(r.id);
    }
    const time = async (f: (id: string) => Promise<unknown>) => {
      const samples: number[] = [];
      for (const id of ids) {
        const t = performance.now();
        await f(id);
        samples.push(performance.now() - t);
      }
      return spread(samples);
    };
    await online.lookup(ids[0] as string); // connection up
    const onlineTimes = await time(async (id) => {
      const r = await online.lookup(id);
      if (r.source !== 'central' || !r.returning) throw new Error(`online lookup did not find ${id}: ${r.source}`);
    });
    const deadPort = await freeTcpPort();
    const refused = new LookupClient({ url: `https://127.0.0.1:${deadPort}`, identity, connectTimeoutMs: 2000, responseTimeoutMs: 2000, ...trust.client });
    const offline = new NetworkLookup({ store, officeCode: 'BBR', dataDir, transport: refused, pollMs: 60_000, backoff: { baseMs: 100, maxMs: 1000 } });
    const offlineTimes = await time(async (id) => {
      const r = await offline.lookup(id);
      if (r.source !== 'index' || !r.returning) throw new Error(`offline lookup did not find ${id}: ${r.source}`);
    });
    const docs = ids.map((id) => store.registrations.get(id)?.document ?? null);
    const probeSamples: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (const d of docs) {
        const t = performance.now();
        online.index.find(d);
        probeSamples.push(performance.now() - t);
      }
    }
    await refused.close();
    await client.close();
    store.close();
    await central.close();
    return {
      persons: PERSONS,
      registrations,
      ingestPerSecond: registrations / ingestSeconds,
      baselinePerSecond,
      indexFileBytes: status.fileBytes,
      indexWireBytes: wire,
      indexPullSeconds,
      indexDocuments: status.documents,
      online: onlineTimes,
      offline: offlineTimes,
      probe: spread(probeSamples),
    };
  } finally {
    await db.close();
    await cluster.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

export function formatLookup(b: LookupBench): string[] {
  const mb = (n: number) => fmt(n / 1_000_000, 2);
  return [
    `## Cross-office lookup (${b.persons.toLocaleString('en')} people, ${b.registrations.toLocaleString('en')} registrations; real PostgreSQL, HTTPS, signed answers)`,
    '| measure | value | goal |',
    '|---|---|---|',
    `| ingest with person linking (ingestBatch, batch ${BATCH}) | ${fmt(b.ingestPerSecond, 0)} records/s (${fmt(b.baselinePerSecond, 0)} without a document to link) | — |`,
    `| offline index on the appliance (${b.indexDocuments.toLocaleString('en')} documents) | ${mb(b.indexFileBytes)} MB | ≤ 10 MB |`,
    `| index pull from 0 over HTTPS (JSON, before gzip) | ${mb(b.indexWireBytes)} MB in ${fmt(b.indexPullSeconds, 1)} s | — |`,
    `| lookup online (NetworkLookup → central → PostgreSQL) p50 / p99 | ${fmt(b.online.p50, 1)} / ${fmt(b.online.p99, 1)} ms | ≤ 2,000 ms |`,
    `| lookup offline (central refusing, index answers) p50 / p99 | ${fmt(b.offline.p50, 2)} / ${fmt(b.offline.p99, 2)} ms | ≤ 5 ms |`,
    `| index probe alone (HMAC + Map get) p50 / p99 | ${fmt(b.probe.p50 * 1000, 1)} / ${fmt(b.probe.p99 * 1000, 1)} µs | — |`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rootLogger } = await import('@lmc/core/logger.ts');
  rootLogger.level = process.env.LOG_LEVEL ?? 'silent';
  console.log(formatLookup(await benchLookup()).join('\n'));
  process.exit(0);
}
