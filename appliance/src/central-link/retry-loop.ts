/**
 * The one background loop of the appliance's links to the central (the outbox relay, reference pulls, the lookup
 * index, recruitment events): run a cycle, wait as long as it asks (0: go on at once), again, until stopped.
 *
 * - A cycle that throws (a store fault: disk full, corruption) never ends the loop silently: it is logged
 *   (`failure` names it) and tried again after `retryAfterFailureMs()`.
 * - wake() ends a wait early (new work, the link back, a technician's button). A wait marked as a backoff
 *   (`backingOff`) ends only on a forced wake, or when the `probe` finds the central answering again: new work must
 *   not defeat the backoff.
 * - A wake while a cycle runs is lost (the cycle is already at work), unless `wakeDuringCycle`: then the wait after
 *   that cycle is skipped.
 * - `linkStatus`: while the cycles run, the relay's link reports (bus 'sync.status') reach `onStatus`, e.g. to wake
 *   the loop as soon as the central is reachable again.
 * - stop() ends the wait, closes the caller's connection (aborting a request in flight: it is asked again later)
 *   and waits for the cycle to return.
 */
import type { Logger } from '@lmc/core/logger.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { BackoffPolicy } from '../sync/backoff.ts';
import type { SyncStatus } from '../sync/sync-status.ts';

/** What every loop that retries the central (or a channel) is given besides its work: its backoff, and the clock, jitter and logger tests replace. */
export interface RetryOptions {
  backoff: BackoffPolicy;
  now?: () => Date;
  random?: () => number;
  logger?: Logger;
}

export interface RetryLoopOptions {
  /** One cycle; resolves to the wait in ms before the next. */
  cycle(): Promise<{ delayMs: number }>;
  logger: Logger;
  /** The log message for a cycle that threw. */
  failure: string;
  /** The wait after a cycle that threw. */
  retryAfterFailureMs(): number;
  /** After every cycle, failed or not. */
  afterCycle?(): void;
  /** Whether the wait after this cycle is a backoff (see above). */
  backingOff?(): boolean;
  /** While backing off for longer than `everyMs`, `up()` is asked every `everyMs`; true ends the wait (after `onUp`). */
  probe?: { everyMs: number; up(): Promise<boolean>; onUp(): void };
  /** A wake during a cycle skips the wait after it. */
  wakeDuringCycle?: boolean;
  linkStatus?: { bus: EventBus | undefined; onStatus(status: SyncStatus): void };
}

export class RetryLoop {
  readonly #o: RetryLoopOptions;
  #running = false;
  #loop: Promise<void> | undefined;
  #wakeUp: ((force: boolean) => void) | undefined;
  #wokenDuringCycle = false;
  #unsubscribe: (() => void) | undefined;

  constructor(options: RetryLoopOptions) {
    this.#o = options;
  }

  /** Between start() and stop(). */
  get running(): boolean {
    return this.#running;
  }

  /** stop() was called and the cycle has not returned yet: a long cycle should return now. */
  get stopping(): boolean {
    return !this.#running && this.#loop !== undefined;
  }

  /** Starts the cycles; `cycles` false: only marked running (nothing to talk to; stop() still closes). */
  start(cycles = true): void {
    if (this.#running) return;
    this.#running = true;
    if (!cycles) return;
    const status = this.#o.linkStatus;
    this.#unsubscribe = status?.bus?.subscribe('sync.status', (s) => status.onStatus(s));
    this.#loop = this.#run();
  }

  async stop(close?: () => Promise<unknown> | undefined): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.wake(true);
    await close?.();
    await this.#loop;
    this.#loop = undefined;
  }

  /** Ends the wait; `force` false leaves a backoff wait alone. */
  wake(force = true): void {
    if (this.#wakeUp) this.#wakeUp(force);
    else if (this.#o.wakeDuringCycle) this.#wokenDuringCycle = true;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let delayMs: number;
      try {
        delayMs = (await this.#o.cycle()).delayMs;
      } catch (err) {
        this.#o.logger.error({ code: (err as { code?: string }).code, message: (err as Error).message }, this.#o.failure);
        delayMs = this.#o.retryAfterFailureMs();
      }
      this.#o.afterCycle?.();
      if (!this.#running) break;
      if (this.#wokenDuringCycle) {
        this.#wokenDuringCycle = false;
        continue;
      }
      if (delayMs > 0) await this.#sleep(delayMs, this.#o.backingOff?.() ?? false);
    }
  }

  #sleep(ms: number, backoff: boolean): Promise<void> {
    return new Promise((resolve) => {
      let probe: ReturnType<typeof setInterval> | undefined;
      const done = () => {
        clearTimeout(timer);
        if (probe) clearInterval(probe);
        this.#wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeUp = (force) => {
        if (force || !backoff) done();
      };
      // Backing off: a cheap probe notices the link coming back long before the backoff ceiling.
      const p = this.#o.probe;
      if (backoff && p && p.everyMs > 0 && ms > p.everyMs) {
        let probing = false;
        probe = setInterval(() => {
          if (probing) return;
          probing = true;
          void p
            .up()
            .then((up) => {
              if (up && this.#wakeUp) {
                p.onUp();
                done();
              }
            })
            .catch(() => undefined)
            .finally(() => {
              probing = false;
            });
        }, p.everyMs);
      }
    });
  }
}
