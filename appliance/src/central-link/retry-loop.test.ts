import { describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import { EventBus } from '../events/event-bus.ts';
import type { SyncStatus } from '../sync/sync-status.ts';
import { RetryLoop, type RetryLoopOptions } from './retry-loop.ts';
import { hasLists } from './signed-central.ts';

const LONG = 60_000;

/** A loop whose cycles are counted; each asks for `delays` in turn (the last repeated). */
function counted(delays: number[], extra: Partial<RetryLoopOptions> = {}) {
  let cycles = 0;
  const loop = new RetryLoop({
    cycle: async () => ({ delayMs: delays[Math.min(cycles++, delays.length - 1)] as number }),
    logger: createLogger('retry-loop-test'),
    failure: 'test cycle failed',
    retryAfterFailureMs: () => LONG,
    ...extra,
  });
  return { loop, cycles: () => cycles };
}

describe('RetryLoop', () => {
  it('runs a cycle, waits as long as it asks, and a wake ends the wait', async () => {
    const { loop, cycles } = counted([0, LONG]);
    loop.start();
    await expect.poll(cycles).toBe(2); // 0: the next cycle at once; then a long wait
    await new Promise((r) => setTimeout(r, 50));
    expect(cycles()).toBe(2);
    loop.wake();
    await expect.poll(cycles).toBe(3);
    await loop.stop();
  });

  it('a backoff wait ignores a plain wake; a forced wake or the probe ends it', async () => {
    let up = false;
    const { loop, cycles } = counted([LONG], {
      backingOff: () => true,
      // The central answers once.
      probe: {
        everyMs: 20,
        up: async () => {
          const answered = up;
          up = false;
          return answered;
        },
        onUp: () => undefined,
      },
    });
    loop.start();
    await expect.poll(cycles).toBe(1);
    loop.wake(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(cycles()).toBe(1);
    up = true;
    await expect.poll(cycles).toBe(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(cycles()).toBe(2);
    loop.wake(true);
    await expect.poll(cycles).toBe(3);
    await loop.stop();
  });

  it('a wake during a cycle is lost, unless wakeDuringCycle: then the wait after it is skipped', async () => {
    for (const wakeDuringCycle of [false, true]) {
      let release: () => void = () => undefined;
      let cycles = 0;
      const loop = new RetryLoop({
        cycle: () =>
          new Promise((resolve) => {
            cycles++;
            release = () => resolve({ delayMs: LONG });
          }),
        logger: createLogger('retry-loop-test'),
        failure: 'test cycle failed',
        retryAfterFailureMs: () => LONG,
        wakeDuringCycle,
      });
      loop.start();
      loop.wake(); // during the first cycle
      release();
      await new Promise((r) => setTimeout(r, 50));
      expect(cycles).toBe(wakeDuringCycle ? 2 : 1);
      const stopped = loop.stop();
      release();
      await stopped;
    }
  });

  it('a cycle that throws is retried after retryAfterFailureMs; stop() closes and waits for the cycle', async () => {
    let calls = 0;
    const loop = new RetryLoop({
      cycle: async () => {
        calls++;
        throw new Error('disk full');
      },
      logger: createLogger('retry-loop-test'),
      failure: 'test cycle failed',
      retryAfterFailureMs: () => 10,
    });
    loop.start();
    await expect.poll(() => calls).toBeGreaterThan(2);
    let closed = false;
    await loop.stop(async () => {
      closed = true;
    });
    expect(closed).toBe(true);
    expect(loop.running).toBe(false);
    const after = calls;
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(after);
  });

  it('while the cycles run, the relay link reports reach onStatus (here: online wakes the loop); not before start nor after stop', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const online = { linkState: 'online' } as SyncStatus;
    const { loop, cycles } = counted([LONG], {
      linkStatus: {
        bus,
        onStatus: (s) => {
          seen.push(s.linkState);
          if (s.linkState === 'online') loop.wake();
        },
      },
    });
    bus.publish('sync.status', online);
    loop.start();
    await expect.poll(cycles).toBe(1);
    bus.publish('sync.status', online);
    await expect.poll(cycles).toBe(2);
    await loop.stop();
    bus.publish('sync.status', online);
    expect(seen).toEqual(['online']);
  });
});

describe('hasLists (answer shapes)', () => {
  const shape = (v: unknown) => hasLists(v, ['stored', 'duplicates'], { conflicts: ['id', 'reason'] });
  it('accepts the shape and refuses anything else', () => {
    expect(shape({ stored: ['a'], duplicates: [], conflicts: [{ id: 'b', reason: 'content_differs' }] })).toBe(true);
    expect(shape(null)).toBe(false);
    expect(shape('x')).toBe(false);
    expect(shape({ stored: ['a', 1], duplicates: [], conflicts: [] })).toBe(false);
    expect(shape({ stored: [], conflicts: [] })).toBe(false);
    expect(shape({ stored: [], duplicates: [], conflicts: [{ id: 'b' }] })).toBe(false);
    expect(shape({ stored: [], duplicates: [], conflicts: [null] })).toBe(false);
  });
});
