import { type DeviceClock, realClock } from './device-clock.ts';

export interface SilenceTimerOptions {
  clock?: DeviceClock;
  /**
   * A timer that fires this much after its due time was held up by a stalled event loop (a barcode decode, a
   * PDF, GC): its verdict is not trusted until the bytes that arrived meanwhile have been read. Default 15 ms.
   */
  lateToleranceMs?: number;
  /** How long to wait for such bytes before judging again (poll phase + a thread-pool read). Default 25 ms. */
  confirmMs?: number;
}

/**
 * "No byte for N ms" judged by the line, not by the appliance's own loop.
 *
 * On a stalled Node loop the timers phase runs before the poll phase that delivers the bytes which arrived on
 * time during the stall, so a plain setTimeout reports silence in the same millisecond as a backlog of bytes
 * (measured: 112 ms late, a whole MRZ read discarded). Here the gap is measured from the last byte's arrival
 * (`touch()`), and a timer that fired late first lets the pending bytes be read (a short confirmation wait)
 * before it calls `onSilence`.
 */
export class SilenceTimer {
  readonly #clock: DeviceClock;
  readonly #lateMs: number;
  readonly #confirmMs: number;
  #handle: unknown;
  #armedAt = 0;
  #windowMs = 0;
  #lastActivity = Number.NEGATIVE_INFINITY;
  #onSilence: (() => void) | undefined;

  constructor(options: SilenceTimerOptions = {}) {
    this.#clock = options.clock ?? realClock;
    this.#lateMs = options.lateToleranceMs ?? 15;
    this.#confirmMs = options.confirmMs ?? 25;
  }

  get armed(): boolean {
    return this.#onSilence !== undefined;
  }

  /** A byte (or chunk) arrived: silence is measured from now on. */
  touch(at = this.#clock.now()): void {
    this.#lastActivity = at;
  }

  /** Calls `onSilence` once no byte has arrived for `windowMs`, counted from now or the last touch, whichever is later. */
  arm(windowMs: number, onSilence: () => void): void {
    this.cancel();
    this.#armedAt = this.#clock.now();
    this.#windowMs = windowMs;
    this.#onSilence = onSilence;
    this.#schedule(windowMs);
  }

  cancel(): void {
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#onSilence = undefined;
  }

  #deadline(): number {
    return Math.max(this.#armedAt, this.#lastActivity) + this.#windowMs;
  }

  #schedule(ms: number): void {
    const due = this.#clock.now() + ms;
    this.#handle = this.#clock.setTimeout(() => this.#fired(due), ms);
  }

  #fired(due: number): void {
    this.#handle = undefined;
    const onSilence = this.#onSilence;
    if (!onSilence) return;
    const now = this.#clock.now();
    if (now - due > this.#lateMs) {
      // Fired late: the loop was stalled. Read what arrived meanwhile before judging the line.
      this.#schedule(this.#confirmMs);
      return;
    }
    const left = this.#deadline() - now;
    if (left > 0) {
      this.#schedule(left);
      return;
    }
    this.#onSilence = undefined;
    onSilence();
  }
}
