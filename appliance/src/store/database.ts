import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { mapSqliteError } from './errors.ts';

/** How long a writer waits for another connection's lock (e.g. the audit CLI) before STORE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Open the SQLite file with the durability settings the appliance depends on
 * (https://www.sqlite.org/pragma.html, https://www.sqlite.org/wal.html):
 * - journal_mode=WAL: readers (UI lists, the forwarder, the audit CLI) never block the writer,
 *   and a power cut leaves at worst an uncommitted WAL tail that recovery discards.
 * - synchronous=FULL: in WAL mode NORMAL may lose the last commits on power loss; FULL fsyncs the
 *   WAL at every commit, so the officer's "saved" means on disk.
 * - foreign_keys=ON: off by default in SQLite, per connection.
 * The appliance process opens exactly one such connection (the store's); tools that only read an existing file
 * (the audit verifier, backups) use `openReadOnlyDatabase`. Nothing else in the appliance calls `new Database`.
 */
export function openDatabase(path: string, dir: string, logger: Logger): Database.Database {
  try {
    const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A new directory entry is durable only once its parent is fsynced (found by the power-loss harness:
    // tests/power-loss): without it a power cut can lose the whole database of a fresh install.
    if (created !== undefined) syncDirectoryChain(created, dir);
    makePrivate(dir, path);
  } catch (err) {
    throw new ApplianceError(
      ApplianceErrors.STORE_IO_ERROR.code,
      'The appliance data directory cannot be created; call a technician.',
      { dataDir: dir, errno: (err as NodeJS.ErrnoException).code },
      { cause: err },
    );
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') logger.warn({ mode }, 'database is not in WAL mode');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Schema-borne SQL may only call innocuous functions (json_valid is one): a tampered file cannot run more.
    db.pragma('trusted_schema = OFF');
    makePrivate(dir, path); // the -wal and -shm files exist now
    return db;
  } catch (err) {
    db?.close();
    throw mapSqliteError(err, 'open');
  }
}

/** An existing store file for reading only (tools beside a running appliance: audit verification, backups). */
export function openReadOnlyDatabase(path: string): Database.Database {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('trusted_schema = OFF');
    return db;
  } catch (err) {
    throw mapSqliteError(err, 'open');
  }
}

/**
 * Names, passport numbers and fingerprints live here: the data directory is 0700 and the database files 0600
 * whatever the umask or an earlier copy left (a technician's `cp` with umask 022 gives 0644). SQLite creates
 * the -wal and -shm files with the main file's mode, so making the main file 0600 before opening covers them.
 */
export function makePrivate(dir: string, path: string): void {
  chmodSync(dir, 0o700);
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}

/** fsyncs the parent of every directory from `first` (the topmost one mkdir created) down to `last`. */
function syncDirectoryChain(first: string, last: string): void {
  for (let d = last; ; d = dirname(d)) {
    const fd = openSync(dirname(d), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (d === first || dirname(d) === d) break;
  }
}
