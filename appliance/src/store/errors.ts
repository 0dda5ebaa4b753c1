import { ApplianceError, ErrorCodes } from '@lmc/core/errors.ts';

/**
 * Codes of the store layer. The HTTP layer maps these to status codes in one place;
 * nothing upstream should look at an error's message text.
 */
export const StoreErrorCodes = {
  NotFound: ErrorCodes.NotFound,
  InvalidState: ErrorCodes.InvalidState,
  Conflict: ErrorCodes.StoreConflict,
  DiskFull: ErrorCodes.StoreDiskFull,
  IoError: 'STORE_IO_ERROR',
  Corrupt: 'STORE_CORRUPT',
  Busy: 'STORE_BUSY',
  ReadOnly: 'STORE_READ_ONLY',
  SchemaTooNew: 'STORE_SCHEMA_TOO_NEW',
  SchemaMismatch: 'STORE_SCHEMA_MISMATCH',
  MigrationFailed: 'STORE_MIGRATION_FAILED',
  InvalidInput: 'STORE_INVALID_INPUT',
  InvalidCursor: 'STORE_INVALID_CURSOR',
  AuditImmutable: 'STORE_AUDIT_IMMUTABLE',
  Closed: 'STORE_CLOSED',
  Failed: 'STORE_FAILED',
} as const;

export type StoreErrorCode = (typeof StoreErrorCodes)[keyof typeof StoreErrorCodes];

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
  if (sqliteCode.startsWith('SQLITE_FULL')) {
    return new ApplianceError(
      StoreErrorCodes.DiskFull,
      "The appliance's disk is full; the registration was not saved; call a technician.",
      context,
      options,
    );
  }
  if (sqliteCode.startsWith('SQLITE_IOERR')) {
    return new ApplianceError(
      StoreErrorCodes.IoError,
      "The appliance could not write to its disk; the registration was not saved; call a technician.",
      context,
      options,
    );
  }
  if (sqliteCode.startsWith('SQLITE_CORRUPT') || sqliteCode === 'SQLITE_NOTADB') {
    return new ApplianceError(
      StoreErrorCodes.Corrupt,
      "The appliance's database file is damaged; do not switch the appliance off; call a technician.",
      context,
      options,
    );
  }
  if (sqliteCode.startsWith('SQLITE_BUSY') || sqliteCode.startsWith('SQLITE_LOCKED')) {
    return new ApplianceError(
      StoreErrorCodes.Busy,
      'The appliance database is busy; try again in a moment.',
      context,
      options,
    );
  }
  if (sqliteCode.startsWith('SQLITE_READONLY') || sqliteCode.startsWith('SQLITE_CANTOPEN')) {
    return new ApplianceError(
      StoreErrorCodes.ReadOnly,
      'The appliance database cannot be written; the registration was not saved; call a technician.',
      context,
      options,
    );
  }
  if (sqliteCode === 'SQLITE_CONSTRAINT_TRIGGER' && err.message.includes('append-only')) {
    return new ApplianceError(StoreErrorCodes.AuditImmutable, 'The audit log is append-only.', context, options);
  }
  if (sqliteCode === 'SQLITE_CONSTRAINT_PRIMARYKEY' || sqliteCode === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new ApplianceError(StoreErrorCodes.Conflict, 'The record already exists.', context, options);
  }
  return new ApplianceError(StoreErrorCodes.Failed, `The appliance database failed (${sqliteCode}).`, context, options);
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
  return new ApplianceError(StoreErrorCodes.InvalidInput, message, context);
}
