import type { Database } from 'better-sqlite3';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { guard, mapSqliteError } from '../store/errors.ts';

export const ROLES = ['officer', 'supervisor', 'technician'] as const;
export type OfficerRole = (typeof ROLES)[number];

export interface Officer {
  officerId: string;
  displayName: string;
  role: OfficerRole;
  active: boolean;
  failedAttempts: number;
  lockedUntil: string | null;
  createdAt: string;
  lastSignInAt: string | null;
}

interface OfficerRow {
  officer_id: string;
  display_name: string;
  role: OfficerRole;
  pin_hash: string;
  failed_attempts: number;
  locked_until: string | null;
  active: 0 | 1;
  created_at: string;
  updated_at: string;
  last_sign_in_at: string | null;
}

const toOfficer = (r: OfficerRow): Officer => ({
  officerId: r.officer_id,
  displayName: r.display_name,
  role: r.role,
  active: r.active === 1,
  failedAttempts: r.failed_attempts,
  lockedUntil: r.locked_until,
  createdAt: r.created_at,
  lastSignInAt: r.last_sign_in_at,
});

export interface FailureResult {
  /** Wrong PINs for this officer, from every terminal, since the last good sign-in, unlock or PIN change. */
  attempts: number;
  lockedUntil: string | null;
}

/** An officer row with the columns the API does not show. */
export type StoredOfficer = Officer & { pinHash: string; updatedAt: string };

/**
 * The officers table. Every write maps SQLite failures to coded store errors (a full disk is STORE_DISK_FULL,
 * 507), never a bare SqliteError (500).
 */
export interface OfficerRepository {
  count(): number;
  get(officerId: string): StoredOfficer | undefined;
  list(): Officer[];
  insert(input: { officerId: string; displayName: string; role: OfficerRole; pinHash: string }): Officer;
  /** Takes back an insert whose audit row could not be written. */
  remove(officerId: string): void;
  /**
   * Counts one wrong PIN in one IMMEDIATE transaction (a second process, e.g. the technician CLI, cannot
   * interleave) and locks the officer on every terminal for `lockMsFor(attempts)` when that is not null.
   * The count is not reset by a lock: it only grows until a good sign-in, an unlock or a PIN change, so
   * successive locks can grow longer.
   */
  recordFailure(officerId: string, lockMsFor: (attempts: number) => number | null): FailureResult;
  /** Writes a lock state kept in memory while the disk was full. */
  setLockState(officerId: string, failedAttempts: number, lockedUntil: string | null): void;
  recordSuccess(officerId: string): void;
  unlock(officerId: string): void;
  setPinHash(officerId: string, pinHash: string): void;
}

export function createOfficerRepository(db: Database, now: () => Date): OfficerRepository {
  const iso = () => now().toISOString();
  const byId = db.prepare<[string], OfficerRow>('SELECT * FROM officers WHERE officer_id = ?');
  const writeLock = db.prepare('UPDATE officers SET failed_attempts = ?, locked_until = ?, updated_at = ? WHERE officer_id = ?');
  const failure = db.transaction((officerId: string, lockMsFor: (attempts: number) => number | null): FailureResult => {
    const t = now();
    const row = byId.get(officerId);
    if (!row) return { attempts: 0, lockedUntil: null };
    const attempts = row.failed_attempts + 1;
    const lockMs = lockMsFor(attempts);
    const stillLocked = row.locked_until !== null && row.locked_until > t.toISOString() ? row.locked_until : null;
    const lockedUntil = lockMs !== null ? new Date(t.getTime() + lockMs).toISOString() : stillLocked;
    writeLock.run(attempts, lockedUntil, t.toISOString(), officerId);
    return { attempts, lockedUntil };
  });

  return {
    count: () => guard('officers.count', () => (db.prepare('SELECT count(*) AS n FROM officers').get() as { n: number }).n),
    get(officerId) {
      const row = guard('officers.get', () => byId.get(officerId));
      return row ? { ...toOfficer(row), pinHash: row.pin_hash, updatedAt: row.updated_at } : undefined;
    },
    list: () => guard('officers.list', () => db.prepare<[], OfficerRow>('SELECT * FROM officers ORDER BY officer_id').all().map(toOfficer)),
    insert({ officerId, displayName, role, pinHash }) {
      const at = iso();
      try {
        db.prepare(
          'INSERT INTO officers (officer_id, display_name, role, pin_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        ).run(officerId, displayName, role, pinHash, at, at);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new ApplianceError(ApplianceErrors.AUTH_OFFICER_EXISTS.code, `officer ${officerId} already exists`, { officerId });
        }
        throw mapSqliteError(err, 'officers.insert');
      }
      const row = byId.get(officerId);
      if (!row) throw new Error('officer vanished after insert');
      return toOfficer(row);
    },
    remove(officerId) {
      guard('officers.remove', () => db.prepare('DELETE FROM officers WHERE officer_id = ?').run(officerId));
    },
    recordFailure: (officerId, lockMsFor) => guard('officers.recordFailure', () => failure.immediate(officerId, lockMsFor)),
    setLockState(officerId, failedAttempts, lockedUntil) {
      guard('officers.setLockState', () => writeLock.run(failedAttempts, lockedUntil, iso(), officerId));
    },
    recordSuccess(officerId) {
      const at = iso();
      guard('officers.recordSuccess', () =>
        db.prepare('UPDATE officers SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = ?, updated_at = ? WHERE officer_id = ?').run(at, at, officerId),
      );
    },
    unlock(officerId) {
      guard('officers.unlock', () => db.prepare('UPDATE officers SET failed_attempts = 0, locked_until = NULL, updated_at = ? WHERE officer_id = ?').run(iso(), officerId));
    },
    setPinHash(officerId, pinHash) {
      guard('officers.setPinHash', () =>
        db.prepare('UPDATE officers SET pin_hash = ?, failed_attempts = 0, locked_until = NULL, updated_at = ? WHERE officer_id = ?').run(pinHash, iso(), officerId),
      );
    },
  };
}
