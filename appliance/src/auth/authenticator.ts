import { isApplianceError } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { AuditEntryInput } from '../store/types.ts';
import type { OfficerRepository, StoredOfficer } from './officers.ts';
import { burnVerification, verifyPin } from './pin-hash.ts';
import type { SessionOfficer } from './sessions.ts';
import { FailureWindow, type LaneLimit, VerifyLane, type WindowLimit } from './sign-in-limiter.ts';

/** Flood limits of sign-in; every one is in memory (a restart forgets them; the officer lockout is in the database). */
export interface SignInLimits {
  /** Failed sign-ins (plus sign-ins in flight) one client address may have in the window; beyond, 429. */
  perClient: WindowLimit;
  /** Sign-ins with an id that is no officer, from all clients together; beyond, 429. */
  unknownIds: WindowLimit;
  /** PIN checks of known officer ids: running at once, and waiting; beyond, 503 at once. */
  knownLane: LaneLimit;
  /** The time-equalising dummy checks of unknown ids, in their own lane so they cannot delay a real officer. */
  unknownLane: LaneLimit;
  /** At most one aggregate audit row about unknown-id attempts per this many ms (the id text is never stored). */
  unknownAuditEveryMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  perClient: { max: 10, windowMs: 60_000 },
  unknownIds: { max: 60, windowMs: 60_000 },
  knownLane: { concurrency: 2, queue: 16 },
  unknownLane: { concurrency: 1, queue: 8 },
  unknownAuditEveryMs: 60_000,
};

/** The PIN check. A seam for tests that count verifications; production uses argon2id (pin-hash.ts). */
export interface PinVerifier {
  verify(hash: string, pin: string): Promise<boolean>;
  /** Spends the time of one verification without a hash (unknown officer id). */
  burn(pin: string): Promise<void>;
}

export const ARGON2_VERIFIER: PinVerifier = { verify: verifyPin, burn: burnVerification };

export interface LockoutPolicy {
  /** Wrong PINs in a row from one terminal (client address) that lock the officer at that terminal. */
  maxAttempts: number;
  /** How long that lock lasts. */
  lockMs: number;
  /**
   * Wrong PINs for one officer from all terminals together (since the last good sign-in, unlock or PIN change)
   * that lock the officer everywhere, for `lockMs`, doubled at each further multiple, at most `officerMaxLockMs`.
   * Default 4 × maxAttempts.
   */
  officerMaxAttempts?: number;
  /** Longest officer-wide lock. Default 24 hours. */
  officerMaxLockMs?: number;
  /** Flood limits; each one missing takes its default. */
  limits?: Partial<SignInLimits>;
  /** Default argon2id; tests inject a counting verifier. */
  verifier?: PinVerifier;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxAttempts: 5, lockMs: 15 * 60_000 };

export type LockScope = 'terminal' | 'officer';

export type SignInResult =
  | { ok: true; officer: SessionOfficer }
  /** attemptsLeft only for a known officer id (the counter shows "2 attempts left"). */
  | { ok: false; reason: 'invalid'; attemptsLeft?: number }
  | { ok: false; reason: 'locked'; lockedUntil: string; scope: LockScope }
  /** Too many attempts from this client, for this officer at once, or with unknown ids: try again later. */
  | { ok: false; reason: 'rate-limited'; retryAfterMs: number }
  /** Verification queue full: refused at once; nothing counted for a known officer id. */
  | { ok: false; reason: 'busy'; retryAfterMs: number; unknownId?: true };

/** Pseudo client of the supervisor-approval modal (details-routes.ts), which has no client address to hand. */
export const APPROVAL_CLIENT = 'supervisor-approval';

interface ClientState {
  failures: number;
  inFlight: number;
  /** ms since the epoch; 0 when not locked. */
  lockedUntil: number;
  lastAt: number;
}

interface OfficerState {
  inFlight: number;
  clients: Map<string, ClientState>;
  /** Wrong PINs counted in the database before this process first saw the officer (a restart): they count at every terminal until `until`. */
  carried: { failures: number; until: number } | null;
  /** Officer-wide lock state the database could not take (full disk): authoritative here until written. */
  unsaved: { failedAttempts: number; lockedUntil: string | null } | null;
  /** updated_at of the row as this process last wrote or saw it; a clean row with another one was unlocked from outside (the CLI). */
  seenUpdatedAt: string;
}

