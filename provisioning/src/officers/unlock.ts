/**
 * `appliance-provision unlock <officerId>`: the technician's way to lift an officer's PIN lockout when no
 * other supervisor can (the only supervisor locked out). Works on the data directory's database directly,
 * with the appliance stopped or running (WAL: the appliance's reads are not blocked, and a running appliance
 * drops its per-terminal locks at the officer's next sign-in when it sees the clean row). The audit row and
 * the unlock are ONE transaction: there is never an unlock without its audit row.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@lmc/core/logger.ts';
import { createOfficerRepository, type OfficerRole } from '@lmc/appliance/auth/officers.ts';
import { appendAudit } from '@lmc/appliance/store/audit-chain.ts';
import { mapSqliteError, migrate, openDatabase } from '@lmc/appliance/store/index.ts';
import { MIGRATIONS } from '@lmc/appliance/schema.ts';
import { ProvisioningErrorCodes, provisioningError } from '../errors.ts';

export interface UnlockOptions {
  dataDir: string;
  officerId: string;
  logger: Logger;
  /** Who did it, for the audit row; default `technician:<OS user>`. */
  actor?: string;
  now?: () => Date;
}

export interface UnlockResult {
  officerId: string;
  role: OfficerRole;
  /** The lock state before the unlock (officer-wide, as stored). */
  was: { failedAttempts: number; lockedUntil: string | null };
  auditSeq: number;
}

export function unlockOfficer(o: UnlockOptions): UnlockResult {
  const now = o.now ?? (() => new Date());
  const path = join(o.dataDir, 'appliance.db');
  if (!existsSync(path)) throw provisioningError(ProvisioningErrorCodes.OfficerNotFound, `no appliance database in ${o.dataDir}`, { dataDir: o.dataDir });
  const officerId = o.officerId.toUpperCase();
  const actor = o.actor ?? `technician:${safeUser()}`;
  const db = openDatabase(path, o.dataDir, o.logger);
  try {
    migrate(db, MIGRATIONS, o.logger);
    const officers = createOfficerRepository(db, now);
    const run = db.transaction((): UnlockResult => {
      const officer = officers.get(officerId);
      if (!officer) throw provisioningError(ProvisioningErrorCodes.OfficerNotFound, `no officer ${officerId} on this appliance`, { officerId });
      const was = { failedAttempts: officer.failedAttempts, lockedUntil: officer.lockedUntil };
      const row = appendAudit(
        db,
        { actor, action: 'officer.unlocked', entityType: 'officer', entityId: officerId, details: { via: 'appliance-provision unlock', ...was } },
        now().toISOString(),
      );
      officers.unlock(officerId);
      return { officerId, role: officer.role, was, auditSeq: row.seq };
    });
    try {
      return run.immediate();
    } catch (err) {
      throw mapSqliteError(err, 'unlock');
    }
  } finally {
    db.close();
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
