/**
 * THE worker pool of the appliance: every CPU-heavy job (barcode decoding, fingerprint quality and PNG encoding,
 * PDF rendering, batch compression) runs in one set of worker threads (piscina), never on the event loop that
 * times serial bytes and serves the officer's screen.
 *
 * - Threads: `threads` (default 2 on a machine with 2 or more cores); each runs one job at a time.
 * - Lanes: each kind of work takes a lane with its own bounds: at most `maxRunning` of its jobs run at once
 *   (the barcode lane, which takes untrusted uploads, gets one thread, so the other is always free for the
 *   rest), at most `maxWaiting` wait; one more is refused at once with the lane's busy code (503 with
 *   Retry-After), and a job that waits longer than `maxWaitMs` is refused the same way. Nothing grows without
 *   bound. A free thread takes the waiting job of the most urgent lane (lowest `priority`), oldest first.
 * - A running job gets `timeLimitMs`, counted from when a worker starts on it (not from the queue); then its
 *   thread is terminated through the job's AbortSignal and a fresh one takes the next job.
 * - Workers' heaps are bounded (resourceLimits); running out is the lane's out-of-memory code.
 * - Threads start on the first job (or `warm()`) and leave after `idleTimeoutMs` without one; idle threads
 *   do not keep the process alive.
 *
 * TypeScript in the worker: from source (tests, `npm start`, the bench) the worker is cpu-worker.ts loaded
 * through tsx by tsx-worker.mjs; in a production build (scripts/build.mjs) it is `cpu-worker.js` beside the
 * bundle and needs no loader.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { ApplianceError as CodedError } from '@lmc/core/errors.ts';
import { createLogger } from '@lmc/core/logger.ts';
import { isCompiled } from '@lmc/core/runtime-paths.ts';
import type { TaskEnvelope, TaskOutcome } from './task-envelope.ts';
import { ApplianceErrors } from '../errors.ts';

export interface CpuPoolOptions {
  /** Worker threads (default: 2, or 1 on a single core). */
  threads?: number;
  /** Worker V8 heap (old generation) in MB (default 256). */
  maxHeapMb?: number;
  /** A thread exits after this long without a job (default 5 min). */
  idleTimeoutMs?: number;
  /** The worker module (default cpu-worker.ts / cpu-worker.js); tests give their own. */
  worker?: URL;
  /** Where unexpected worker failures are reported. */
  log?: { warn(obj: object, msg: string): void };
}

/** Codes a lane answers with; default the pool's WORKER_* codes. */
export interface LaneCodes {
  busy: string;
  timeout: string;
  outOfMemory: string;
  unavailable: string;
  /** A task threw something that is not a coded error. Default: none, the failure stays a plain Error (a fault). */
  failed?: string;
}

/** Officer-readable messages of a lane's refusals; defaults name the lane's `noun`. */
export interface LaneMessages {
  busy(waiting: number, retryAfterS: number): string;
  waitedTooLong(maxWaitMs: number, retryAfterS: number): string;
  timeout(timeLimitMs: number): string;
  outOfMemory(): string;
  unavailable(why: 'closed' | 'start' | 'failed'): string;
  failed(): string;
}

export interface LaneOptions {
  name: string;
  /** What the messages call it, e.g. "the PDF renderer". */
  noun?: string;
  /** Lower runs first when threads are scarce (default 10). */
  priority?: number;
  /** Jobs of this lane running at once (default 1; at most the pool's threads). */
  maxRunning?: number;
  /** Jobs allowed to wait (default 4). */
  maxWaiting?: number;
  /** Time a job may wait for a thread (default 10 000 ms). */
  maxWaitMs?: number;
  /** Time a job may run (default 5000 ms). */
  timeLimitMs?: number;
  /** Time a thread may take to start (load tsx and libraries) before the job is refused (default 20 000 ms). */
  startLimitMs?: number;
  /** Retry-After of a refusal (default: one time limit, which frees a place). */
  retryAfterS?: number;
  codes?: Partial<LaneCodes>;
  messages?: Partial<LaneMessages>;
}

export interface LaneStats {
  running: number;
  waiting: number;
  completed: number;
  refusedBusy: number;
  timedOut: number;
  /** Worker-side run times of the last (up to) 200 jobs, ms. */
  recentWorkerMs: number[];
}

