/**
 * Typed calls into the one CPU pool (cpu-pool.ts), one lane per kind of work. Callers await these instead of
 * calling the CPU-heavy function on the event loop. The barcode lane is barcodes/barcode-reader.ts's.
 *
 * | lane          | priority | running | waiting | wait limit | time limit |
 * |---------------|----------|---------|---------|------------|------------|
 * | fingerprints  | 0        | threads | 8       | 30 s       | 10 s       |
 * | documents     | 1        | threads | 8       | 20 s       | 30 s       |
 * | faces         | 1        | 1       | 4       | 10 s       | 5 s        |
 * | batches       | 2        | 1       | 2       | 60 s       | 60 s       |
 * | barcodes      | 5        | 1       | 4       | 10 s       | 5 s        |
 *
 * A person waits at the glass for a fingerprint's quality, an officer for a slip; the relay's batches can wait;
 * barcode photos are untrusted uploads and never get more than one thread.
 */
import type { GreyImage } from '@lmc/firmware-bridge/fingerprint/fingerprint-reader.ts';
import { type BatchRecord, type BatchRecordInput, type EncodeBatchOptions, type EncodedBatch, EVENT_REGISTRATION_FINALIZED } from '@lmc/protocol/batch.ts';
import type { DailyReportOptions } from '../documents/daily-report.ts';
import type { SlipOptions } from '../documents/registration-slip.ts';
import type { DailyReportData } from '../documents/report-data.ts';
import type { ReceiptFacts } from '../printing/receipt-facts.ts';
import { type CpuPool, type Lane, type LaneOptions, sharedCpuPool } from './cpu-pool.ts';
import type { CpuTaskKind, CpuTasks } from './cpu-tasks.ts';
import { asBuffer } from './task-envelope.ts';

const LANES = {
  fingerprints: { name: 'fingerprints', noun: 'the fingerprint image worker', priority: 0, maxRunning: 8, maxWaiting: 8, maxWaitMs: 30_000, timeLimitMs: 10_000, retryAfterS: 2 },
  documents: { name: 'documents', noun: 'the PDF renderer', priority: 1, maxRunning: 8, maxWaiting: 8, maxWaitMs: 20_000, timeLimitMs: 30_000, retryAfterS: 2 },
  faces: { name: 'faces', noun: 'the face photo decoder', priority: 1, maxRunning: 1, maxWaiting: 4, maxWaitMs: 10_000, timeLimitMs: 5_000, retryAfterS: 2 },
  batches: { name: 'batches', noun: 'the batch compressor', priority: 2, maxRunning: 1, maxWaiting: 2, maxWaitMs: 60_000, timeLimitMs: 60_000, retryAfterS: 5 },
} satisfies Record<string, LaneOptions>;

type LaneName = keyof typeof LANES;
const lanesOf = new WeakMap<CpuPool, Map<LaneName, Lane>>();

function laneOf(name: LaneName, pool: CpuPool): Lane {
  const lanes = lanesOf.get(pool) ?? new Map<LaneName, Lane>();
  lanesOf.set(pool, lanes);
  const lane = lanes.get(name) ?? pool.lane(LANES[name]);
  lanes.set(name, lane);
  return lane;
}

function run<K extends CpuTaskKind>(lane: LaneName, kind: K, input: CpuTasks[K]['input'], pool: CpuPool): Promise<CpuTasks[K]['output']> {
  return laneOf(lane, pool).run<CpuTasks[K]['output']>(kind, input);
}

/** scoreQuality() of one capture, in the pool. */
export function scoreFingerprintQuality(image: GreyImage, pool: CpuPool = sharedCpuPool()): Promise<number> {
  return run('fingerprints', 'fingerprint.quality', image, pool);
}

/** One capture as a lossless 8-bit grey PNG, encoded in the pool. */
export async function encodeFingerprintPng(image: GreyImage, pool: CpuPool = sharedCpuPool()): Promise<Buffer> {
  return asBuffer(await run('fingerprints', 'fingerprint.png', image, pool));
}

/** The registration slip PDF (documents/registration-slip.ts), rendered in the pool. */
export async function renderSlipPdf(facts: ReceiptFacts, options: SlipOptions, pool: CpuPool = sharedCpuPool()): Promise<Buffer> {
  return asBuffer(await run('documents', 'document.slip', { facts, options }, pool));
}

/** A passport chip's JPEG 2000 face as a displayable JPEG (chip/face-display.ts), decoded in the pool. */
export async function faceJpegInPool(jp2: Buffer, pool: CpuPool = sharedCpuPool()): Promise<{ jpeg: Buffer; width: number; height: number }> {
  const r = await run('faces', 'chip.face-jpeg', jp2, pool);
  return { ...r, jpeg: asBuffer(r.jpeg) };
}

/** The daily report PDF (documents/daily-report.ts), rendered in the pool. */
export async function renderDailyReportPdf(data: DailyReportData, options: DailyReportOptions, pool: CpuPool = sharedCpuPool()): Promise<Buffer> {
  return asBuffer(await run('documents', 'document.daily-report', { data, options }, pool));
}

/** protocol/src/batch.ts encodeBatch (JSON, gzip, frame, signature) in the pool: same bytes, off the event loop. */
export async function encodeBatchInPool(
  records: readonly BatchRecordInput[],
  options: EncodeBatchOptions,
  pool: CpuPool = sharedCpuPool(),
): Promise<EncodedBatch> {
  const { contentHashes, batch, ...encoded } = await run('batches', 'batch.encode', { records, options }, pool);
  const sent = records.map((r, i): BatchRecord => ({
    id: r.id,
    eventType: EVENT_REGISTRATION_FINALIZED,
    officeCode: r.officeCode,
    finalizedAt: r.finalizedAt,
    payload: r.payload,
    contentHash: contentHashes[i] as string,
  }));
  return { ...encoded, batch: { ...batch, records: sent }, body: asBuffer(encoded.body) };
}
