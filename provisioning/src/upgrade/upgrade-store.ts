/**
 * `upgrade-store` (run by the package's postinst on an upgrade, as the service user, with the service
 * stopped): back the store up (SQLite online backup, verified), migrate it to this software's schema
 * through the appliance's own open path (openStore: migrations in one transaction each), verify the result
 * (integrity_check, audit chain, record counts), and on any failure put the backed-up store back, so the
 * previous version can be reinstalled onto the data exactly as it was.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { schemaVersion, verifyAuditChain } from '@lmc/appliance/store/index.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { ProvisioningErrorCodes, provisioningError } from '../errors.ts';

const STORE_FILE = 'appliance.db';

export interface UpgradeStoreOptions {
  dataDir: string;
  backupDir: string;
  fromVersion?: string;
  logger: Logger;
  now?: () => Date;
  /** The migration step (default: the appliance's openStore). Replaced in tests to show the rollback. */
  migrate?: (dataDir: string, logger: Logger) => void;
  onStep?: (text: string) => void;
}

export interface UpgradeStoreResult {
  backup: string;
  schemaBefore: number;
  schemaAfter: number;
  migrated: boolean;
}

function counts(db: Database.Database): { registrations: number; audit: number } {
  const n = (t: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  return { registrations: n('registrations'), audit: n('audit_log') };
}

function defaultMigrate(dataDir: string, logger: Logger): void {
  openApplianceStore({ dataDir, logger }).close();
}

export async function upgradeStore(o: UpgradeStoreOptions): Promise<UpgradeStoreResult> {
  const step = o.onStep ?? (() => undefined);
  const live = join(o.dataDir, STORE_FILE);
  if (!existsSync(live)) throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `no appliance store at ${live}: nothing to upgrade`);
  mkdirSync(o.backupDir, { recursive: true, mode: 0o700 });
  const stamp = (o.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
  const backup = join(o.backupDir, `appliance-before-upgrade${o.fromVersion ? `-from-${o.fromVersion.replace(/[^\w.+~-]/g, '_')}` : ''}-${stamp}.db`);

  step(`backing up the store to ${backup}`);
  const src = new Database(live, { fileMustExist: true });
  let before: { registrations: number; audit: number };
  let schemaBefore: number;
  try {
    src.pragma('busy_timeout = 5000');
    await src.backup(backup);
  } finally {
    src.close();
  }
  const copy = new Database(backup, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const integrity = copy.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw provisioningError(ProvisioningErrorCodes.UpgradeFailed, `the store fails integrity_check before the upgrade (${String(integrity)}): nothing migrated`);
    before = counts(copy);
    schemaBefore = schemaVersion(copy);
  } finally {
    copy.close();
  }

  step('migrating the store to this version');
  try {
    (o.migrate ?? defaultMigrate)(o.dataDir, o.logger);
    const db = new Database(live, { readonly: true, fileMustExist: true });
    try {
      const integrity = db.pragma('integrity_check', { simple: true });
      if (integrity !== 'ok') throw new Error(`integrity_check after migration: ${String(integrity)}`);
      const audit = verifyAuditChain(db);
      if (!audit.ok) throw new Error(`audit chain breaks at seq ${audit.firstBadSeq}: ${audit.reason}`);
      const after = counts(db);
      if (after.registrations !== before.registrations || after.audit < before.audit) {
        throw new Error(`record counts changed: ${JSON.stringify(before)} before, ${JSON.stringify(after)} after`);
      }
      const schemaAfter = schemaVersion(db);
      step(`store at schema v${schemaAfter} (was v${schemaBefore}); backup kept at ${backup}`);
      return { backup, schemaBefore, schemaAfter, migrated: schemaAfter !== schemaBefore };
    } finally {
      db.close();
    }
  } catch (err) {
    // Roll back: the backup (a consistent single-file image) replaces the store and its WAL.
    step('migration failed: putting the backed-up store back');
    const restoring = `${live}.restoring`;
    copyFileSync(backup, restoring);
    rmSync(`${live}-wal`, { force: true });
    rmSync(`${live}-shm`, { force: true });
    renameSync(restoring, live);
    throw provisioningError(ProvisioningErrorCodes.UpgradeFailed, `store migration failed (${(err as Error).message}); the store was put back from ${backup}`, { backup });
  }
}
