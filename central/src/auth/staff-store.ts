/**
 * Staff accounts and their sessions in the central database (migration 5). Time is a parameter
 * (the routes pass their clock), so idle timeouts and lockouts are testable without waiting.
 */
import type { Queryable } from '../db/db.ts';
import { CentralErrorCodes, centralError } from '../errors.ts';

export const STAFF_ROLES = ['admin', 'statistician', 'auditor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
/** Lower-case letters, digits, dot, dash, underscore; 3 to 64 characters (the table's CHECK). */
export const USERNAME_PATTERN = '^[a-z0-9][a-z0-9._-]{2,63}$';

export interface StaffMember {
  id: string;
  username: string;
  role: StaffRole;
  displayName: string | null;
}

interface StaffRow {
  id: string;
  username: string;
  role: StaffRole;
  display_name: string | null;
}

const member = (r: StaffRow): StaffMember => ({ id: r.id, username: r.username, role: r.role, displayName: r.display_name });

export interface NewStaff {
  username: string;
  role: StaffRole;
  displayName?: string | null | undefined;
  passwordHash: string;
  createdBy: string;
}

export async function insertStaff(db: Queryable, s: NewStaff, now: Date): Promise<StaffMember & { createdAt: string }> {
  try {
    const rows = await db.query<StaffRow>(
      `INSERT INTO staff (username, display_name, role, password_hash, created_at, created_by, password_changed_at)
       VALUES ($1, $2, $3, $4, $5::timestamptz, $6, $5::timestamptz)
       RETURNING id::text AS id, username, role, display_name`,
      [s.username, s.displayName ?? null, s.role, s.passwordHash, now.toISOString(), s.createdBy],
    );
    return { ...member(rows[0] as StaffRow), createdAt: now.toISOString() };
  } catch (err) {
    if ((err as { code?: unknown }).code === '23505') {
      throw centralError(CentralErrorCodes.StaffExists, `A staff account named ${s.username} exists`, { username: s.username });
    }
    throw err;
  }
}

/** New password for an existing account (the CLI's --reset-password): clears the lockout, ends its sessions. */
export async function resetStaffPassword(db: Queryable, username: string, passwordHash: string, now: Date): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `UPDATE staff SET password_hash = $2, password_changed_at = $3::timestamptz, failed_attempts = 0, locked_until = NULL, disabled_at = NULL
     WHERE username = $1 RETURNING id::text AS id`,
    [username, passwordHash, now.toISOString()],
  );
  const id = rows[0]?.id;
  if (id === undefined) return false;
  await db.query('DELETE FROM staff_sessions WHERE staff_id = $1::bigint', [id]);
  return true;
}

export interface LockoutPolicy {
  /** Consecutive failures that lock the account. */
  maxAttempts: number;
  lockMs: number;
}

/**
 * Counts one sign-in attempt BEFORE the password is verified, in one atomic UPDATE, and returns
 * the hash to verify against; undefined when the account is unknown, disabled or locked. Counting
 * first means parallel guesses cannot all slip in before the first failure is recorded: the
 * attempt that reaches maxAttempts sets the lock in the same statement. A correct password then
 * clears both (signInSucceeded). After a lock expires the counter stays at the limit, so each
 * further wrong password locks the account again at once.
 */
export async function claimSignInAttempt(
  db: Queryable,
  username: string,
  now: Date,
  policy: LockoutPolicy,
): Promise<(StaffMember & { passwordHash: string }) | undefined> {
  const rows = await db.query<StaffRow & { password_hash: string }>(
    `UPDATE staff SET
       failed_attempts = failed_attempts + 1,
       locked_until = CASE WHEN failed_attempts + 1 >= $3 THEN $2::timestamptz + make_interval(secs => $4::double precision) ELSE locked_until END
     WHERE username = $1 AND disabled_at IS NULL AND (locked_until IS NULL OR locked_until <= $2::timestamptz)
     RETURNING id::text AS id, username, role, display_name, password_hash`,
    [username, now.toISOString(), policy.maxAttempts, policy.lockMs / 1000],
  );
  const row = rows[0];
  return row ? { ...member(row), passwordHash: row.password_hash } : undefined;
}

export async function signInSucceeded(db: Queryable, staffId: string, now: Date): Promise<void> {
  await db.query('UPDATE staff SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = $2::timestamptz WHERE id = $1::bigint', [
    staffId,
    now.toISOString(),
  ]);
}

export interface SessionTimes {
  /** A session unused for this long is over. */
  idleMs: number;
  /** A session is over this long after sign-in, however busy. */
  maxAgeMs: number;
}

export async function createSession(db: Queryable, staffId: string, tokenHash: string, now: Date, times: SessionTimes): Promise<Date> {
  const expires = new Date(now.getTime() + times.maxAgeMs);
  // Old sessions go when anyone signs in: no timer, and the table stays small.
  await db.query(
    `DELETE FROM staff_sessions WHERE expires_at <= $1::timestamptz OR last_seen_at <= $1::timestamptz - make_interval(secs => $2::double precision)`,
    [now.toISOString(), times.idleMs / 1000],
  );
  await db.query(
    `INSERT INTO staff_sessions (token_hash, staff_id, created_at, last_seen_at, expires_at) VALUES ($1, $2::bigint, $3::timestamptz, $3::timestamptz, $4::timestamptz)`,
    [tokenHash, staffId, now.toISOString(), expires.toISOString()],
  );
  return expires;
}

/** The session's staff member, refreshing its idle clock; undefined when unknown, idle too long, too old or the account disabled. */
export async function touchSession(
  db: Queryable,
  tokenHash: string,
  now: Date,
  times: SessionTimes,
): Promise<(StaffMember & { expiresAt: Date }) | undefined> {
  const rows = await db.query<StaffRow & { expires_at: string | Date }>(
    `UPDATE staff_sessions s SET last_seen_at = $2::timestamptz
       FROM staff st
      WHERE s.token_hash = $1 AND st.id = s.staff_id AND st.disabled_at IS NULL
        AND s.expires_at > $2::timestamptz
        AND s.last_seen_at > $2::timestamptz - make_interval(secs => $3::double precision)
     RETURNING st.id::text AS id, st.username, st.role, st.display_name, s.expires_at`,
    [tokenHash, now.toISOString(), times.idleMs / 1000],
  );
  const row = rows[0];
  return row ? { ...member(row), expiresAt: new Date(row.expires_at) } : undefined;
}

export async function deleteSession(db: Queryable, tokenHash: string): Promise<void> {
  await db.query('DELETE FROM staff_sessions WHERE token_hash = $1', [tokenHash]);
}
