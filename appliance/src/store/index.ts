import { join, resolve } from 'node:path';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { openDatabase } from './database.ts';
import { migrate } from './migrate.ts';
import type { Migration } from './migrations.ts';
import { createStore } from './store.ts';
import type { Store } from './types.ts';

export interface OpenStoreOptions {
  dataDir: string;
  filename?: string;
  logger?: Logger;
  /** Clock for timestamps; injectable for tests. */
  now?: () => Date;
  /** The schema history to bring the file up to (the appliance's is appliance/src/schema.ts MIGRATIONS). */
  migrations: readonly Migration[];
}

/**
 * Open (creating if needed) the appliance's local store: WAL, synchronous=FULL, foreign keys,
 * then versioned migrations. Throws coded ApplianceErrors: STORE_SCHEMA_TOO_NEW for a database
 * written by newer software, STORE_CORRUPT for a file that is not a database, STORE_IO_ERROR,
 * STORE_DISK_FULL.
 */
export function openStore(options: OpenStoreOptions): Store {
  const dir = resolve(options.dataDir);
  const path = join(dir, options.filename ?? 'appliance.db');
  const logger = createLogger('store', options.logger);
  const now = options.now ?? (() => new Date());
  const db = openDatabase(path, dir, logger);
  try {
    const result = migrate(db, options.migrations, logger, now);
    logger.info({ path, schemaVersion: result.to, applied: result.applied }, 'store opened');
  } catch (err) {
    db.close();
    throw err;
  }
  return createStore(db, { path, logger, now });
}

export { GENESIS_HASH, auditHash, verifyAuditChain } from './audit-chain.ts';
export { openDatabase, openReadOnlyDatabase } from './database.ts';
export { mapSqliteError } from './errors.ts';
export { migrate, schemaVersion, type MigrationResult } from './migrate.ts';
export { storeMigrations, type Migration } from './migrations.ts';
export { FINALIZED_EVENT } from './registrations.ts';
export { createStore, type StoreContext } from './store.ts';
export type * from './types.ts';
