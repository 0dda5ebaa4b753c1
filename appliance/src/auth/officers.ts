import type { Database } from 'better-sqlite3';
import { ApplianceError } from '../../../firmware-bridge/src/common/errors.ts';
import { AuthErrorCodes } from './auth-errors.ts';

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
  attempts: number;
  lockedUntil: string | null;
}

export interface OfficerRepository {
  count(): number;
  get(officerId: string): (Officer & { pinHash: string }) | undefined;
  list(): Officer[];
  insert(input: { officerId: string; displayName: string; role: OfficerRole; pinHash: string }): Officer;
  /**
   * Counts one wrong PIN atomically (two wrong PINs typed at once both count) and locks the officer when the
   * count reaches `maxAttempts`. An expired lock starts a fresh count.
   */
  recordFailure(officerId: string, maxAttempts: number, lockMs: number): FailureResult;
  recordSuccess(officerId: string): void;
  unlock(officerId: string): void;
  setPinHash(officerId: string, pinHash: string): void;
}

export function createOfficerRepository(db: Database, now: () => Date): OfficerRepository {
  const iso = () => now().toISOString();
  const byId = db.prepare<[string], OfficerRow>('SELECT * FROM officers WHERE officer_id = ?');
  const failure = db.transaction((officerId: string, maxAttempts: number, lockMs: number): FailureResult => {
    const t = now();
    const row = byId.get(officerId);
    if (!row) return { attempts: 0, lockedUntil: null };
    const lockExpired = row.locked_until !== null && row.locked_until <= t.toISOString();
    const attempts = (lockExpired ? 0 : row.failed_attempts) + 1;
    const lockedUntil = attempts >= maxAttempts ? new Date(t.getTime() + lockMs).toISOString() : lockExpired ? null : row.locked_until;
    db.prepare('UPDATE officers SET failed_attempts = ?, locked_until = ?, updated_at = ? WHERE officer_id = ?').run(
      attempts >= maxAttempts ? 0 : attempts,
      lockedUntil,
      t.toISOString(),
      officerId,
    );
    return { attempts, lockedUntil };
  });

  return {
    count: () => (db.prepare('SELECT count(*) AS n FROM officers').get() as { n: number }).n,
    get(officerId) {
      const row = byId.get(officerId);
      return row ? { ...toOfficer(row), pinHash: row.pin_hash } : undefined;
    },
    list: () => db.prepare<[], OfficerRow>('SELECT * FROM officers ORDER BY officer_id').all().map(toOfficer),
    insert({ officerId, displayName, role, pinHash }) {
      const at = iso();
      try {
        db.prepare(
          'INSERT INTO officers (officer_id, display_name, role, pin_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        ).run(officerId, displayName, role, pinHash, at, at);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new ApplianceError(AuthErrorCodes.OfficerExists, `officer ${officerId} already exists`, { officerId });
        }
        throw err;
      }
      const row = byId.get(officerId);
      if (!row) throw new Error('officer vanished after insert');
      return toOfficer(row);
    },
    recordFailure: (officerId, maxAttempts, lockMs) => failure.immediate(officerId, maxAttempts, lockMs),
    recordSuccess(officerId) {
      const at = iso();
      db.prepare('UPDATE officers SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = ?, updated_at = ? WHERE officer_id = ?').run(at, at, officerId);
    },
    unlock(officerId) {
      db.prepare('UPDATE officers SET failed_attempts = 0, locked_until = NULL, updated_at = ? WHERE officer_id = ?').run(iso(), officerId);
    },
    setPinHash(officerId, pinHash) {
      db.prepare('UPDATE officers SET pin_hash = ?, failed_attempts = 0, locked_until = NULL, updated_at = ? WHERE officer_id = ?').run(pinHash, iso(), officerId);
    },
  };
}
