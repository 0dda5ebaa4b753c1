/**
 * The relay's own table (issue #16 item 4, audit anchoring): the audit-chain anchor {length, hash} the appliance
 * sent in the last batch the central acknowledged. The next batches send it back as `status.auditChain.prior`
 * with the hash re-read from the audit log now, so a chain rewritten since then shows a different hash at the
 * central. One row at most; frozen once shipped.
 */
import type { Migration } from '../store/migrations.ts';

export const SYNC_ANCHOR_MIGRATION_NAME = 'sync-audit-anchor';

const syncAnchorSchema = /* sql */ `
CREATE TABLE sync_audit_anchor (
  id              INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
  length          INTEGER NOT NULL CHECK (length >= 0),
  hash            TEXT NOT NULL,
  acknowledged_at TEXT NOT NULL
);
`;

export const syncMigrations: readonly Migration[] = [{ version: 15, name: SYNC_ANCHOR_MIGRATION_NAME, sql: syncAnchorSchema }];
