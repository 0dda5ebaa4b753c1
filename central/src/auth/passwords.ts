/**
 * Staff passwords: argon2id (RFC 9106) PHC strings, verified through a bounded pool so a burst of
 * sign-ins cannot take all the memory (each verification holds memoryCost KiB) or the event loop's
 * thread pool. Over the bound, callers get AUTH_BUSY at once instead of queueing without limit.
 */
import argon2 from 'argon2';
import { CentralErrorCodes, centralError } from '../errors.ts';

export interface Argon2Params {
  /** KiB per hash. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP Password Storage Cheat Sheet's first argon2id configuration (19 MiB, t=2, p=1). */
export const DEFAULT_ARGON2: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export interface PasswordHasherOptions {
  params?: Argon2Params;
  /** Verifications (and hashes) running at once. */
  maxConcurrent?: number;
  /** Waiting behind those; beyond it AUTH_BUSY. */
  maxQueued?: number;
}

export class PasswordHasher {
  readonly params: Argon2Params;
  readonly #maxConcurrent: number;
  readonly #maxQueued: number;
  #running = 0;
  readonly #queue: Array<() => void> = [];
  /** A hash of a random password with the same parameters: unknown accounts cost the same time. */
  #dummy: Promise<string> | undefined;

  constructor(o: PasswordHasherOptions = {}) {
    this.params = o.params ?? DEFAULT_ARGON2;
    this.#maxConcurrent = o.maxConcurrent ?? 2;
    this.#maxQueued = o.maxQueued ?? 16;
  }

  /** The number of verifications running or queued, for tests and logs. */
  get load(): number {
    return this.#running + this.#queue.length;
  }

  async hash(password: string): Promise<string> {
    return this.withSlot(() => argon2.hash(password, { type: argon2.argon2id, ...this.params }));
  }

  /** Bounded verification. False for a wrong password or a malformed hash; never throws for bad input. */
  async verify(hash: string, password: string): Promise<boolean> {
    return this.withSlot(() => this.verifyInSlot(hash, password));
  }

  /** Verification for a caller that already holds a slot (withSlot). */
  async verifyInSlot(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Spends one verification's time on nothing (unknown or locked account), inside the caller's slot. Always false. */
  async verifyNothingInSlot(password: string): Promise<false> {
    this.#dummy ??= argon2.hash(`unused:${Math.random()}`, { type: argon2.argon2id, ...this.params });
    await this.verifyInSlot(await this.#dummy, password);
    return false;
  }

  /**
   * Runs fn holding one of maxConcurrent slots. Sign-in takes the slot before it counts the attempt,
   * so a refusal for load (AUTH_BUSY) never counts against the account.
   */
  async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#maxConcurrent) {
      if (this.#queue.length >= this.#maxQueued) {
        throw centralError(CentralErrorCodes.AuthBusy, 'Too many sign-ins in progress; try again in a moment');
      }
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), or free it.
      const next = this.#queue.shift();
      if (next) next();
      else this.#running--;
    }
  }
}

export function checkPasswordPolicy(password: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `A password has at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `A password has at most ${PASSWORD_MAX_LENGTH} characters`;
  return undefined;
}