export interface SignInGuardOptions {
  officers: OfficerRepository;
  policy?: LockoutPolicy;
  now?: () => Date;
  /** Audit sink (store.audit.append); its failures never fail a sign-in. */
  audit?: (e: AuditEntryInput) => void;
  logger?: Logger;
}

const MAX_CLIENTS_PER_OFFICER = 1000;
const MAX_TALLY_CLIENTS = 1000;
const AUDIT_TOP_CLIENTS = 20;

/**
 * Officer sign-in that cannot be raced or flooded. In order, each step without waiting on the one before:
 * 1. per client address: at most `perClient.max` failed-or-in-flight sign-ins a minute (429 beyond);
 * 2. unknown id: at most `unknownIds.max` a minute from everyone (429), a dummy check in its own small lane
 *    (503 when full), no audit row per try, one aggregate row a minute without the id text;
 * 3. known id: refused without a PIN check when locked (officer-wide in the database, or at this terminal in
 *    memory) or when the attempts left are all being checked already; otherwise one attempt is RESERVED,
 *    then the PIN is checked in the known-officer lane (503 when full, reservation returned), then settled:
 *    a good PIN clears this terminal's count and the officer-wide count, a wrong one is counted at the
 *    terminal (memory) and officer-wide (database, or memory while the disk is full).
 * No write is needed to verify: on a full disk the right PIN still signs in.
 */
export class SignInGuard {
  readonly policy: Required<Omit<LockoutPolicy, 'limits' | 'verifier'>>;
  readonly limits: SignInLimits;
  readonly #officers: OfficerRepository;
  readonly #verifier: PinVerifier;
  readonly #now: () => Date;
  readonly #audit: ((e: AuditEntryInput) => void) | undefined;
  readonly #logger: Logger;
  readonly #perClient: FailureWindow;
  readonly #unknownIds: FailureWindow;
  readonly #knownLane: VerifyLane;
  readonly #unknownLane: VerifyLane;
  readonly #states = new Map<string, OfficerState>();
  #tally = new Map<string, number>();
  #tallyTotal = 0;
  #tallySince: string | null = null;
  #lastUnknownAuditAt = Number.NEGATIVE_INFINITY;

  constructor(opts: SignInGuardOptions) {
    const policy = opts.policy ?? DEFAULT_LOCKOUT;
    this.policy = {
      maxAttempts: policy.maxAttempts,
      lockMs: policy.lockMs,
      officerMaxAttempts: policy.officerMaxAttempts ?? 4 * policy.maxAttempts,
      officerMaxLockMs: policy.officerMaxLockMs ?? 24 * 3_600_000,
    };
    this.limits = { ...DEFAULT_SIGN_IN_LIMITS, ...policy.limits };
    this.#officers = opts.officers;
    this.#verifier = policy.verifier ?? ARGON2_VERIFIER;
    this.#now = opts.now ?? (() => new Date());
    this.#audit = opts.audit;
    this.#logger = opts.logger ?? createLogger('auth');
    this.#perClient = new FailureWindow(this.limits.perClient);
    this.#unknownIds = new FailureWindow(this.limits.unknownIds);
    this.#knownLane = new VerifyLane(this.limits.knownLane);
    this.#unknownLane = new VerifyLane(this.limits.unknownLane);
  }

