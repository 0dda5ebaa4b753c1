import type { Database } from 'better-sqlite3';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { mapSqliteError } from './errors.ts';
import type { Migration } from './migrations.ts';

export interface MigrationResult {
  from: number;
  to: number;
  applied: number[];
}

interface AppliedRow {
  version: number;
  name: string;
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration list is not contiguous from 1: position ${i} has version ${m.version}`);
    }
  });
}

/** Highest applied schema version, 0 for an empty database. */
export function schemaVersion(db: Database): number {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (!exists) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Bring `db` up to the last migration in `migrations`. Each migration runs in its own
 * IMMEDIATE transaction (so a second process opening the same file waits instead of racing),
 * and re-checks inside it whether another process got there first.
 * A database newer than this code is refused: an older build must not write rows a newer
 * schema's constraints or triggers would have rejected.
 */
export function migrate(
  db: Database,
  migrations: readonly Migration[],
  logger?: Logger,
  now: () => Date = () => new Date(),
): MigrationResult {
  assertOrdered(migrations);
  const latest = migrations.length;
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
  } catch (err) {
    throw mapSqliteError(err, 'migrate');
  }
  const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as AppliedRow[];
  const from = applied.at(-1)?.version ?? 0;
  if (from > latest) {
    throw new ApplianceError(
      ApplianceErrors.STORE_SCHEMA_TOO_NEW.code,
      `The database schema (version ${from}) is newer than this software supports (version ${latest}); install the newer software.`,
      { dbVersion: from, codeVersion: latest },
    );
  }
  for (const row of applied) {
    const known = migrations[row.version - 1];
    if (known?.name !== row.name) {
      throw new ApplianceError(
        ApplianceErrors.STORE_SCHEMA_MISMATCH.code,
        `The database was built by a different schema history (migration ${row.version} is '${row.name}').`,
        { version: row.version, dbName: row.name, codeName: known?.name },
      );
    }
  }

  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const done: number[] = [];
  for (const m of migrations.slice(from)) {
    const apply = db.transaction(() => {
      if (isApplied.get(m.version)) return false;
      db.exec(m.sql);
      record.run(m.version, m.name, now().toISOString());
      return true;
    });
    try {
      if (apply.immediate()) done.push(m.version);
    } catch (err) {
      const mapped = mapSqliteError(err, 'migrate');
      if (mapped instanceof ApplianceError && mapped.code !== ApplianceErrors.STORE_FAILED.code) throw mapped;
      throw new ApplianceError(
        ApplianceErrors.STORE_MIGRATION_FAILED.code,
        `Database migration ${m.version} (${m.name}) failed; the database was left at version ${m.version - 1}.`,
        { version: m.version, name: m.name },
        { cause: err },
      );
    }
    logger?.info({ version: m.version, name: m.name }, 'applied migration');
  }
  return { from, to: schemaVersion(db), applied: done };
}