export interface Lane {
  readonly name: string;
  readonly retryAfterS: number;
  /** Runs one task in the pool; rejects with the lane's coded errors, or the task's own coded error. */
  run<T>(kind: string, input: unknown, transferList?: readonly Transferable[]): Promise<T>;
  /** Refuses this lane's waiting jobs, ends its running ones, leaves the pool. Idempotent. */
  close(): Promise<void>;
  stats(): LaneStats;
}

export interface CpuPool {
  readonly threads: number;
  lane(options: LaneOptions): Lane;
  /** Starts the threads now (resolves when they have loaded), so the first job does not wait for a worker to load. */
  warm(): Promise<void>;
  /** Closes every lane and ends the threads. Idempotent. */
  close(): Promise<void>;
  stats(): { threads: number; running: number; lanes: Record<string, LaneStats> };
}

type AbortReason = 'timeout' | 'start' | 'closed' | 'failed';

interface Job {
  seq: number;
  kind: string;
  input: unknown;
  transferList: readonly Transferable[];
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  waitTimer?: NodeJS.Timeout;
}

interface LaneState {
  readonly options: Required<Pick<LaneOptions, 'name' | 'priority' | 'maxRunning' | 'maxWaiting' | 'maxWaitMs' | 'timeLimitMs' | 'startLimitMs'>>;
  readonly retryAfterS: number;
  readonly codes: LaneCodes;
  readonly messages: LaneMessages;
  readonly waiting: Job[];
  readonly controllers: Set<AbortController>;
  running: number;
  closed: boolean;
  counters: { completed: number; refusedBusy: number; timedOut: number };
  recentWorkerMs: number[];
}