  /** Verifications running and waiting, per lane (tests, health). */
  get lanes(): { known: { active: number; queued: number }; unknown: { active: number; queued: number } } {
    return {
      known: { active: this.#knownLane.active, queued: this.#knownLane.queued },
      unknown: { active: this.#unknownLane.active, queued: this.#unknownLane.queued },
    };
  }

  /**
   * One sign-in attempt. `officerId` as the officer typed it (upper-cased); `client` the address it came from.
   * `audited`: write the sign-in audit rows (the approval modal writes its own).
   */
  async signIn(officerId: string, pin: string, client: string, audited = true): Promise<SignInResult> {
    const t = this.#now().getTime();
    const ticket = this.#perClient.acquire(client, t);
    if (!ticket.ok) return { ok: false, reason: 'rate-limited', retryAfterMs: ticket.retryAfterMs };
    let result: SignInResult | undefined;
    try {
      const officer = this.#officers.get(officerId);
      result = !officer?.active ? await this.#unknown(pin, client, t) : await this.#known(officer, pin, client, t, audited);
      return result;
    } finally {
      // Every refusal counts against the client except a known officer's "busy" (the appliance's fault, not theirs).
      ticket.settle(result !== undefined && !result.ok && (result.reason !== 'busy' || result.unknownId === true));
    }
  }

  /**
   * Whether a client is over its limit already: a cheap check before the request body is even parsed (a flood
   * is refused for the least work). Reserves nothing; `signIn` decides.
   */
  precheck(client: string): { retryAfterMs: number } | null {
    return this.#perClient.peek(client, this.#now().getTime());
  }

  /**
   * Lifts every lock of an officer: officer-wide (database, or memory while the disk is full) and at every
   * terminal. A database failure is not thrown: the unlock then holds in memory until it can be written.
   */
  unlock(officerId: string): void {
    const state = this.#states.get(officerId);
    if (state) {
      for (const c of state.clients.values()) {
        c.failures = 0;
        c.lockedUntil = 0;
      }
      state.carried = null;
    }
    try {
      this.#officers.unlock(officerId);
      if (state) {
        state.unsaved = null;
        state.seenUpdatedAt = this.#officers.get(officerId)?.updatedAt ?? state.seenUpdatedAt;
      }
    } catch (err) {
      this.#logWriteFailure(err, 'unlock kept in memory: the database could not take it');
      if (state) state.unsaved = { failedAttempts: 0, lockedUntil: null };
      else this.#states.set(officerId, { inFlight: 0, clients: new Map(), carried: null, unsaved: { failedAttempts: 0, lockedUntil: null }, seenUpdatedAt: '' });
    }
  }

  /** The lock an officer is under right now, officer-wide or at any terminal (the latest), for the officer list. */
  currentLock(officer: StoredOfficer | { officerId: string; failedAttempts: number; lockedUntil: string | null }): { failedAttempts: number; lockedUntil: string | null } {
    const t = this.#now().getTime();
    const state = this.#states.get(officer.officerId);
    const global = state?.unsaved ?? { failedAttempts: officer.failedAttempts, lockedUntil: officer.lockedUntil };
    let until = global.lockedUntil !== null && Date.parse(global.lockedUntil) > t ? Date.parse(global.lockedUntil) : 0;
    if (state) {
      for (const c of state.clients.values()) if (c.lockedUntil > until) until = c.lockedUntil;
      if (state.carried && state.carried.until > t && state.carried.failures >= this.policy.maxAttempts) until = Math.max(until, state.carried.until);
    }
    return { failedAttempts: global.failedAttempts, lockedUntil: until > t ? new Date(until).toISOString() : null };
  }

  /** Writes the pending aggregate of unknown-id attempts (on close, and at most once per interval). */
  flushUnknownIds(): void {
    if (this.#tallyTotal === 0) return;
    const t = this.#now();
    this.#lastUnknownAuditAt = t.getTime();
    const ranked = [...this.#tally].sort((a, b) => b[1] - a[1]);
    const details = {
      attempts: this.#tallyTotal,
      since: this.#tallySince,
      until: t.toISOString(),
      clients: Object.fromEntries(ranked.slice(0, AUDIT_TOP_CLIENTS)),
      otherClients: Math.max(0, ranked.length - AUDIT_TOP_CLIENTS),
    };
    this.#logger.warn({ attempts: details.attempts, clients: details.clients }, 'sign-in attempts with unknown officer ids (the ids are not recorded)');
    if (!this.#write({ actor: 'system', action: 'auth.unknown-officer-ids', entityType: 'sign-in', entityId: 'unknown-officer-id', details })) return;
    this.#tally = new Map();
    this.#tallyTotal = 0;
    this.#tallySince = null;
  }

  async #unknown(pin: string, client: string, t: number): Promise<SignInResult> {
    this.#countUnknown(client, t);
    const ticket = this.#unknownIds.acquire('*', t);
    if (!ticket.ok) return { ok: false, reason: 'rate-limited', retryAfterMs: ticket.retryAfterMs };
    const run = this.#unknownLane.run(() => this.#verifier.burn(pin));
    if (!run) {
      // Counted all the same: an unknown id fails whether or not its dummy check ran.
      ticket.settle(true);
      return { ok: false, reason: 'busy', retryAfterMs: 1000, unknownId: true };
    }
    try {
      await run;
    } finally {
      ticket.settle(true);
    }
    return { ok: false, reason: 'invalid' };
  }

  async #known(officer: StoredOfficer, pin: string, client: string, t: number, audited: boolean): Promise<SignInResult> {
    const { maxAttempts } = this.policy;
    const id = officer.officerId;
    const state = this.#stateFor(officer, t);
    const global = state.unsaved ?? { failedAttempts: officer.failedAttempts, lockedUntil: officer.lockedUntil };
    if (global.lockedUntil !== null && Date.parse(global.lockedUntil) > t) {
      return { ok: false, reason: 'locked', lockedUntil: global.lockedUntil, scope: 'officer' };
    }
    const carried = this.#carried(state, t);
    if (carried >= maxAttempts && state.carried) {
      return { ok: false, reason: 'locked', lockedUntil: new Date(state.carried.until).toISOString(), scope: 'officer' };
    }
    const cs = this.#client(state, client, t);
    if (cs.lockedUntil > t) return { ok: false, reason: 'locked', lockedUntil: new Date(cs.lockedUntil).toISOString(), scope: 'terminal' };
    // Reserve: the attempts left at this terminal and officer-wide include those being checked right now.
    if (cs.failures + carried + cs.inFlight >= maxAttempts) return { ok: false, reason: 'rate-limited', retryAfterMs: 1000 };
    if (this.#officerRoom(global.failedAttempts) - state.inFlight <= 0) return { ok: false, reason: 'rate-limited', retryAfterMs: 1000 };
    cs.inFlight += 1;
    state.inFlight += 1;
    let ok: boolean;
    try {
      const run = this.#knownLane.run(() => this.#verifier.verify(officer.pinHash, pin));
      if (!run) return { ok: false, reason: 'busy', retryAfterMs: 1000 };
      ok = await run;
    } finally {
      cs.inFlight -= 1;
      state.inFlight -= 1;
    }
    if (ok) {
      this.#settleSuccess(id, state, client);
      if (audited) this.#write({ actor: id, action: 'auth.sign-in', entityType: 'officer', entityId: id, details: { role: officer.role, client } });
      return { ok: true, officer: { officerId: id, displayName: officer.displayName, role: officer.role } };
    }
    return this.#settleFailure(officer, state, cs, client, audited);
  }

  #settleSuccess(id: string, state: OfficerState, client: string): void {
    state.clients.delete(client);
    state.carried = null;
    try {
      this.#officers.recordSuccess(id);
      state.unsaved = null;
      this.#saw(id, state);
    } catch (err) {
      this.#logWriteFailure(err, 'good sign-in: the reset of the wrong-PIN count is kept in memory');
      state.unsaved = { failedAttempts: 0, lockedUntil: null };
    }
  }

  #settleFailure(officer: StoredOfficer, state: OfficerState, cs: ClientState, client: string, audited: boolean): SignInResult {
    const { maxAttempts, lockMs } = this.policy;
    const id = officer.officerId;
    const now = this.#now();
    const t = now.getTime();
    cs.failures += 1;
    cs.lastAt = t;
    const atTerminal = cs.failures + this.#carried(state, t);
    let terminalLock: string | null = null;
    if (atTerminal >= maxAttempts) {
      cs.lockedUntil = t + lockMs;
      terminalLock = new Date(cs.lockedUntil).toISOString();
    }
    const global = this.#countOfficerFailure(id, state, now);
    // Locked officer-wide by this very failure (an earlier lock would have refused the attempt unchecked).
    const officerLock = this.#officerLockMs(global.failedAttempts) !== null ? global.lockedUntil : null;
    if (audited) this.#write({ actor: id, action: 'auth.sign-in-failed', entityType: 'officer', entityId: id, details: { client } });
    if (officerLock || terminalLock) {
      const scope: LockScope = officerLock ? 'officer' : 'terminal';
      const lockedUntil = officerLock && (!terminalLock || officerLock >= terminalLock) ? officerLock : (terminalLock as string);
      this.#logger.warn({ officerId: id, scope, lockedUntil, client }, 'officer locked after wrong PINs');
      if (audited) this.#write({ actor: id, action: 'auth.locked', entityType: 'officer', entityId: id, details: { scope, lockedUntil, client, officerWideAttempts: global.failedAttempts } });
      return { ok: false, reason: 'locked', lockedUntil, scope };
    }
    const attemptsLeft = Math.min(maxAttempts - atTerminal, this.#officerRoom(global.failedAttempts));
    return { ok: false, reason: 'invalid', attemptsLeft };
  }

  /** Counts a wrong PIN officer-wide: in the database, or in memory while it cannot be written. */
  #countOfficerFailure(id: string, state: OfficerState, now: Date): { failedAttempts: number; lockedUntil: string | null } {
    const lockMsFor = (attempts: number) => this.#officerLockMs(attempts);
    if (!state.unsaved) {
      try {
        const r = this.#officers.recordFailure(id, lockMsFor);
        this.#saw(id, state);
        return { failedAttempts: r.attempts, lockedUntil: r.lockedUntil };
      } catch (err) {
        this.#logWriteFailure(err, 'wrong PIN counted in memory only: the database could not take it');
        const row = this.#readQuietly(id);
        state.unsaved = { failedAttempts: row?.failedAttempts ?? 0, lockedUntil: row?.lockedUntil ?? null };
      }
    }
    const pending = state.unsaved as { failedAttempts: number; lockedUntil: string | null };
    const failedAttempts = pending.failedAttempts + 1;
    const ms = lockMsFor(failedAttempts);
    const stillLocked = pending.lockedUntil !== null && pending.lockedUntil > now.toISOString() ? pending.lockedUntil : null;
    state.unsaved = { failedAttempts, lockedUntil: ms !== null ? new Date(now.getTime() + ms).toISOString() : stillLocked };
    const counted = state.unsaved;
    try {
      this.#officers.setLockState(id, counted.failedAttempts, counted.lockedUntil);
      state.unsaved = null;
      this.#saw(id, state);
    } catch {
      // Still full: the count stays in memory and is written at a later attempt.
    }
    return counted;
  }

  /** Officer-wide attempts left before the next officer-wide lock. */
  #officerRoom(failedAttempts: number): number {
    const every = this.policy.officerMaxAttempts;
    return every - (failedAttempts % every);
  }

  #officerLockMs(attempts: number): number | null {
    const every = this.policy.officerMaxAttempts;
    if (attempts % every !== 0) return null;
    const level = attempts / every - 1;
    return Math.min(this.policy.lockMs * 2 ** Math.min(level, 30), this.policy.officerMaxLockMs);
  }

