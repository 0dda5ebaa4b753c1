/**
 * The two in-memory building blocks of sign-in flood protection (authenticator.ts puts them together):
 * - FailureWindow: failed sign-ins per key (a client address, or one key for everyone) in a sliding window,
 *   with attempts in flight reserved up front, so a burst sent at once cannot slip past the limit while the
 *   first of its attempts are still being verified.
 * - VerifyLane: PIN verifications (argon2id, ~60 ms of CPU and 19 MiB each) run a few at a time with a short
 *   queue; beyond the queue the caller is told at once, so a flood is refused in microseconds instead of
 *   making everyone behind it wait seconds.
 * Both are synchronous bookkeeping on Node's one thread: a check and its reservation cannot interleave.
 */

export interface WindowLimit {
  /** Failed attempts (plus attempts in flight) a key may have within the window. */
  max: number;
  windowMs: number;
}

export interface LaneLimit {
  /** Verifications running at once. */
  concurrency: number;
  /** Verifications waiting for a slot; one more is refused at once. */
  queue: number;
}

export type WindowTicket =
  | { ok: true; /** Ends the reservation; `failed` counts it in the window. Idempotent. */ settle(failed: boolean): void }
  | { ok: false; /** When one more attempt would be allowed (never below 1 s). */ retryAfterMs: number };

interface KeyState {
  /** Times of failures still in the window, oldest first. */
  failures: number[];
  inFlight: number;
}

export class FailureWindow {
  readonly #keys = new Map<string, KeyState>();
  constructor(
    readonly limit: WindowLimit,
    /** Most keys remembered; beyond it the least recently used idle ones are forgotten (memory stays bounded). */
    readonly maxKeys = 10_000,
  ) {}

  /** Reserves one attempt for `key` at time `t` (ms), or says when to come back. */
  acquire(key: string, t: number): WindowTicket {
    const state = this.#state(key, t);
    const used = state.failures.length + state.inFlight;
    if (used >= this.limit.max) return { ok: false, retryAfterMs: this.#retryAfter(state, t) };
    state.inFlight += 1;
    let settled = false;
    return {
      ok: true,
      settle: (failed: boolean) => {
        if (settled) return;
        settled = true;
        state.inFlight -= 1;
        if (failed) state.failures.push(t);
        // Keep the key (re-inserted: most recently used last) while it has something to remember.
        this.#keys.delete(key);
        if (state.failures.length > 0 || state.inFlight > 0) this.#keys.set(key, state);
        this.#trim();
      },
    };
  }

  /** Whether `key` is at its limit now (reserves nothing): the retry delay, or null. */
  peek(key: string, t: number): { retryAfterMs: number } | null {
    if (!this.#keys.has(key)) return null;
    const state = this.#state(key, t);
    if (state.failures.length + state.inFlight < this.limit.max) return null;
    return { retryAfterMs: this.#retryAfter(state, t) };
  }

  /** Failures still counted for `key` (tests, diagnostics). */
  failures(key: string, t: number): number {
    return this.#state(key, t).failures.length;
  }

  clear(key: string): void {
    const state = this.#keys.get(key);
    if (state) state.failures = [];
  }

  #state(key: string, t: number): KeyState {
    let state = this.#keys.get(key);
    if (!state) {
      state = { failures: [], inFlight: 0 };
      this.#keys.set(key, state);
      this.#trim();
    }
    const horizon = t - this.limit.windowMs;
    let drop = 0;
    while (drop < state.failures.length && (state.failures[drop] as number) <= horizon) drop += 1;
    if (drop > 0) state.failures.splice(0, drop);
    return state;
  }

  #retryAfter(state: KeyState, t: number): number {
    // The attempt is allowed once enough failures have left the window to bring `used` below `max`.
    const mustExpire = state.failures.length + state.inFlight - this.limit.max + 1;
    const idx = mustExpire - 1;
    const at = idx < state.failures.length ? (state.failures[idx] as number) + this.limit.windowMs : t + 1000;
    return Math.max(1000, at - t);
  }

  #trim(): void {
    if (this.#keys.size <= this.maxKeys) return;
    for (const [key, state] of this.#keys) {
      if (this.#keys.size <= this.maxKeys) return;
      if (state.inFlight === 0) this.#keys.delete(key);
    }
  }
}

/** Bounded-concurrency runner with a bounded queue: `run` returns null at once when both are full. */
export class VerifyLane {
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  constructor(readonly limit: LaneLimit) {}

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  run<T>(fn: () => Promise<T>): Promise<T> | null {
    if (this.#active < this.limit.concurrency) return this.#start(fn);
    if (this.#waiting.length >= this.limit.queue) return null;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push(() => {
        this.#start(fn).then(resolve, reject);
      });
    });
  }

  #start<T>(fn: () => Promise<T>): Promise<T> {
    this.#active += 1;
    let p: Promise<T>;
    try {
      p = fn();
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.finally(() => {
      this.#active -= 1;
      this.#waiting.shift()?.();
    });
  }
}

/** Seconds for a Retry-After header: whole seconds, at least 1. */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
