import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApplianceError } from '@lmc/core/errors.ts';
import { createLogger } from '@lmc/core/logger.ts';
import { createStore, migrate, openDatabase, type Store } from './index.ts';
import { MIGRATIONS, openApplianceStore } from '../schema.ts';
import { passport, tempDir } from './test-support.ts';

/**
 * Disk full, simulated with `PRAGMA max_page_count` (https://www.sqlite.org/pragma.html#pragma_max_page_count):
 * SQLite then fails page allocation with SQLITE_FULL, the same code the unix VFS returns on ENOSPC.
 */
describe('store on a full disk', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: Database.Database;
  let store: Store;
  let path: string;

  beforeEach(() => {
    tmp = tempDir();
    path = join(tmp.dir, 'appliance.db');
    db = openDatabase(path, tmp.dir, createLogger('test'));
    migrate(db, MIGRATIONS);
    store = createStore(db, { path, logger: createLogger('test'), now: () => new Date() });
  });
  afterEach(() => {
    store.close();
    tmp.remove();
  });

  /** Register and finalize people until the store refuses; return the error and how many finished. */
  const fillUntilFull = (): { err: ApplianceError; finalized: number } => {
    for (let i = 0; i < 2000; i++) {
      try {
        const r = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
        // A long extra field makes each registration cost several pages, so the disk fills fast.
        store.registrations.attachDocument(r.id, passport(`DF${i}`, { padding: 'x'.repeat(6000) }), 'o1');
        store.registrations.finalize(r.id, 'o1');
      } catch (err) {
        if (err instanceof ApplianceError) return { err, finalized: i };
        throw err;
      }
    }
    throw new Error('the store never filled up');
  };

  const assertEveryRegistrationComplete = (check: Database.Database): void => {
    const q = (sql: string): unknown[] => check.prepare(sql).all();
    // Every finalized registration has exactly one outbox event and its finalized audit row.
    expect(q(`SELECT r.id FROM registrations r WHERE r.status = 'finalized'
              AND (SELECT COUNT(*) FROM outbox o WHERE o.registration_id = r.id) != 1`)).toEqual([]);
    expect(q(`SELECT r.id FROM registrations r WHERE r.status = 'finalized' AND NOT EXISTS
              (SELECT 1 FROM audit_log a WHERE a.entity_id = r.id AND a.action = 'registration.finalized')`)).toEqual([]);
    // No event for a registration that is not finalized, and none pointing nowhere.
    expect(q(`SELECT o.seq FROM outbox o LEFT JOIN registrations r ON r.id = o.registration_id
              WHERE r.id IS NULL OR r.status != 'finalized'`)).toEqual([]);
    // Every registration has its creation audit row; every captured one has a document.
    expect(q(`SELECT r.id FROM registrations r WHERE NOT EXISTS
              (SELECT 1 FROM audit_log a WHERE a.entity_id = r.id AND a.action = 'registration.created')`)).toEqual([]);
    expect(q(`SELECT id FROM registrations WHERE status != 'draft' AND document_json IS NULL`)).toEqual([]);
    // No audit row about a registration that does not exist.
    expect(q(`SELECT a.seq FROM audit_log a WHERE a.entity_type = 'registration'
              AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.id = a.entity_id)`)).toEqual([]);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(check.pragma('foreign_key_check')).toEqual([]);
  };

  it('refuses with STORE_DISK_FULL and an officer-readable message, leaving no partial registration', () => {
    // Some room first, then a ceiling just above the current size.
    const seed = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
    store.registrations.attachDocument(seed.id, passport('SEED'), 'o1');
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 40}`);

    const { err, finalized } = fillUntilFull();
    expect(err.code).toBe('STORE_DISK_FULL');
    expect(err.message).toBe("The appliance's disk is full; the registration was not saved; call a technician.");
    expect(err.context).toMatchObject({ sqliteCode: expect.stringMatching(/^SQLITE_FULL/) });
    expect(finalized).toBeGreaterThan(0);

    const outboxDepth = store.outbox.depth();
    const finalizedCount = store.registrations.list({ limit: 500, status: 'finalized' }).items.length;
    expect(outboxDepth).toBe(finalizedCount);
    expect(finalizedCount).toBe(finalized);
    expect(store.audit.verify().ok).toBe(true);
    expect(store.integrityCheck()).toBe('ok');
    assertEveryRegistrationComplete(db);

    // Space freed (technician cleared the disk): the same connection carries on.
    db.pragma('max_page_count = 1073741823');
    const next = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
    store.registrations.attachDocument(next.id, passport('AFTER'), 'o1');
    expect(store.registrations.finalize(next.id, 'o1').status).toBe('finalized');
    expect(store.outbox.depth()).toBe(finalizedCount + 1);
    expect(store.audit.verify().ok).toBe(true);
  });

  it('rolls back a finalization that hits the ceiling whole: still captured, no event, no audit row', () => {
    const r = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
    const captured = store.registrations.attachDocument(r.id, passport('EDGE', { padding: 'x'.repeat(6000) }), 'o1');
    const auditRows = store.audit.verify().rows;
    // No page to spare: the status update fits in place, the outbox payload needs new overflow pages.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);

    expect(() => store.registrations.finalize(r.id, 'o1')).toThrow(expect.objectContaining({ code: 'STORE_DISK_FULL' }));
    expect(store.registrations.get(r.id)).toEqual(captured);
    expect(store.outbox.depth()).toBe(0);
    expect(store.audit.verify()).toEqual({ ok: true, rows: auditRows });
    assertEveryRegistrationComplete(db);
  });

  it('leaves a file that reopens cleanly with every registration complete', () => {
    db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 25}`);
    expect(fillUntilFull().err.code).toBe('STORE_DISK_FULL');
    store.close();

    const reopened = openApplianceStore({ dataDir: tmp.dir });
    expect(reopened.integrityCheck()).toBe('ok');
    expect(reopened.audit.verify().ok).toBe(true);
    reopened.close();
    const check = new Database(path, { readonly: true });
    assertEveryRegistrationComplete(check);
    check.close();
    store = openApplianceStore({ dataDir: tmp.dir }); // for afterEach
  });
});
