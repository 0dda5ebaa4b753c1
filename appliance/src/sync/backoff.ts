/**
 * Retry delays: exponential backoff with "full jitter" (AWS Architecture Blog, "Exponential
 * Backoff And Jitter", 2015): delay = random() × min(cap, base × 2^attempt). Full jitter spreads the
 * four border posts' retries when the central comes back, instead of having them hit it in step.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** Upper bound of the delay before retry number `attempt` (0 = first retry). */
export function backoffCeiling(attempt: number, policy: BackoffPolicy): number {
  const exp = Math.min(Math.max(0, Math.floor(attempt)), 52);
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exp);
}

/** A delay in [0, ceiling); `random` returns [0, 1) like Math.random (injected in tests). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * backoffCeiling(attempt, policy));
}

/** Consecutive failures of one loop and the delay before its next try; a success resets it. */
export class Backoff {
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  #failures = 0;

  constructor(policy: BackoffPolicy, random: () => number = Math.random) {
    this.#policy = policy;
    this.#random = random;
  }

  /** Failures since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** One more failure: the delay before the next try. */
  next(): number {
    return backoffDelay(this.#failures++, this.#policy, this.#random);
  }

  reset(): void {
    this.#failures = 0;
  }
}