  #carried(state: OfficerState, t: number): number {
    if (!state.carried) return 0;
    if (state.carried.until <= t) {
      state.carried = null;
      return 0;
    }
    return state.carried.failures;
  }

  #stateFor(officer: StoredOfficer, t: number): OfficerState {
    let state = this.#states.get(officer.officerId);
    if (!state) {
      // First sight of this officer in this process: wrong PINs from before a restart keep counting, at every
      // terminal (their terminal is not known), until they would have expired.
      const until = Date.parse(officer.updatedAt) + this.policy.lockMs;
      state = {
        inFlight: 0,
        clients: new Map(),
        carried: officer.failedAttempts > 0 && until > t ? { failures: officer.failedAttempts, until } : null,
        unsaved: null,
        seenUpdatedAt: officer.updatedAt,
      };
      this.#states.set(officer.officerId, state);
      return state;
    }
    if (officer.updatedAt !== state.seenUpdatedAt) {
      // Written by someone else: a clean row means an unlock from outside this process (the technician CLI).
      if (officer.failedAttempts === 0 && officer.lockedUntil === null && !state.unsaved) {
        for (const c of state.clients.values()) {
          c.failures = 0;
          c.lockedUntil = 0;
        }
        state.carried = null;
      }
      state.seenUpdatedAt = officer.updatedAt;
    }
    return state;
  }

  #client(state: OfficerState, client: string, t: number): ClientState {
    let cs = state.clients.get(client);
    if (cs && cs.lockedUntil !== 0 && cs.lockedUntil <= t) {
      // An expired lock starts a fresh count.
      cs.lockedUntil = 0;
      cs.failures = 0;
    }
    if (!cs) {
      cs = { failures: 0, inFlight: 0, lockedUntil: 0, lastAt: t };
      state.clients.set(client, cs);
      if (state.clients.size > MAX_CLIENTS_PER_OFFICER) {
        for (const [key, c] of state.clients) {
          if (state.clients.size <= MAX_CLIENTS_PER_OFFICER) break;
          if (c.inFlight === 0 && c.lockedUntil <= t && key !== client) state.clients.delete(key);
        }
      }
    }
    return cs;
  }

  #saw(id: string, state: OfficerState): void {
    const row = this.#readQuietly(id);
    if (row) state.seenUpdatedAt = row.updatedAt;
  }

  #readQuietly(id: string): StoredOfficer | undefined {
    try {
      return this.#officers.get(id);
    } catch {
      return undefined;
    }
  }

  #countUnknown(client: string, t: number): void {
    const key = this.#tally.has(client) || this.#tally.size < MAX_TALLY_CLIENTS ? client : 'other';
    this.#tally.set(key, (this.#tally.get(key) ?? 0) + 1);
    this.#tallyTotal += 1;
    this.#tallySince ??= new Date(t).toISOString();
    if (t - this.#lastUnknownAuditAt >= this.limits.unknownAuditEveryMs) this.flushUnknownIds();
  }

  /** Appends an audit row; a failure (full disk) is logged, never thrown. */
  #write(entry: AuditEntryInput): boolean {
    if (!this.#audit) return true;
    try {
      this.#audit(entry);
      return true;
    } catch (err) {
      this.#logWriteFailure(err, `audit row ${entry.action} not written`);
      return false;
    }
  }

  #logWriteFailure(err: unknown, what: string): void {
    const code = isApplianceError(err) ? err.code : (err as Error).name;
    this.#logger.error({ code, message: (err as Error).message }, what);
  }
}

