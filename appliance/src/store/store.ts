import type { Database } from 'better-sqlite3';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { appendAudit, toAuditRow, verifyAuditChain } from './audit-chain.ts';
import { guard } from './errors.ts';
import { schemaVersion } from './migrate.ts';
import { createOutbox } from './outbox.ts';
import { createRegistrationRepository } from './registrations.ts';
import type { AuditRow, Store } from './types.ts';

export interface StoreContext {
  path: string;
  logger: Logger;
  now: () => Date;
}

/**
 * Assemble the repositories over an open, migrated connection. Split from openStore so tests and
 * tools can set connection-level PRAGMAs (max_page_count for the disk-full test) first.
 */
export function createStore(db: Database, ctx: StoreContext): Store {
  const { path, logger, now } = ctx;
  const registrations = createRegistrationRepository(db, now, logger);
  const outbox = createOutbox(db, now);
  const appendTx = db.transaction((e: Parameters<Store['audit']['append']>[0]) =>
    appendAudit(db, e, now().toISOString()),
  );

  const requireOpen = (): void => {
    if (!db.open) throw new ApplianceError(ApplianceErrors.STORE_CLOSED.code, 'The appliance store is closed.');
  };
  // Every public call checks the connection first: better-sqlite3 throws a bare TypeError when closed.
  const open = <T extends object>(o: T): T =>
    new Proxy(o, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          requireOpen();
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });

  return {
    connection: db,
    transaction<T>(operation: string, fn: () => T): T {
      requireOpen();
      // better-sqlite3 turns a nested transaction into a SAVEPOINT, so repositories can compose.
      return guard(operation, () => (db.inTransaction ? db.transaction(fn)() : db.transaction(fn).immediate()));
    },
    registrations: open(registrations),
    outbox: open(outbox),
    audit: open({
      append(e) {
        const row = guard('audit.append', () => appendTx.immediate(e));
        logger.debug({ seq: row.seq, action: row.action }, 'audit entry appended');
      },
      verify() {
        return guard('audit.verify', () => verifyAuditChain(db));
      },
      forEntity(entityType: string, entityId: string): AuditRow[] {
        return guard('audit.forEntity', () =>
          (
            db
              .prepare('SELECT * FROM audit_log WHERE entity_type = ? AND entity_id = ? ORDER BY seq')
              .all(entityType, entityId) as Parameters<typeof toAuditRow>[0][]
          ).map(toAuditRow),
        );
      },
    }),
    health() {
      if (!db.open) return { ok: false, path, schemaVersion: 0, walMode: false };
      try {
        const walMode = db.pragma('journal_mode', { simple: true }) === 'wal';
        return { ok: true, path, schemaVersion: schemaVersion(db), walMode };
      } catch (err) {
        logger.error({ err }, 'store health check failed');
        return { ok: false, path, schemaVersion: 0, walMode: false };
      }
    },
    integrityCheck() {
      requireOpen();
      return guard('integrityCheck', () =>
        (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('\n'),
      );
    },
    close() {
      if (!db.open) return;
      try {
        // Fold the WAL back into the main file so a copied-off appliance.db is complete on its own.
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch (err) {
        logger.warn({ err }, 'checkpoint on close failed; the WAL will be replayed at next open');
      }
      db.close();
      logger.info({ path }, 'store closed');
    },
  };
}
