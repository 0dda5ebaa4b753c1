/**
 * Central ingest benchmark (`npm run bench`, or alone: `npx tsx tests/bench/ingest.ts`), issue 13 point 7.
 *
 * What an appliance really sends: FinalizedRecordV1 records (protocol/src/finalized-record.ts) built from an MRZ
 * parsed by the real parser, complete details, a fingerprint summary with four sealed-blob references and a chip
 * summary, turned into wire records by the appliance's own toWireRecord (≈ 3.9 KB of JSON each); batches of the
 * appliance's default size (sync.batchMaxRecords = 200) carrying a fleet status, gzip + Ed25519 signed; one
 * sender with a fresh signed attempt envelope per request, keeping the relay's default window of 4 batches in flight
 * on one pipelined connection (never more than the appliance does); the central as shipped (`central/src/main.ts` in
 * its own process: HTTPS, pino logging, PostgreSQL pool) on a throwaway PostgreSQL cluster (tests/support/pg-cluster.ts)
 * started durable: fsync, full_page_writes and synchronous_commit on (the test clusters run with fsync off).
 *
 * Reported: new records/s (every record stored), duplicate records/s (the same batches again, every record a
 * duplicate, as after lost answers), the ratio to the 3,000 records/s goal, and per-batch round-trip percentiles.
 * Encoding happens before the clock starts: the figure is the central's, not the sender's.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import { completeDetailsBody } from '@lmc/appliance/registrations-details/test-support.ts';
import { toWireRecord } from '@lmc/appliance/sync/wire-record.ts';
import { generateMrz } from '@lmc/firmware-bridge/mrz/generate.ts';
import { parseMrz } from '@lmc/firmware-bridge/mrz/parse.ts';
import { DEFAULT_IN_FLIGHT_BATCHES, pipeliningFor } from '@lmc/appliance/sync/outbox-relay.ts';
import { attemptHeaders } from '@lmc/protocol/batch-envelope.ts';
import { type ApplianceStatus, BATCH_PATH, type BatchRecordInput, type EncodedBatch, encodeBatch } from '@lmc/protocol/batch.ts';
import { buildFinalizedRecord, parseFinalizedRecord } from '@lmc/protocol/finalized-record.ts';
import { freeTcpPort, spawnCentral } from '../support/central-process.ts';
import { makeLinkTrust } from '../support/link-trust.ts';
import { startPgCluster } from '../support/pg-cluster.ts';
import { fmt, percentile } from './stats.ts';

export const INGEST_GOAL_PER_SECOND = 3_000;
/** appliance/src/config/schema.ts sync.batchMaxRecords default. */
export const APPLIANCE_BATCH_RECORDS = 200;
/**
 * Batches in flight, as the appliance's relay keeps them (appliance/src/sync/outbox-relay.ts, sync.inFlightBatches
 * default 4): on one HTTP/1.1 connection with undici pipelining, the next batch sent only when the oldest is answered.
 * INGEST_BENCH_WINDOW=1 gives the old one-at-a-time sender (a latency figure, not the appliance's throughput).
 */
export const APPLIANCE_WINDOW = DEFAULT_IN_FLIGHT_BATCHES;
/**
 * A durable server, unlike the test clusters (fsync off): commits wait for a real WAL flush to disk. shared_buffers
 * is PostgreSQL's own default rather than the test clusters' 16 MB.
 */
export const DURABLE_SETTINGS = ['fsync=on', 'synchronous_commit=on', 'full_page_writes=on', 'shared_buffers=128MB'];

const SURNAMES = ['MOYO', 'NDLOVU', 'SIBANDA', 'DUBE', 'NCUBE', 'MPOFU', 'CHIKOWORE', 'MUTASA', 'GUMBO', 'MAPFUMO'];
const GIVEN = ['TENDAI', 'TATENDA', 'NYASHA', 'TAFADZWA', 'RUDO', 'KUDZAI', 'FADZAI', 'TARIRO', 'CHIPO', 'FARAI', 'RUMBIDZAI'];
const hex = (n: number, len = 64) => `${n.toString(16).padStart(8, '0').repeat(8)}ab`.slice(0, len);