/** A plain-language statement of the policy (the sign-in route's description, the README). */
export function describeSignInPolicy(guard: SignInGuard): string {
  const p = guard.policy;
  const l = guard.limits;
  const min = (ms: number) => (ms >= 3_600_000 && ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${ms / 60_000} min`);
  return [
    `Lockout: after ${p.maxAttempts} wrong PINs in a row from one terminal (client address) the officer is locked at that terminal for ${min(p.lockMs)} (423, scope "terminal"); other terminals are not affected, so nobody can lock a supervisor out of the counter from elsewhere.`,
    `After ${p.officerMaxAttempts} wrong PINs for one officer from all terminals together the officer is locked everywhere (423, scope "officer") for ${min(p.lockMs)}, doubled at each further ${p.officerMaxAttempts}, at most ${min(p.officerMaxLockMs)}; the count survives a restart and ends with a good sign-in.`,
    `Attempts are reserved before the PIN is checked: a burst of wrong PINs gets at most the attempts left checked, the rest are refused unchecked (429), and the right PIN sent after them does not sign in.`,
    `Rate limits: at most ${l.perClient.max} failed sign-ins per ${min(l.perClient.windowMs)} per client address, and ${l.unknownIds.max} with unknown officer ids per ${min(l.unknownIds.windowMs)} from everyone (429 AUTH_RATE_LIMITED with Retry-After).`,
    `PINs are checked ${l.knownLane.concurrency} at a time with ${l.knownLane.queue} waiting (unknown ids in a separate lane of ${l.unknownLane.concurrency} + ${l.unknownLane.queue}); beyond, 503 AUTH_BUSY with Retry-After, at once.`,
    'Unlocking: a supervisor (POST /api/officers/{officerId}/unlock, any officer, supervisors included) or a technician on the appliance (appliance-provision unlock <officerId>) lifts every lock at once; both are audited.',
    'Unknown officer ids are not stored: one aggregate audit row (count per client address) at most once a minute.',
  ].join(' ');
}

const guards = new WeakMap<OfficerRepository, SignInGuard>();

/** Creates the sign-in guard of an officer repository (one per appliance) and makes it the one `signInGuardFor` returns. */
export function registerSignInGuard(opts: SignInGuardOptions): SignInGuard {
  const guard = new SignInGuard(opts);
  guards.set(opts.officers, guard);
  return guard;
}

/** The sign-in guard of an officer repository, shared by sign-in, the approval modal and officer management. */
export function signInGuardFor(officers: OfficerRepository, policy?: LockoutPolicy, now?: () => Date): SignInGuard {
  return guards.get(officers) ?? registerSignInGuard({ officers, ...(policy ? { policy } : {}), ...(now ? { now } : {}) });
}

/**
 * Checks an officer id and PIN through the shared guard (same lockout, reservations and lanes as sign-in), for
 * callers without a client address (the supervisor-approval modal). Writes no audit row: the caller does.
 */
export async function authenticate(
  officers: OfficerRepository,
  officerId: string,
  pin: string,
  policy: LockoutPolicy,
  now: () => Date,
): Promise<SignInResult> {
  return signInGuardFor(officers, policy, now).signIn(officerId, pin, APPROVAL_CLIENT, false);
}
