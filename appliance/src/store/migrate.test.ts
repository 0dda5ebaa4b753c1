import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isApplianceError } from '@lmc/core/errors.ts';
import { createLogger } from '@lmc/core/logger.ts';
import { BUSY_TIMEOUT_MS } from './database.ts';
import { migrate, openDatabase, schemaVersion } from './index.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, openApplianceStore } from '../schema.ts';
import { useTempDir } from '@lmc/core/temp-dir-test-support.ts';

describe('openStore and versioned migrations', () => {
  const tmp = useTempDir('store-');

  it('creates the data directory and an empty database at the latest schema, with WAL and FULL sync', () => {
    const dataDir = join(tmp.dir, 'nested', 'data');
    const store = openApplianceStore({ dataDir });
    const health = store.health();
    expect(health).toEqual({ ok: true, path: join(dataDir, 'appliance.db'), schemaVersion: LATEST_SCHEMA_VERSION, walMode: true });
    store.close();

    const db = new Database(join(dataDir, 'appliance.db'));
    const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(applied).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['audit_log', 'outbox', 'registrations', 'schema_migrations']));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('opens the connection with synchronous=FULL, foreign keys on, a busy timeout and WAL', () => {
    const db = openDatabase(join(tmp.dir, 'appliance.db'), tmp.dir, createLogger('test'));
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // 2 = FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(BUSY_TIMEOUT_MS);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    migrate(db, MIGRATIONS);
    expect(() =>
      db.prepare("INSERT INTO outbox (registration_id, event_type, payload_json, created_at) VALUES ('nope', 'x', '{}', 'now')").run(),
    ).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('upgrades a database left at an older version and keeps its rows', () => {
    const path = join(tmp.dir, 'appliance.db');
    const old = new Database(path);
    const res = migrate(old, MIGRATIONS.slice(0, 1));
    expect(res).toMatchObject({ from: 0, to: 1, applied: [1] });
    old
      .prepare(
        `INSERT INTO registrations (id, seq, office_code, officer_id, status, created_at, updated_at)
         VALUES ('6f1c1a52-1d1e-4c53-9a3e-0c1b2f3e4d5a', 1, 'BBR', 'o1', 'draft', 't', 't')`,
      )
      .run();
    old.close();

    const store = openApplianceStore({ dataDir: tmp.dir });
    expect(store.health().schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.registrations.get('6f1c1a52-1d1e-4c53-9a3e-0c1b2f3e4d5a')?.officeCode).toBe('BBR');
    store.close();
    const db = new Database(path);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'registrations_by_document'").all();
    expect(indexes).toHaveLength(1);
    db.close();
  });

  it('re-opening an up-to-date database applies nothing', () => {
    openApplianceStore({ dataDir: tmp.dir }).close();
    const db = new Database(join(tmp.dir, 'appliance.db'));
    expect(migrate(db, MIGRATIONS)).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION, applied: [] });
    db.close();
  });

  it('refuses a database written by newer software with STORE_SCHEMA_TOO_NEW and leaves it untouched', () => {
    openApplianceStore({ dataDir: tmp.dir }).close();
    const path = join(tmp.dir, 'appliance.db');
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations VALUES (?, 'from-the-future', 'then')").run(LATEST_SCHEMA_VERSION + 1);
    db.close();

    const err = (() => {
      try {
        openApplianceStore({ dataDir: tmp.dir });
      } catch (e) {
        return e;
      }
    })();
    expect(isApplianceError(err, 'STORE_SCHEMA_TOO_NEW')).toBe(true);
    const again = new Database(path);
    expect(schemaVersion(again)).toBe(LATEST_SCHEMA_VERSION + 1);
    again.close();
  });

  it('refuses a database whose applied migration names differ from this code (STORE_SCHEMA_MISMATCH)', () => {
    const db = new Database(join(tmp.dir, 'appliance.db'));
    migrate(db, [{ version: 1, name: 'someone-elses-schema', sql: 'CREATE TABLE x (a)' }]);
    db.close();
    expect(() => openApplianceStore({ dataDir: tmp.dir })).toThrow(expect.objectContaining({ code: 'STORE_SCHEMA_MISMATCH' }));
  });

  it('rolls back a failing migration whole and reports STORE_MIGRATION_FAILED with the version', () => {
    const db = new Database(join(tmp.dir, 'appliance.db'));
    const broken = [
      MIGRATIONS[0]!,
      { version: 2, name: 'half-good', sql: 'CREATE TABLE good (a); CREATE TABLE registrations (dup)' },
    ];
    expect(() => migrate(db, broken)).toThrow(expect.objectContaining({ code: 'STORE_MIGRATION_FAILED', context: { version: 2, name: 'half-good' } }));
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'good'").pluck().get()).toBe(0);
    db.close();
  });

  it('refuses a file that is not a database with STORE_CORRUPT', () => {
    writeFileSync(join(tmp.dir, 'appliance.db'), Buffer.alloc(8192, 0x5a));
    expect(() => openApplianceStore({ dataDir: tmp.dir })).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
  });

  it('reports a closed store as not ok and refuses calls with STORE_CLOSED', () => {
    const store = openApplianceStore({ dataDir: tmp.dir });
    store.close();
    expect(store.health().ok).toBe(false);
    expect(() => store.registrations.create({ officeCode: 'BBR', officerId: 'o1' })).toThrow(
      expect.objectContaining({ code: 'STORE_CLOSED' }),
    );
  });
});
