/**
 * The barcode reader: image decoding and zxing run in one worker thread (piscina), never on the event
 * loop that times serial bytes and serves the officer's screen. An attacker's 48 KB, 6000×6000 PNG
 * blocked that loop for ~2.6 s per upload before this existed.
 *
 * - One job at a time (maxThreads 1): a 2-core appliance keeps a core for the rest of the process.
 * - At most `maxWaiting` jobs wait (default 4); more are refused at once with BARCODE_BUSY (503 +
 *   Retry-After), and a job that waits longer than `maxWaitMs` is refused the same way.
 * - A running job gets `timeLimitMs` (default 5 s, counted from when the worker starts on it, not from
 *   the queue); then the worker is terminated through the job's AbortSignal and a fresh one takes the
 *   next job: BARCODE_TIMEOUT (422: the same photo would take as long again).
 * - The worker's heap is bounded with resourceLimits; running out is BARCODE_IMAGE_TOO_LARGE.
 * - The worker starts on the first upload and leaves after `idleTimeoutMs` without one.
 *
 * TypeScript in the worker: the worker is a plain Node thread, so it gets tsx's loader through its
 * execArgv (`--import <tsx>`), under `tsx appliance/src/main.ts` and under vitest alike.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { ApplianceError, isApplianceError } from '../errors.ts';
import type { DecodedBarcode } from './barcode-decoder.ts';
import { BarcodeErrorCodes } from './barcode-errors.ts';
import type { ReaderResult, ReaderTask } from './barcode-worker.ts';
import { isCompiled } from '@lmc/core/runtime-paths.ts';

export interface BarcodeReaderOptions {
  /** Jobs allowed to wait behind the running one (default 4). */
  maxWaiting?: number;
  /** Time a job may run in the worker (default 5000 ms). */
  timeLimitMs?: number;
  /** Time a job may wait for its turn (default 10 000 ms). */
  maxWaitMs?: number;
  /** Time the worker may take to start (load tsx, zxing) before the job is refused (default 20 000 ms). */
  startLimitMs?: number;
  /** Worker V8 heap (old generation) in MB (default 256). */
  maxHeapMb?: number;
  /** The worker exits after this long without a job (default 5 min). */
  idleTimeoutMs?: number;
  /** Where unexpected worker failures are reported (app.log in the routes). */
  log?: { warn(obj: object, msg: string): void };
}

export interface BarcodeReaderStats {
  running: number;
  waiting: number;
  completed: number;
  refusedBusy: number;
  timedOut: number;
  /** Worker-side decode times of the last (up to) 200 jobs, ms. */
  recentWorkerMs: number[];
}

export interface BarcodeReader {
  /** Reads one QR code or PDF417 from PNG/JPEG bytes; rejects with the BARCODE_* coded errors. */
  decode(bytes: Uint8Array): Promise<DecodedBarcode>;
  /** Refuses waiting jobs, terminates the worker. Idempotent. */
  close(): Promise<void>;
  stats(): BarcodeReaderStats;
  /** Seconds a refused client should wait: one running job's time limit frees a place. */
  readonly retryAfterS: number;
}

/**
 * The worker's file and flags. From source (tests, `npm start`) the worker is TypeScript loaded through tsx; in a
 * production build (scripts/build.mjs) it is `barcode-worker.js` beside the bundle and needs no loader.
 */
function workerLaunch(): { filename: string; execArgv: string[] } {
  if (isCompiled(import.meta.url)) return { filename: fileURLToPath(new URL('./barcode-worker.js', import.meta.url)), execArgv: [] };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { filename: fileURLToPath(new URL('./barcode-worker.ts', import.meta.url)), execArgv: ['--import', tsx] };
}

type AbortReason = 'timeout' | 'start' | 'closed' | 'failed';

interface Job {
  bytes: Uint8Array;
  resolve: (d: DecodedBarcode) => void;
  reject: (err: unknown) => void;
  waitTimer?: NodeJS.Timeout;
}

