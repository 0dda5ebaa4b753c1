import { createHash, randomBytes } from 'node:crypto';
import type { OfficerRole } from './officers.ts';

export interface SessionOfficer {
  officerId: string;
  displayName: string;
  role: OfficerRole;
}

export interface Session {
  /** sha256 of the token: the token itself is only ever in the officer's cookie. */
  key: string;
  officer: SessionOfficer;
  createdAt: number;
  lastActiveAt: number;
}

export interface SessionStoreOptions {
  /** No officer activity for this long ends the session (the UI shows a countdown before it). */
  idleTimeoutMs: number;
  /** A session never outlives one shift, active or not. */
  maxAgeMs: number;
  now?: () => number;
}

const keyOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Sessions in memory. Opaque random tokens (32 bytes) in an HttpOnly cookie; the map is keyed by their hash so
 * a heap dump does not hand out live cookies.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #now: () => number;
  constructor(readonly options: SessionStoreOptions) {
    this.#now = options.now ?? Date.now;
  }

  create(officer: SessionOfficer): { token: string; session: Session } {
    this.sweep();
    const token = randomBytes(32).toString('base64url');
    const t = this.#now();
    const session: Session = { key: keyOf(token), officer, createdAt: t, lastActiveAt: t };
    this.#sessions.set(session.key, session);
    return { token, session };
  }

  /** The live session for a token, or null. `touch` counts the request as officer activity. */
  resolve(token: string | undefined, touch: boolean): Session | null {
    if (!token) return null;
    const key = keyOf(token);
    const session = this.#sessions.get(key);
    if (!session) return null;
    const t = this.#now();
    if (this.#expired(session, t)) {
      this.#sessions.delete(key);
      return null;
    }
    if (touch) session.lastActiveAt = t;
    return session;
  }

  /** When the session ends if nothing else happens (idle deadline or shift end, whichever is first). */
  expiresAt(session: Session): number {
    return Math.min(session.lastActiveAt + this.options.idleTimeoutMs, session.createdAt + this.options.maxAgeMs);
  }

  revoke(token: string | undefined): void {
    if (token) this.#sessions.delete(keyOf(token));
  }

  /** Ends every session of one officer (PIN reset, officer disabled). */
  revokeOfficer(officerId: string): void {
    for (const [key, s] of this.#sessions) if (s.officer.officerId === officerId) this.#sessions.delete(key);
  }

  get size(): number {
    this.sweep();
    return this.#sessions.size;
  }

  sweep(): void {
    const t = this.#now();
    for (const [key, s] of this.#sessions) if (this.#expired(s, t)) this.#sessions.delete(key);
  }

  #expired(s: Session, t: number): boolean {
    return t >= this.expiresAt(s);
  }
}