function defaultThreads(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

/**
 * The worker to start: the compiled file beside a production bundle, or from source a small bootstrap that
 * registers tsx inside the thread and loads the TypeScript worker (tsx-worker.mjs says why).
 */
function workerLaunch(worker?: URL): { filename: string; workerData?: { tsWorker: string } } {
  const compiled = isCompiled(import.meta.url);
  const url = worker ?? new URL(compiled ? './cpu-worker.js' : './cpu-worker.ts', import.meta.url);
  if (compiled || !url.pathname.endsWith('.ts')) return { filename: fileURLToPath(url) };
  return { filename: fileURLToPath(new URL('./tsx-worker.mjs', import.meta.url)), workerData: { tsWorker: url.href } };
}

function defaultMessages(noun: string): LaneMessages {
  return {
    busy: (waiting, s) => `${noun} is busy (${waiting} jobs waiting): try again in ${s} s`,
    waitedTooLong: (ms, s) => `${noun} is busy (waited ${ms / 1000} s): try again in ${s} s`,
    timeout: (ms) => `${noun} took longer than ${ms / 1000} s and was stopped: try again in a moment`,
    outOfMemory: () => `${noun} needed more memory than it may use`,
    unavailable: (why) =>
      why === 'closed'
        ? `${noun} is shutting down`
        : why === 'start'
          ? `${noun} did not start in time: try again in a moment`
          : `${noun} stopped unexpectedly: try again in a moment`,
    failed: () => `${noun} could not do this job`,
  };
}

export function createCpuPool(options: CpuPoolOptions = {}): CpuPool {
  const threads = Math.max(1, options.threads ?? defaultThreads());
  const lanes = new Set<LaneState>();
  let running = 0;
  let seq = 0;
  let closed = false;
  let piscina: Piscina<TaskEnvelope, TaskOutcome> | undefined;
  /** Jobs handed to piscina whose worker has not said 'started' yet: a worker that dies while loading fails these. */
  const notStarted = new Set<AbortController>();

  const pool = (): Piscina<TaskEnvelope, TaskOutcome> => {
    if (piscina) return piscina;
    const launch = workerLaunch(options.worker);
    piscina = new Piscina<TaskEnvelope, TaskOutcome>({
      filename: launch.filename,
      name: 'default',
      minThreads: 0,
      maxThreads: threads,
      concurrentTasksPerWorker: 1,
      maxQueue: threads, // a backstop: the scheduler below never hands piscina more jobs than threads
      idleTimeout: options.idleTimeoutMs ?? 5 * 60_000,
      ...(launch.workerData ? { workerData: launch.workerData } : {}),
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    // A worker that dies before it takes its job (e.g. it cannot load) is reported here, not to the job:
    // without a listener the 'error' event would end the process.
    piscina.on('error', (err: Error) => {
      options.log?.warn({ err: { message: err.message, name: err.name } }, 'cpu pool worker failed');
      for (const controller of notStarted) controller.abort('failed' satisfies AbortReason);
    });
    return piscina;
  };

  const coded = (code: string, message: string, context: Record<string, unknown> = {}, cause?: unknown) =>
    new CodedError(code, message, context, cause === undefined ? undefined : { cause });

  async function execute(lane: LaneState, job: Job): Promise<unknown> {
    const { timeLimitMs, startLimitMs } = lane.options;
    const controller = new AbortController();
    lane.controllers.add(controller);
    notStarted.add(controller);
    const { port1, port2 } = new MessageChannel();
    let timer = setTimeout(() => controller.abort('start' satisfies AbortReason), startLimitMs);
    port1.once('message', () => {
      notStarted.delete(controller);
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort('timeout' satisfies AbortReason), timeLimitMs);
    });
    let outcome: TaskOutcome;
    try {
      outcome = await pool().run(
        { kind: job.kind, input: job.input, started: port2 },
        { transferList: [port2, ...job.transferList] as never, signal: controller.signal },
      );
    } catch (err) {
      throw failure(lane, err, controller.signal);
    } finally {
      clearTimeout(timer);
      port1.close();
      lane.controllers.delete(controller);
      notStarted.delete(controller);
      lane.counters.completed++;
    }
    lane.recentWorkerMs.push(outcome.ms);
    if (lane.recentWorkerMs.length > 200) lane.recentWorkerMs.shift();
    if (outcome.ok) return outcome.value;
    if ('code' in outcome) throw coded(outcome.code, outcome.message, outcome.context);
    // A task's own unexpected failure: a fault of ours, not of the input, unless the lane says otherwise.
    if (lane.codes.failed) throw coded(lane.codes.failed, lane.messages.failed(), { task: job.kind }, outcome.unexpected);
    throw new Error(`${lane.options.name} task ${job.kind} failed: ${outcome.unexpected.name}: ${outcome.unexpected.message}`);
  }

  /** The coded error for a job whose worker was stopped (time limit, close), ran out of memory, or died. */
  function failure(lane: LaneState, err: unknown, signal: AbortSignal): CodedError {
    const reason = signal.aborted ? (signal.reason as AbortReason) : undefined;
    const { retryAfterS } = lane;
    if (reason === 'timeout') {
      lane.counters.timedOut++;
      return coded(lane.codes.timeout, lane.messages.timeout(lane.options.timeLimitMs), { timeLimitMs: lane.options.timeLimitMs, retryAfterS });
    }
    if (reason === 'closed') return coded(lane.codes.unavailable, lane.messages.unavailable('closed'), { retryAfterS });
    if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') return coded(lane.codes.outOfMemory, lane.messages.outOfMemory(), { retryAfterS });
    if (reason !== 'failed') {
      options.log?.warn({ err: { message: (err as Error).message, name: (err as Error).name }, reason, lane: lane.options.name }, 'cpu pool worker failed');
    }
    return coded(lane.codes.unavailable, lane.messages.unavailable(reason === 'start' ? 'start' : 'failed'), { retryAfterS }, err);
  }

  function pump(): void {
    while (!closed && running < threads) {
      let pick: LaneState | undefined;
      for (const lane of lanes) {
        const head = lane.waiting[0];
        if (!head || lane.running >= lane.options.maxRunning) continue;
        const best = pick?.waiting[0];
        if (!pick || !best || lane.options.priority < pick.options.priority || (lane.options.priority === pick.options.priority && head.seq < best.seq)) pick = lane;
      }
      if (!pick) return;
      const lane = pick;
      const job = lane.waiting.shift() as Job;
      clearTimeout(job.waitTimer);
      running++;
      lane.running++;
      // Free the place before settling, so a caller that awaits this job and sends another finds it free.
      const finish = () => {
        running--;
        lane.running--;
        pump();
      };
      execute(lane, job).then(
        (value) => {
          finish();
          job.resolve(value);
        },
        (err: unknown) => {
          finish();
          job.reject(err);
        },
      );
    }
  }

  function lane(o: LaneOptions): Lane {
    const timeLimitMs = o.timeLimitMs ?? 5000;
    const retryAfterS = o.retryAfterS ?? Math.max(1, Math.ceil(timeLimitMs / 1000));
    const state: LaneState = {
      options: {
        name: o.name,
        priority: o.priority ?? 10,
        maxRunning: Math.max(1, Math.min(o.maxRunning ?? 1, threads)),
        maxWaiting: o.maxWaiting ?? 4,
        maxWaitMs: o.maxWaitMs ?? 10_000,
        timeLimitMs,
        startLimitMs: o.startLimitMs ?? 20_000,
      },
      retryAfterS,
      codes: {
        busy: ApplianceErrors.WORKER_BUSY.code,
        timeout: ApplianceErrors.WORKER_TIMEOUT.code,
        outOfMemory: ApplianceErrors.WORKER_OUT_OF_MEMORY.code,
        unavailable: ApplianceErrors.WORKER_UNAVAILABLE.code,
        ...o.codes,
      },
      messages: { ...defaultMessages(o.noun ?? `the ${o.name} worker`), ...o.messages },
      waiting: [],
      controllers: new Set(),
      running: 0,
      closed: false,
      counters: { completed: 0, refusedBusy: 0, timedOut: 0 },
      recentWorkerMs: [],
    };
    lanes.add(state);
    const refuse = (message: string) => {
      state.counters.refusedBusy++;
      return coded(state.codes.busy, message, { retryAfterS, waiting: state.waiting.length });
    };
    return {
      name: o.name,
      retryAfterS,
      run<T>(kind: string, input: unknown, transferList: readonly Transferable[] = []): Promise<T> {
        if (closed || state.closed) return Promise.reject(coded(state.codes.unavailable, state.messages.unavailable('closed'), { retryAfterS }));
        return new Promise<T>((resolve, reject) => {
          const job: Job = { seq: seq++, kind, input, transferList, resolve: resolve as (v: unknown) => void, reject };
          state.waiting.push(job);
          pump();
          if (state.waiting.length > state.options.maxWaiting && state.waiting.at(-1) === job) {
            state.waiting.pop();
            reject(refuse(state.messages.busy(state.options.maxWaiting, retryAfterS)));
            return;
          }
          if (!state.waiting.includes(job)) return; // started at once
          job.waitTimer = setTimeout(() => {
            const at = state.waiting.indexOf(job);
            if (at < 0) return;
            state.waiting.splice(at, 1);
            reject(refuse(state.messages.waitedTooLong(state.options.maxWaitMs, retryAfterS)));
          }, state.options.maxWaitMs);
        });
      },
      async close() {
        if (state.closed) return;
        state.closed = true;
        lanes.delete(state);
        for (const job of state.waiting.splice(0)) {
          clearTimeout(job.waitTimer);
          job.reject(coded(state.codes.unavailable, state.messages.unavailable('closed'), { retryAfterS }));
        }
        for (const controller of state.controllers) controller.abort('closed' satisfies AbortReason);
      },
      stats: () => ({ running: state.running, waiting: state.waiting.length, ...state.counters, recentWorkerMs: [...state.recentWorkerMs] }),
    };
  }

  return {
    threads,
    lane,
    warm() {
      if (closed) return Promise.resolve();
      // One no-op per thread: each makes piscina start a worker and waits until it has loaded.
      const p = pool();
      return Promise.all(
        Array.from({ length: threads }, async () => {
          const { port1, port2 } = new MessageChannel();
          try {
            await p.run({ kind: 'pool.warm', input: null, started: port2 }, { transferList: [port2] as never });
          } finally {
            port1.close();
          }
        }),
      ).then(() => undefined);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const l of [...lanes]) {
        l.closed = true;
        for (const job of l.waiting.splice(0)) {
          clearTimeout(job.waitTimer);
          job.reject(coded(l.codes.unavailable, l.messages.unavailable('closed'), { retryAfterS: l.retryAfterS }));
        }
        for (const controller of l.controllers) controller.abort('closed' satisfies AbortReason);
      }
      lanes.clear();
      await piscina?.destroy();
    },
    stats() {
      const byLane: Record<string, LaneStats> = {};
      for (const l of lanes) byLane[l.options.name] = { running: l.running, waiting: l.waiting.length, ...l.counters, recentWorkerMs: [...l.recentWorkerMs] };
      return { threads, running, lanes: byLane };
    },
  };
}

let shared: CpuPool | undefined;

/**
 * The process's one pool, created on first use. Idle threads leave after 5 minutes and never keep the process
 * alive, so nothing has to close it; `closeSharedCpuPool` ends it at once (shutdown, tests).
 */
export function sharedCpuPool(): CpuPool {
  shared ??= createCpuPool({ log: createLogger('cpu-pool') });
  return shared;
}

export async function closeSharedCpuPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