/** One finalized registration as the appliance's outbox holds it, then as its relay sends it. */
export function realisticRecord(i: number, officeCode = 'BBR'): BatchRecordInput {
  const id = randomUUID();
  const female = i % 2 === 0;
  const lines = generateMrz({
    format: 'TD3',
    documentCode: 'P',
    issuingState: 'ZWE',
    nationality: 'ZWE',
    surname: SURNAMES[i % SURNAMES.length] as string,
    // Two given names and a birth date spread so that, as among real migrants, no two records share names and birth date.
    givenNames: `${GIVEN[i % GIVEN.length]} ${GIVEN[Math.floor(i / GIVEN.length) % GIVEN.length]}`,
    documentNumber: `FN${String(1_000_000 + i).padStart(7, '0')}`,
    birthDate: `${String(60 + (Math.floor(i / 121) % 40))}${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (Math.floor(i / 12) % 28)).padStart(2, '0')}`,
    sex: female ? 'F' : 'M',
    expiryDate: '310101',
  } as Parameters<typeof generateMrz>[0]);
  const document = parseMrz(lines) as unknown as Record<string, unknown>;
  const at = new Date(Date.UTC(2026, i % 12, 1 + (i % 28), 7 + (i % 9), i % 60)).toISOString();
  const biometrics = ['right-index', 'left-index'].flatMap((finger, f) =>
    (['image', 'template'] as const).map((kind, k) => ({
      finger,
      kind,
      blobId: `${id}-${finger}-${kind}`,
      sha256: hex(i * 4 + f * 2 + k),
      bytes: kind === 'image' ? 40_017 + (i % 900) : 612,
      keyId: 'a1b2c3d4e5f60718',
      templateFormat: kind === 'template' ? 'zfm20' : null,
    })),
  );
  const record = buildFinalizedRecord({
    registration: {
      id,
      officeCode,
      officerId: `officer-${1 + (i % 6)}`,
      status: 'finalized',
      createdAt: at,
      updatedAt: at,
      finalizedAt: at,
      version: 4,
      document: { ...document, valid: true, lines } as never,
      ...{ counterId: `C${1 + (i % 4)}`, documentSource: 'mrz-reader' },
    },
    fingerprints: { fingerprints: { captured: 2, exceptions: [], templates: 'sealed-in-biometrics' }, biometrics },
    details: {
      details: {
        ...completeDetailsBody(i % 3 === 0 ? 'sn' : 'en'),
        homeDistrict: `ZW-MS-D${i % 40}`,
        occupationIsco: String(6111 + (i % 7)),
        destinationProvince: 'ZA-LP',
        destinationCountry: 'ZAF',
        countryOfBirth: 'ZWE',
        employerId: `DEMO-EMP-${String(1 + (i % 50)).padStart(3, '0')}`,
        ...{ address: { line1: `${i} Samora Machel Avenue`, line2: 'Mkoba 14', town: 'Gweru' } },
      },
      returning: i % 3 === 0,
    },
    chip: { status: 'read', code: null, accessControl: 'bac', paOutcome: 'genuine', dg1Match: true, face: { sha256: hex(i + 7), mime: 'image/jpeg', bytes: 14_211 }, readAt: at },
  });
  const wire = toWireRecord({ seq: i + 1, registrationId: id, eventType: 'registration.finalized', payload: parseFinalizedRecord(record), createdAt: at, attempts: 0, lastError: null, wireJson: null });
  return wire;
}

export function benchStatus(length: number): ApplianceStatus {
  return {
    auditChain: { length, headHash: hex(length), ...(length > 1 ? { prior: { length: length - 1, hash: hex(length - 1) } } : {}) },
    backlog: { pending: 1_000, oldestUnsentAt: new Date(Date.now() - 3_600_000).toISOString() },
    softwareVersion: '0.1.0',
    devices: { mrz: 'ready', printer: 'ready', fingerprint: 'ready' },
  };
}

const TICKS_PER_SECOND = 100; // Linux USER_HZ, what /proc/<pid>/stat counts in

/** utime + stime (+ reaped children's, when asked) of a process, in seconds; 0 once it has gone. */
function cpuSecondsOf(pid: number, withReaped = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // Fields after the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
    return ((f[11] ?? 0) + (f[12] ?? 0) + (withReaped ? (f[13] ?? 0) + (f[14] ?? 0) : 0)) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by the PostgreSQL server of this cluster: the postmaster (with reaped children) and its live backends. */
function pgCpuSeconds(socketDir: string): number {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const postmaster = pids.find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => a === `-k ${socketDir}` || a === socketDir);
    } catch {
      return false;
    }
  });
  if (postmaster === undefined) return Number.NaN;
  let total = cpuSecondsOf(postmaster, true);
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) total += cpuSecondsOf(pid);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

export interface IngestBenchResult {
  records: number;
  batchSize: number;
  window: number;
  pgConnection: 'unix socket' | 'TCP loopback';
  recordBytes: number;
  newPerSecond: number;
  duplicatePerSecond: number;
  newBatchMs: { p50: number; p90: number; p99: number };
  duplicateBatchMs: { p50: number; p90: number; p99: number };
  /** CPU seconds per 1,000 new records: the central process, PostgreSQL (all its processes). */
  cpuPerThousand: { central: number; postgres: number };
  /** 1,000 / (central + PostgreSQL CPU per 1,000): the rate if both ran one after the other on an idle core (load-independent). */
  cpuBoundPerSecond: number;
  loadAverage: number;
}

