/**
 * The barcode reader: image decoding and zxing run in the appliance's one CPU pool (workers/cpu-pool.ts), in
 * its own lane, never on the event loop that times serial bytes and serves the officer's screen. An attacker's
 * 48 KB, 6000×6000 PNG blocked that loop for ~2.6 s per upload before this existed.
 *
 * - One job at a time: barcode photos are untrusted uploads and never hold more than one of the pool's threads,
 *   so fingerprints, PDFs and batches always find one free.
 * - At most `maxWaiting` jobs wait (default 4); more are refused at once with BARCODE_BUSY (503 +
 *   Retry-After), and a job that waits longer than `maxWaitMs` is refused the same way.
 * - A running job gets `timeLimitMs` (default 5 s, counted from when the worker starts on it, not from
 *   the queue); then its worker is terminated and a fresh one takes the next job: BARCODE_TIMEOUT (422: the
 *   same photo would take as long again).
 * - The worker's heap is bounded; running out is BARCODE_IMAGE_TOO_LARGE.
 */
import { ApplianceErrors } from '../errors.ts';
import type { DecodedBarcode } from './barcode-decoder.ts';
import { type CpuPool, type LaneStats, sharedCpuPool } from '../workers/cpu-pool.ts';

export interface BarcodeReaderOptions {
  /** Jobs allowed to wait behind the running one (default 4). */
  maxWaiting?: number;
  /** Time a job may run in the worker (default 5000 ms). */
  timeLimitMs?: number;
  /** Time a job may wait for its turn (default 10 000 ms). */
  maxWaitMs?: number;
  /** Time the worker may take to start (load tsx, zxing) before the job is refused (default 20 000 ms). */
  startLimitMs?: number;
  /** The pool (default the process's one pool). */
  pool?: CpuPool;
}

export type BarcodeReaderStats = LaneStats;

export interface BarcodeReader {
  /** Reads one QR code or PDF417 from PNG/JPEG bytes; rejects with the BARCODE_* coded errors. */
  decode(bytes: Uint8Array): Promise<DecodedBarcode>;
  /** Refuses waiting jobs, ends the running one. Idempotent. */
  close(): Promise<void>;
  stats(): BarcodeReaderStats;
  /** Seconds a refused client should wait: one running job's time limit frees a place. */
  readonly retryAfterS: number;
}

export function createBarcodeReader(options: BarcodeReaderOptions = {}): BarcodeReader {
  const maxWaiting = options.maxWaiting ?? 4;
  const lane = (options.pool ?? sharedCpuPool()).lane({
    name: 'barcodes',
    priority: 5,
    maxRunning: 1,
    maxWaiting,
    timeLimitMs: options.timeLimitMs ?? 5000,
    maxWaitMs: options.maxWaitMs ?? 10_000,
    startLimitMs: options.startLimitMs ?? 20_000,
    codes: {
      busy: ApplianceErrors.BARCODE_BUSY.code,
      timeout: ApplianceErrors.BARCODE_TIMEOUT.code,
      outOfMemory: ApplianceErrors.BARCODE_IMAGE_TOO_LARGE.code,
      unavailable: ApplianceErrors.BARCODE_READER_UNAVAILABLE.code,
      // zxing or a decoder throwing on a strange file: the image's fault, a 4xx, never a 500.
      failed: ApplianceErrors.BARCODE_IMAGE_INVALID.code,
    },
    messages: {
      busy: (waiting, s) => `the barcode reader is busy (${waiting} images waiting): try again in ${s} s`,
      waitedTooLong: (ms, s) => `the barcode reader is busy (waited ${ms / 1000} s): try again in ${s} s`,
      timeout: (ms) => `reading the barcode took longer than ${ms / 1000} s and was stopped: send a closer, sharper photo of just the code`,
      outOfMemory: () => 'the image needs more memory than the barcode reader may use: send a smaller photo',
      unavailable: (why) =>
        why === 'closed'
          ? 'the barcode reader is shutting down'
          : why === 'start'
            ? 'the barcode reader did not start in time: try again in a moment'
            : 'the barcode reader stopped unexpectedly: try again in a moment',
      failed: () => 'the image could not be read: send a PNG or JPEG photo of the code',
    },
  });
  return {
    retryAfterS: lane.retryAfterS,
    decode: (bytes) => lane.run<DecodedBarcode>('barcode.decode', bytes),
    close: () => lane.close(),
    stats: () => lane.stats(),
  };
}
