import { ApplianceError, type ApplianceErrorCode, ApplianceErrors } from '../errors.ts';

/** Shape of better-sqlite3's SqliteError without importing the class (it is CJS-only). */
interface SqliteLikeError {
  code: string;
  message: string;
}

function isSqliteError(err: unknown): err is SqliteLikeError {
  return (
    err instanceof Error &&
    err.name === 'SqliteError' &&
    typeof (err as { code?: unknown }).code === 'string' &&
    (err as unknown as { code: string }).code.startsWith('SQLITE_')
  );
}

/** The SQLite failures an officer is told about, tried in order; any other is STORE_FAILED. */
const SQLITE_FAULTS: readonly { match: (sqliteCode: string) => boolean; code: ApplianceErrorCode; message: string }[] = [
  {
    match: (c) => c.startsWith('SQLITE_FULL'),
    code: 'STORE_DISK_FULL',
    message: "The appliance's disk is full; the registration was not saved; call a technician.",
  },
  {
    match: (c) => c.startsWith('SQLITE_IOERR'),
    code: 'STORE_IO_ERROR',
    message: 'The appliance could not write to its disk; the registration was not saved; call a technician.',
  },
  {
    match: (c) => c.startsWith('SQLITE_CORRUPT') || c === 'SQLITE_NOTADB',
    code: 'STORE_CORRUPT',
    message: "The appliance's database file is damaged; do not switch the appliance off; call a technician.",
  },
  {
    match: (c) => c.startsWith('SQLITE_BUSY') || c.startsWith('SQLITE_LOCKED'),
    code: 'STORE_BUSY',
    message: 'The appliance database is busy; try again in a moment.',
  },
  {
    match: (c) => c.startsWith('SQLITE_READONLY') || c.startsWith('SQLITE_CANTOPEN'),
    code: 'STORE_READ_ONLY',
    message: 'The appliance database cannot be written; the registration was not saved; call a technician.',
  },
  // Every RAISE in the schema guards an immutable record (the append-only audit log, finalized
  // registrations, their details and fingerprints): one code, told apart by the code, never by the text.
  {
    match: (c) => c === 'SQLITE_CONSTRAINT_TRIGGER',
    code: 'STORE_RECORD_IMMUTABLE',
    message: 'That record can no longer be changed: the audit log is append-only and finalized registrations are frozen.',
  },
  { match: (c) => c === 'SQLITE_CONSTRAINT_PRIMARYKEY' || c === 'SQLITE_CONSTRAINT_UNIQUE', code: 'STORE_CONFLICT', message: 'The record already exists.' },
];

/**
 * Translate an SQLite failure into a coded error an officer-facing layer can show.
 * Extended result codes (SQLITE_IOERR_WRITE, SQLITE_CORRUPT_VTAB, ...) are matched by prefix
 * (https://www.sqlite.org/rescode.html). A real ENOSPC from the unix VFS surfaces as SQLITE_FULL,
 * the same code `PRAGMA max_page_count` produces, so the tests exercise the production path.
 */
export function mapSqliteError(err: unknown, operation: string): unknown {
  if (err instanceof ApplianceError || !isSqliteError(err)) return err;
  const sqliteCode = err.code;
  const context = { operation, sqliteCode };
  const options = { cause: err };
  const fault = SQLITE_FAULTS.find((f) => f.match(sqliteCode));
  if (fault) return new ApplianceError(fault.code, fault.message, context, options);
  return new ApplianceError(ApplianceErrors.STORE_FAILED.code, `The appliance database failed (${sqliteCode}).`, context, options);
}

/** Run `fn`, rethrowing any SQLite failure as a coded ApplianceError. */
export function guard<T>(operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw mapSqliteError(err, operation);
  }
}

export function invalidInput(message: string, context: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError(ApplianceErrors.STORE_INVALID_INPUT.code, message, context);
}
