/**
 * What the technician and the officer's screen see about forwarding: GET /api/sync and the
 * `sync.status` bus event (socket.io `sync:status`). Computed from the store and the relay's link
 * state by one pure function, so the rules (age, throughput, time to drain) are tested directly.
 */

/**
 * - not-configured: no central.url; the relay idles, registrations queue up.
 * - unknown: configured, nothing exchanged with the central since start (nothing to send yet).
 * - online: the last exchange got an answer from the central.
 * - offline: the central could not be reached (refused, connect timeout, connection lost).
 * - backing-off: the central was reached but failed (5xx, response timeout, unusable answer).
 * - unauthorised: the central refused this device (401/403): enrol it; retried slowly.
 */
export type LinkState = 'not-configured' | 'unknown' | 'online' | 'offline' | 'backing-off' | 'unauthorised';

export interface LinkSnapshot {
  state: LinkState;
  /** When the relay tries again (backing-off, offline, unauthorised), else null. */
  nextAttemptAt: string | null;
  /** The last failure, non-personal (a reason and the central's code), else null. */
  lastError: string | null;
  /** Consecutive failed attempts since the last answer. */
  failedAttempts: number;
}

export interface SyncStatus {
  at: string;
  deviceId: string | null;
  linkState: LinkState;
  nextAttemptAt: string | null;
  lastError: string | null;
  failedAttempts: number;
  /** Registrations waiting to be forwarded (quarantined ones not included). */
  queueDepth: number;
  quarantined: number;
  oldestUnsentAt: string | null;
  oldestUnsentAgeSeconds: number | null;
  lastAcknowledgedAt: string | null;
  /** Records acknowledged per second over the recent window. */
  throughputPerSecond: number;
  /** Seconds to drain the queue at the current throughput; 0 when empty, null when unknown (nothing moving). */
  estimatedDrainSeconds: number | null;
}

export interface StatusInputs {
  now: Date;
  deviceId: string | null;
  link: LinkSnapshot;
  queueDepth: number;
  quarantined: number;
  oldestUnsentAt: string | null;
  lastAcknowledgedAt: string | null;
  throughputPerSecond: number;
}

export function computeSyncStatus(i: StatusInputs): SyncStatus {
  const oldestMs = i.oldestUnsentAt === null ? Number.NaN : Date.parse(i.oldestUnsentAt);
  // A clock that jumped backwards (no RTC battery) must not show a negative age.
  const age = Number.isNaN(oldestMs) ? null : Math.max(0, Math.floor((i.now.getTime() - oldestMs) / 1000));
  const rate = Math.max(0, i.throughputPerSecond);
  const drain = i.queueDepth === 0 ? 0 : rate > 0 ? Math.ceil(i.queueDepth / rate) : null;
  return {
    at: i.now.toISOString(),
    deviceId: i.deviceId,
    linkState: i.link.state,
    nextAttemptAt: i.link.nextAttemptAt,
    lastError: i.link.lastError,
    failedAttempts: i.link.failedAttempts,
    queueDepth: i.queueDepth,
    quarantined: i.quarantined,
    oldestUnsentAt: i.oldestUnsentAt,
    oldestUnsentAgeSeconds: age,
    lastAcknowledgedAt: i.lastAcknowledgedAt,
    throughputPerSecond: Math.round(rate * 100) / 100,
    estimatedDrainSeconds: drain,
  };
}

/**
 * Records acknowledged per second over a sliding window. The denominator is the time since the
 * first batch in the window started (at least 1 s, at most the window), so the rate is right
 * from the first batch after the link comes back instead of creeping up over the window.
 */
export class ThroughputMeter {
  readonly #windowMs: number;
  #samples: Array<{ startMs: number; endMs: number; count: number }> = [];

  constructor(windowMs = 60_000) {
    this.#windowMs = windowMs;
  }

  record(count: number, startMs: number, endMs: number): void {
    if (count > 0) this.#samples.push({ startMs, endMs, count });
  }

  rate(nowMs: number): number {
    const from = nowMs - this.#windowMs;
    this.#samples = this.#samples.filter((s) => s.endMs > from);
    const first = this.#samples[0];
    if (!first) return 0;
    const total = this.#samples.reduce((n, s) => n + s.count, 0);
    const spanMs = Math.min(this.#windowMs, Math.max(1000, nowMs - Math.max(first.startMs, from)));
    return total / (spanMs / 1000);
  }
}
