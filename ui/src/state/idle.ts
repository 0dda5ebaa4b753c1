/**
 * Idle logout, as a small clock-driven machine so it is tested without a browser: `tick()` is called every
 * second with the time; `activity()` on every touch. The officer sees a countdown for the last `warnMs`.
 */
export type IdlePhase = { phase: 'active' } | { phase: 'warning'; secondsLeft: number } | { phase: 'expired' };

export class IdleTimer {
  #last: number;
  constructor(
    readonly idleMs: number,
    readonly warnMs: number,
    now: number,
  ) {
    this.#last = now;
  }

  activity(now: number): void {
    this.#last = now;
  }

  tick(now: number): IdlePhase {
    const left = this.idleMs - (now - this.#last);
    if (left <= 0) return { phase: 'expired' };
    if (left <= this.warnMs) return { phase: 'warning', secondsLeft: Math.ceil(left / 1000) };
    return { phase: 'active' };
  }
}

/**
 * The UI signs out a little before the server would (so its sign-out call still finds the session), and warns
 * for the last minute, or the last third of a short timeout.
 */
export function idleSettings(serverIdleMs: number): { idleMs: number; warnMs: number } {
  const idleMs = Math.max(10_000, serverIdleMs - 5_000);
  return { idleMs, warnMs: Math.min(60_000, Math.floor(idleMs / 3)) };
}
