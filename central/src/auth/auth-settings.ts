/** Settings of staff authentication, with the defaults build() uses when a caller gives none. */
import { type Argon2Params, DEFAULT_ARGON2 } from './passwords.ts';
import type { LockoutPolicy, SessionTimes } from './staff-store.ts';

export interface AuthSettings {
  session: SessionTimes;
  /** Secure cookie attribute and __Host- name; off only for plain-HTTP development. */
  secureCookie: boolean;
  lockout: LockoutPolicy;
  argon2: Argon2Params;
  /** Password verifications at once, and waiting behind them (auth/passwords.ts). */
  maxConcurrentVerifications: number;
  maxQueuedVerifications: number;
  /** Sign-in requests per client address per minute (@fastify/rate-limit). */
  signInPerMinute: number;
  /** Requests per client address per minute on the enrolment routes. */
  enrolmentPerMinute: number;
  /** Requests per client address per minute on statistics, audit and admin routes. */
  staffRoutesPerMinute: number;
}

export const DEFAULT_AUTH_SETTINGS: AuthSettings = {
  session: { idleMs: 30 * 60_000, maxAgeMs: 12 * 3_600_000 },
  secureCookie: true,
  lockout: { maxAttempts: 5, lockMs: 15 * 60_000 },
  argon2: DEFAULT_ARGON2,
  maxConcurrentVerifications: 2,
  maxQueuedVerifications: 16,
  signInPerMinute: 10,
  enrolmentPerMinute: 30,
  staffRoutesPerMinute: 120,
};
