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
  readonly #ended = new Set<(key: string) => void>();
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
      this.#end(key);
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
    if (token) this.#end(keyOf(token));
  }

  /** Ends every session of one officer (PIN reset, officer disabled). */
  revokeOfficer(officerId: string): void {
    for (const [key, s] of this.#sessions) if (s.officer.officerId === officerId) this.#end(key);
  }

  /** Whether the session with this key is still live; never counts as activity. */
  isLive(key: string): boolean {
    const session = this.#sessions.get(key);
    if (!session) return false;
    if (this.#expired(session, this.#now())) {
      this.#end(key);
      return false;
    }
    return true;
  }

  /** Told the key of every session that ends (sign-out, expiry, revocation): live sockets follow their session. */
  onEnd(listener: (key: string) => void): () => void {
    this.#ended.add(listener);
    return () => this.#ended.delete(listener);
  }

  get size(): number {
    this.sweep();
    return this.#sessions.size;
  }

  sweep(): void {
    const t = this.#now();
    for (const [key, s] of this.#sessions) if (this.#expired(s, t)) this.#end(key);
  }

  #end(key: string): void {
    if (!this.#sessions.delete(key)) return;
    for (const listener of this.#ended) {
      try {
        listener(key);
      } catch {
        /* a listener's failure must not keep a session alive or stop the others */
      }
    }
  }

  #expired(s: Session, t: number): boolean {
    return t >= this.expiresAt(s);
  }
}
