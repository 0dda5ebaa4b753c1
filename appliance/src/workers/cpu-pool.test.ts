import { afterEach, describe, expect, it } from 'vitest';
import { type CpuPool, createCpuPool, type LaneOptions } from './cpu-pool.ts';

/**
 * The pool's bounds, scheduling and error mapping, with a test worker whose tasks run exactly as long as the test
 * holds them (a gate in shared memory): no timing assumptions, except where a time limit is the subject.
 */
const WORKER = new URL('./pool-test-worker.ts', import.meta.url);
const code = (c: string) => expect.objectContaining({ code: c });

class Gates {
  readonly buffer = new SharedArrayBuffer(4 * 32);
  readonly #cells = new Int32Array(this.buffer);
  #next = 0;
  take(): number {
    return this.#next++;
  }
  open(index: number): void {
    Atomics.store(this.#cells, index, 1);
    Atomics.notify(this.#cells, index);
  }
  openAll(): void {
    for (let i = 0; i < this.#next; i++) this.open(i);
  }
}

/** Settles to 'ok:<value>' or the error's code, so outcomes compare as plain strings. */
const outcome = (p: Promise<unknown>) => p.then((v) => `ok:${String(v)}`, (err: { code?: string }) => err.code ?? 'uncoded');

let pool: CpuPool | undefined;
let gates: Gates;
afterEach(async () => {
  gates?.openAll();
  await pool?.close();
  pool = undefined;
});

function setUp(threads: number): CpuPool {
  gates = new Gates();
  pool = createCpuPool({ threads, worker: WORKER });
  return pool;
}

/** Starts a held job and resolves once its worker has it (the lane's running count says so). */
async function hold(lane: ReturnType<CpuPool['lane']>): Promise<{ index: number; done: Promise<string> }> {
  const index = gates.take();
  const before = lane.stats().running;
  const done = outcome(lane.run('hold', { gate: gates.buffer, index }));
  await expect.poll(() => lane.stats().running, { timeout: 30_000 }).toBeGreaterThan(before);
  return { index, done };
}

const lane = (p: CpuPool, o: Partial<LaneOptions> & { name: string }) => p.lane({ maxWaitMs: 60_000, timeLimitMs: 60_000, ...o });

describe('cpu pool: bounded lanes', () => {
  it('a full lane refuses at once with 503-coded WORKER_BUSY and Retry-After; what it took all completes', async () => {
    const p = setUp(2);
    const l = lane(p, { name: 'uploads', maxRunning: 1, maxWaiting: 2, retryAfterS: 3 });
    const first = await hold(l);
    const queued = [0, 1].map(() => outcome(l.run('hold', { gate: gates.buffer, index: gates.take() })));
    expect(l.stats()).toMatchObject({ running: 1, waiting: 2 });
    const refused = await l.run('hold', { gate: gates.buffer, index: 31 }).catch((err: unknown) => err);
    expect(refused).toEqual(
      expect.objectContaining({ code: 'WORKER_BUSY', message: expect.stringMatching(/busy \(2 jobs waiting\): try again in 3 s/), context: expect.objectContaining({ retryAfterS: 3 }) }),
    );
    expect(l.stats()).toMatchObject({ running: 1, waiting: 2, refusedBusy: 1 }); // nothing grew
    gates.openAll();
    expect(await Promise.all([first.done, ...queued])).toEqual(['ok:0', 'ok:1', 'ok:2']);
    expect(l.stats()).toMatchObject({ running: 0, waiting: 0, completed: 3 });
  }, 60_000);

  it('a lane holding its one thread cannot starve another lane: the second thread serves it', async () => {
    const p = setUp(2);
    const uploads = lane(p, { name: 'uploads', maxRunning: 1, maxWaiting: 4 });
    const documents = lane(p, { name: 'documents', maxRunning: 2, maxWaiting: 4 });
    await hold(uploads);
    const waitingUpload = outcome(uploads.run('hold', { gate: gates.buffer, index: gates.take() }));
    expect(uploads.stats()).toMatchObject({ running: 1, waiting: 1 });
    const doc = await hold(documents);
    gates.open(doc.index);
    expect(await doc.done).toBe(`ok:${doc.index}`);
    expect(uploads.stats()).toMatchObject({ running: 1, waiting: 1 }); // still blocked behind its own job
    gates.openAll();
    expect(await waitingUpload).toBe('ok:1');
  }, 60_000);

  it('a free thread takes the most urgent lane first, then the oldest job', async () => {
    const p = setUp(1);
    const batches = lane(p, { name: 'batches', priority: 2, maxWaiting: 4 });
    const prints = lane(p, { name: 'fingerprints', priority: 0, maxWaiting: 4 });
    const running = await hold(batches);
    const order: string[] = [];
    const track = (name: string, l: typeof batches) => {
      const index = gates.take();
      gates.open(index); // runs through as soon as it gets the thread
      return l.run('hold', { gate: gates.buffer, index }).then(() => order.push(name));
    };
    const jobs = [track('batch-1', batches), track('print-1', prints), track('batch-2', batches), track('print-2', prints)];
    gates.open(running.index);
    await Promise.all(jobs);
    expect(order).toEqual(['print-1', 'print-2', 'batch-1', 'batch-2']);
  }, 60_000);

  it('a job that waits longer than maxWaitMs is refused WORKER_BUSY (and leaves the queue)', async () => {
    const p = setUp(1);
    const l = p.lane({ name: 'slow', maxWaiting: 4, maxWaitMs: 50, timeLimitMs: 60_000 });
    await hold(l);
    const late = await l.run('hold', { gate: gates.buffer, index: gates.take() }).catch((err: unknown) => err);
    expect(late).toEqual(expect.objectContaining({ code: 'WORKER_BUSY', message: expect.stringMatching(/waited 0.05 s/) }));
    expect(l.stats().waiting).toBe(0);
  }, 60_000);
});

describe('cpu pool: failures become coded errors', () => {
  it("a task's coded error crosses the thread with its code, message and context", async () => {
    const l = lane(setUp(1), { name: 'images' });
    await expect(l.run('coded', { code: 'BARCODE_IMAGE_INVALID', message: 'not an image' })).rejects.toEqual(
      expect.objectContaining({ code: 'BARCODE_IMAGE_INVALID', message: 'not an image', context: { width: 7 } }),
    );
  }, 60_000);

  it("a task's uncoded exception is the lane's `failed` code when it has one (bad input → 4xx), a plain fault otherwise", async () => {
    const p = setUp(1);
    const images = lane(p, { name: 'images', codes: { failed: 'BARCODE_IMAGE_INVALID' } });
    await expect(images.run('throw', null)).rejects.toEqual(code('BARCODE_IMAGE_INVALID'));
    const documents = lane(p, { name: 'documents' });
    const err = (await documents.run('throw', null).catch((e: unknown) => e)) as Error & { code?: string };
    expect(err.code).toBeUndefined();
    expect(err.message).toMatch(/documents task throw failed: TypeError: a bug in the task/);
  }, 60_000);

  it('a job over its time limit is WORKER_TIMEOUT, its thread is replaced and the next job runs', async () => {
    const p = setUp(1);
    const l = p.lane({ name: 'pdf', timeLimitMs: 200, maxWaitMs: 60_000 });
    const stuck = await l.run('hold', { gate: gates.buffer, index: gates.take() }).catch((e: unknown) => e); // never opened
    expect(stuck).toEqual(expect.objectContaining({ code: 'WORKER_TIMEOUT', message: expect.stringMatching(/longer than 0.2 s/) }));
    expect(l.stats().timedOut).toBe(1);
    const index = gates.take();
    gates.open(index);
    expect(await l.run('hold', { gate: gates.buffer, index })).toBe(index);
  }, 60_000);

  it('a job that runs its worker out of heap is WORKER_OUT_OF_MEMORY, and the pool goes on', async () => {
    gates = new Gates();
    pool = createCpuPool({ threads: 1, worker: WORKER, maxHeapMb: 32 });
    const l = lane(pool, { name: 'big' });
    await expect(l.run('oom', null)).rejects.toEqual(code('WORKER_OUT_OF_MEMORY'));
    await expect(l.run('coded', { code: 'BARCODE_NOT_FOUND', message: 'alive' })).rejects.toEqual(code('BARCODE_NOT_FOUND'));
  }, 60_000);

  it('close refuses waiting and later jobs and ends running ones with WORKER_UNAVAILABLE', async () => {
    const p = setUp(1);
    const l = lane(p, { name: 'closing', maxWaiting: 4 });
    const running = await hold(l);
    const waiting = outcome(l.run('hold', { gate: gates.buffer, index: gates.take() }));
    await l.close();
    expect(await running.done).toBe('WORKER_UNAVAILABLE');
    expect(await waiting).toBe('WORKER_UNAVAILABLE');
    await expect(l.run('hold', { gate: gates.buffer, index: 0 })).rejects.toEqual(code('WORKER_UNAVAILABLE'));
    await l.close(); // idempotent
  }, 60_000);
});