export async function benchIngest(
  records = Number(process.env.INGEST_BENCH_RECORDS ?? 20_000),
  batchSize = APPLIANCE_BATCH_RECORDS,
  window = Number(process.env.INGEST_BENCH_WINDOW ?? APPLIANCE_WINDOW),
): Promise<IngestBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  // INGEST_BENCH_PG_SETTINGS: more settings for profiling, e.g. "shared_preload_libraries=pg_stat_statements".
  const extra = (process.env.INGEST_BENCH_PG_SETTINGS ?? '').split(/\s+/).filter((x) => x !== '');
  const cluster = await startPgCluster({ settings: [...DURABLE_SETTINGS, ...extra] });
  const identity = loadOrCreateIdentity(dir);
  const trust = await makeLinkTrust();
  const port = await freeTcpPort();
  // PostgreSQL on the same machine, so over its Unix socket as a local installation connects (INGEST_BENCH_PG_TCP=1:
  // TCP loopback instead, which costs both processes the kernel's TCP path for ~1 MB per batch).
  const overTcp = process.env.INGEST_BENCH_PG_TCP === '1';
  const central = await spawnCentral({
    port,
    databaseUrl: overTcp ? cluster.url : 'postgres:///postgres',
    devices: [{ deviceId: identity.deviceId, officeCode: 'BBR', publicKeyPem: identity.publicKeyPem }],
    devicesFile: join(dir, 'devices.json'),
    trust,
    env: {
      LOG_LEVEL: process.env.INGEST_BENCH_CENTRAL_LOG_LEVEL ?? 'info',
      // postgres.js takes a socket directory as PGHOST when the URL names no host.
      ...(overTcp ? {} : { PGHOST: cluster.socketDir, PGPORT: String(cluster.port), PGUSER: 'postgres' }),
      // INGEST_BENCH_CENTRAL_NODE_OPTIONS: e.g. "--import ./profiler.mjs" to profile the central (--cpu-prof is not allowed in NODE_OPTIONS).
      ...(process.env.INGEST_BENCH_CENTRAL_NODE_OPTIONS ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${process.env.INGEST_BENCH_CENTRAL_NODE_OPTIONS}` } : {}),
    },
  });
  // One connection, pipelining as the appliance's link sets it for its window (sync-feature.ts).
  const pool = new Pool(`https://127.0.0.1:${port}`, { connections: 1, pipelining: pipeliningFor(window), connect: { ca: trust.tls.cert, servername: 'localhost' } });
  try {
    const all = Array.from({ length: records }, (_, i) => realisticRecord(i));
    const batches: EncodedBatch[] = [];
    for (let i = 0; i < all.length; i += batchSize) {
      batches.push(encodeBatch(all.slice(i, i + batchSize), { deviceId: identity.deviceId, privateKey: identity.privateKey, status: benchStatus(1 + i / batchSize) }));
    }
    const centralPid = central.child.pid as number;
    const send = async () => {
      const ms: number[] = [];
      const cpu0 = { central: cpuSecondsOf(centralPid), postgres: pgCpuSeconds(cluster.socketDir) };
      const t = performance.now();
      // The relay's sliding window: up to `window` batches on the wire, answers taken in send order, the next batch
      // sent as soon as the oldest is answered (outbox-relay.ts runOnce).
      const post = async (b: EncodedBatch) => {
        const envelope = attemptHeaders({ deviceId: identity.deviceId, batchId: b.batch.batchId, contentSha256: b.contentSha256, attemptAt: Date.now() }, identity.privateKey);
        const t0 = performance.now();
        const res = await pool.request({
          method: 'POST',
          path: BATCH_PATH,
          headers: { ...b.headers, ...envelope },
          body: b.body,
          ...(window > 1 ? { idempotent: true, blocking: false } : {}),
        });
        const text = await res.body.text();
        ms.push(performance.now() - t0);
        if (res.statusCode !== 200) throw new Error(`ingest answered ${res.statusCode}: ${text.slice(0, 200)}`);
      };
      const inFlight: Promise<void>[] = [];
      let next = 0;
      const fill = () => {
        while (inFlight.length < window && next < batches.length) {
          const sent = post(batches[next++] as EncodedBatch);
          sent.catch(() => undefined);
          inFlight.push(sent);
        }
      };
      fill();
      for (let oldest = inFlight.shift(); oldest; oldest = inFlight.shift()) {
        await oldest;
        fill();
      }
      const seconds = (performance.now() - t) / 1000;
      return { seconds, ms, cpu: { central: cpuSecondsOf(centralPid) - cpu0.central, postgres: pgCpuSeconds(cluster.socketDir) - cpu0.postgres } };
    };
    const loadAverage = (await import('node:os')).loadavg()[0] ?? Number.NaN;
    const fresh = await send();
    const again = await send();
    const check = createCheck(cluster.url);
    const n = await check.count(identity.deviceId);
    if (process.env.INGEST_BENCH_PG_STATEMENTS) await check.statements(process.env.INGEST_BENCH_PG_STATEMENTS);
    await check.close();
    if (n !== records) throw new Error(`expected ${records} rows after dedupe, found ${n}`);
    const pct = (ms: number[]) => ({ p50: percentile(ms, 50), p90: percentile(ms, 90), p99: percentile(ms, 99) });
    return {
      records,
      batchSize,
      window,
      pgConnection: overTcp ? 'TCP loopback' : 'unix socket',
      recordBytes: Buffer.byteLength(JSON.stringify(batches[0]?.batch.records[0]?.payload)),
      newPerSecond: records / fresh.seconds,
      duplicatePerSecond: records / again.seconds,
      newBatchMs: pct(fresh.ms),
      duplicateBatchMs: pct(again.ms),
      cpuPerThousand: { central: (fresh.cpu.central * 1000) / records, postgres: (fresh.cpu.postgres * 1000) / records },
      cpuBoundPerSecond: records / (fresh.cpu.central + fresh.cpu.postgres),
      loadAverage,
    };
  } finally {
    await pool.close();
    await central.kill('SIGTERM');
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Counts the device's rows with the central's own Db seam (a second connection, after the run). */
function createCheck(url: string) {
  const load = import('@lmc/central/db/postgres-db.ts').then((m) => m.createPostgresDb(url, { max: 1 }));
  return {
    async count(deviceId: string): Promise<number> {
      const db = await load;
      const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM registrations WHERE device_id = $1', [deviceId]);
      return row?.n ?? -1;
    },
    /** With pg_stat_statements preloaded: the statements by total time, written to a file (profiling only). */
    async statements(file: string): Promise<void> {
      const db = await load;
      await db.exec('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      const rows = await db.query<{ calls: number; total_ms: number; mean_ms: number; query: string }>(
        `SELECT calls::int, round(total_exec_time::numeric + total_plan_time::numeric, 1)::float AS total_ms,
                round(mean_exec_time::numeric, 3)::float AS mean_ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
         FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 40`,
      );
      writeFileSync(file, rows.map((r) => `${r.calls}\t${r.total_ms}\t${r.mean_ms}\t${r.query}`).join('\n'));
    },
    async close() {
      await (await load).close();
    },
  };
}

export async function benchIngestLines(): Promise<string[]> {
  const r = await benchIngest();
  return [
    `## Central ingest of real records over HTTPS (FinalizedRecordV1 wire records with ${fmt(r.recordBytes / 1000, 1)} KB payloads with details, biometric references and chip summary; batches of ${r.batchSize} with a fleet status; one sender keeping ${r.window} batches in flight on one pipelined HTTPS connection, as the appliance's relay does; central/src/main.ts as shipped in its own process; PostgreSQL over ${r.pgConnection} with fsync, full_page_writes and synchronous_commit on)`,
    '| records | new records/s | vs goal 3,000 | batch round trip p50 / p90 / p99 ms | duplicate records/s | duplicate batch p50 / p99 ms | CPU s per 1,000 new: central / PostgreSQL | CPU-bound records/s (vs goal) | load average |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${r.records} | ${fmt(r.newPerSecond, 0)} | ${fmt(r.newPerSecond / INGEST_GOAL_PER_SECOND, 2)}× | ${fmt(r.newBatchMs.p50, 1)} / ${fmt(r.newBatchMs.p90, 1)} / ${fmt(r.newBatchMs.p99, 1)} | ${fmt(r.duplicatePerSecond, 0)} | ${fmt(r.duplicateBatchMs.p50, 1)} / ${fmt(r.duplicateBatchMs.p99, 1)} | ${fmt(r.cpuPerThousand.central, 3)} / ${fmt(r.cpuPerThousand.postgres, 3)} | ${fmt(r.cpuBoundPerSecond, 0)} (${fmt(r.cpuBoundPerSecond / INGEST_GOAL_PER_SECOND, 2)}×) | ${fmt(r.loadAverage, 1)} |`,
    'CPU-bound records/s = 1,000 ÷ (central + PostgreSQL CPU seconds per 1,000 new records): what one sender would get with the two running one after the other on otherwise idle cores. It depends far less on the machine\'s load than the measured rate (CPU time still grows somewhat under contention).',
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rootLogger } = await import('@lmc/core/logger.ts');
  rootLogger.level = process.env.LOG_LEVEL ?? 'silent';
  console.log((await benchIngestLines()).join('\n'));
  process.exit(0);
}