export function createBarcodeReader(options: BarcodeReaderOptions = {}): BarcodeReader {
  const maxWaiting = options.maxWaiting ?? 4;
  const timeLimitMs = options.timeLimitMs ?? 5000;
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  const startLimitMs = options.startLimitMs ?? 20_000;
  const retryAfterS = Math.max(1, Math.ceil(timeLimitMs / 1000));
  const waiting: Job[] = [];
  const runningControllers = new Set<AbortController>();
  const counters = { completed: 0, refusedBusy: 0, timedOut: 0 };
  const recentWorkerMs: number[] = [];
  let running = 0;
  let closed = false;
  let piscina: Piscina<ReaderTask, ReaderResult> | undefined;

  const pool = (): Piscina<ReaderTask, ReaderResult> => {
    if (piscina) return piscina;
    const launch = workerLaunch();
    piscina = new Piscina<ReaderTask, ReaderResult>({
      filename: launch.filename,
      name: 'default',
      minThreads: 0,
      maxThreads: 1,
      concurrentTasksPerWorker: 1,
      maxQueue: maxWaiting, // a backstop: this module hands the pool one job at a time
      idleTimeout: options.idleTimeoutMs ?? 5 * 60_000,
      execArgv: launch.execArgv,
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    // A worker that dies before it takes its job (e.g. it cannot load) is reported here, not to the job:
    // without a listener the 'error' event would end the process.
    piscina.on('error', (err: Error) => {
      options.log?.warn({ err: { message: err.message, name: err.name } }, 'barcode reader worker failed');
      for (const controller of runningControllers) controller.abort('failed' satisfies AbortReason);
    });
    return piscina;
  };

  const busy = (message: string) =>
    new ApplianceError(BarcodeErrorCodes.Busy, message, { retryAfterS, waiting: waiting.length });
  const unavailable = (message: string, cause?: unknown) =>
    new ApplianceError(BarcodeErrorCodes.ReaderUnavailable, message, { retryAfterS }, cause === undefined ? undefined : { cause });

  async function runOnWorker(bytes: Uint8Array): Promise<DecodedBarcode> {
    const controller = new AbortController();
    runningControllers.add(controller);
    const { port1, port2 } = new MessageChannel();
    let timer = setTimeout(() => controller.abort('start' satisfies AbortReason), startLimitMs);
    port1.once('message', () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort('timeout' satisfies AbortReason), timeLimitMs);
    });
    try {
      const result = await pool().run({ bytes, started: port2 }, { transferList: [port2], signal: controller.signal });
      recentWorkerMs.push(result.ms);
      if (recentWorkerMs.length > 200) recentWorkerMs.shift();
      if (result.ok) return { format: result.format, text: result.text };
      throw new ApplianceError(result.code, result.message, result.context);
    } catch (err) {
      if (isApplianceError(err)) throw err;
      const reason = controller.signal.aborted ? (controller.signal.reason as AbortReason) : undefined;
      if (reason === 'timeout') {
        counters.timedOut++;
        throw new ApplianceError(
          BarcodeErrorCodes.Timeout,
          `reading the barcode took longer than ${timeLimitMs / 1000} s and was stopped: send a closer, sharper photo of just the code`,
          { timeLimitMs },
        );
      }
      if (reason === 'closed') throw unavailable('the barcode reader is shutting down');
      if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new ApplianceError(BarcodeErrorCodes.ImageTooLarge, 'the image needs more memory than the barcode reader may use: send a smaller photo');
      }
      if (reason !== 'failed') options.log?.warn({ err: { message: (err as Error).message, name: (err as Error).name }, reason }, 'barcode reader worker failed');
      throw unavailable(
        reason === 'start' ? 'the barcode reader did not start in time: try again in a moment' : 'the barcode reader stopped unexpectedly: try again in a moment',
        err,
      );
    } finally {
      clearTimeout(timer);
      port1.close();
      runningControllers.delete(controller);
      counters.completed++;
    }
  }

  function pump(): void {
    while (!closed && running < 1 && waiting.length > 0) {
      const job = waiting.shift() as Job;
      clearTimeout(job.waitTimer);
      running++;
      // Free the place before settling, so a caller that awaits this job and posts again finds it free.
      const finish = () => {
        running--;
        pump();
      };
      runOnWorker(job.bytes).then(
        (decoded) => {
          finish();
          job.resolve(decoded);
        },
        (err: unknown) => {
          finish();
          job.reject(err);
        },
      );
    }
  }

  return {
    retryAfterS,
    decode(bytes) {
      if (closed) return Promise.reject(unavailable('the barcode reader is shut down'));
      if (running > 0 && waiting.length >= maxWaiting) {
        counters.refusedBusy++;
        return Promise.reject(busy(`the barcode reader is busy (${maxWaiting} images waiting): try again in ${retryAfterS} s`));
      }
      return new Promise<DecodedBarcode>((resolve, reject) => {
        const job: Job = { bytes, resolve, reject };
        job.waitTimer = setTimeout(() => {
          const at = waiting.indexOf(job);
          if (at < 0) return;
          waiting.splice(at, 1);
          counters.refusedBusy++;
          reject(busy(`the barcode reader is busy (waited ${maxWaitMs / 1000} s): try again in ${retryAfterS} s`));
        }, maxWaitMs);
        waiting.push(job);
        pump();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const job of waiting.splice(0)) {
        clearTimeout(job.waitTimer);
        job.reject(unavailable('the barcode reader is shutting down'));
      }
      for (const controller of runningControllers) controller.abort('closed' satisfies AbortReason);
      await piscina?.destroy();
    },
    stats: () => ({ running, waiting: waiting.length, ...counters, recentWorkerMs: [...recentWorkerMs] }),
  };
}
