/**
 * Time source and timers for everything that judges silence on a device line (inter-byte, ack and data
 * timeouts, drains, liveness probes, reopen backoff). Injected so protocol and state-machine tests run on a
 * ManualClock, without real timers and without depending on the machine's load (zwave-js MockPort style).
 */
export interface DeviceClock {
  /** Milliseconds, monotonic (performance.now() for the real clock). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: DeviceClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Waits `ms` on the given clock (a ManualClock resolves it on advance()). */
export function sleepOn(clock: DeviceClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

interface ManualTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock that moves only when told to. advance(ms) fires due timers in time order and lets the promise
 * chains they start run (microtasks) before the next one fires, so `await` inside drivers behaves as on
 * the real loop, minus the load.
 */
export class ManualClock implements DeviceClock {
  #now: number;
  #seq = 0;
  #timers: ManualTimer[] = [];

  constructor(start = 1000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { id: ++this.#seq, at: this.#now + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** Timers still waiting (tests assert that a stopped component left none behind). */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
      await settle();
    }
    this.#now = end;
    await settle();
  }

  /** Advances in steps until `done()` holds or `maxMs` passed; returns the time it took. */
  async advanceUntil(done: () => boolean, maxMs: number, stepMs = 1): Promise<number> {
    const start = this.#now;
    while (!done() && this.#now - start < maxMs) await this.advance(stepMs);
    return this.#now - start;
  }
}

/** Lets queued microtasks (and the promise chains they start) run to completion. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
