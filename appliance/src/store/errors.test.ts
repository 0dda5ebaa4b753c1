import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ApplianceError, isApplianceError } from '@lmc/core/errors.ts';
import { mapSqliteError } from './errors.ts';

const sqlite = (code: string): Error => new Database.SqliteError(`sqlite says ${code}`, code);

describe('mapping SQLite failures to coded store errors', () => {
  it.each([
    ['SQLITE_FULL', 'STORE_DISK_FULL'],
    ['SQLITE_IOERR', 'STORE_IO_ERROR'],
    ['SQLITE_IOERR_WRITE', 'STORE_IO_ERROR'],
    ['SQLITE_IOERR_FSYNC', 'STORE_IO_ERROR'],
    ['SQLITE_CORRUPT', 'STORE_CORRUPT'],
    ['SQLITE_CORRUPT_INDEX', 'STORE_CORRUPT'],
    ['SQLITE_NOTADB', 'STORE_CORRUPT'],
    ['SQLITE_BUSY', 'STORE_BUSY'],
    ['SQLITE_BUSY_SNAPSHOT', 'STORE_BUSY'],
    ['SQLITE_READONLY', 'STORE_READ_ONLY'],
    ['SQLITE_CONSTRAINT_PRIMARYKEY', 'STORE_CONFLICT'],
    ['SQLITE_MISMATCH', 'STORE_FAILED'],
  ])('%s becomes %s, keeping the SQLite code in context and the cause', (sqliteCode, code) => {
    const original = sqlite(sqliteCode);
    const mapped = mapSqliteError(original, 'registrations.finalize');
    expect(isApplianceError(mapped, code)).toBe(true);
    expect((mapped as ApplianceError).context).toEqual({ operation: 'registrations.finalize', sqliteCode });
    expect((mapped as ApplianceError).cause).toBe(original);
  });

  it('tells the officer plainly that nothing was saved when the disk is full', () => {
    const mapped = mapSqliteError(sqlite('SQLITE_FULL'), 'x') as ApplianceError;
    expect(mapped.message).toMatch(/disk is full.*not saved.*call a technician/);
  });

  it('passes coded errors and non-SQLite errors through unchanged', () => {
    const coded = new ApplianceError('NOT_FOUND', 'gone');
    const plain = new TypeError('bug');
    expect(mapSqliteError(coded, 'x')).toBe(coded);
    expect(mapSqliteError(plain, 'x')).toBe(plain);
  });
});
