/**
 * The store's core schema (registrations, outbox, audit log). Each feature module owns its own
 * migrations beside its code; appliance/src/schema.ts puts them all in one history. Append only:
 * never edit a migration that has shipped (appliances in the field have applied it); add a new one
 * instead. Each is applied in its own transaction by `migrate.ts`, and its name is recorded so a DB
 * built from a different list is refused rather than silently mis-read.
 *
 * No PRAGMA statements here: several PRAGMAs are no-ops or errors inside a transaction.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const coreSchema = /* sql */ `
CREATE TABLE registrations (
  -- The UUID is permanent: it is the idempotency key the central database dedupes forwarding on.
  id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
  -- Insertion order for keyset paging. Not created_at: the appliance clock can jump backwards
  -- (no RTC battery, NTP only when the link is up), and rowid may be renumbered by VACUUM.
  seq             INTEGER NOT NULL UNIQUE,
  office_code     TEXT NOT NULL,
  officer_id      TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('draft', 'captured', 'finalized')),
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  finalized_at    TEXT,
  version         INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  document_format TEXT,
  document_code   TEXT,
  document_number TEXT,
  issuing_state   TEXT,
  nationality     TEXT,
  surname         TEXT,
  given_names     TEXT,
  sex             TEXT,
  birth_date      TEXT,
  expiry_date     TEXT,
  mrz_valid       INTEGER CHECK (mrz_valid IN (0, 1)),
  document_json   TEXT CHECK (document_json IS NULL OR json_valid(document_json)),
  CHECK ((status = 'finalized') = (finalized_at IS NOT NULL)),
  CHECK (status = 'draft' OR document_json IS NOT NULL)
);

-- A finalized registration has been (or will be) forwarded as-is: it must never change locally.
CREATE TRIGGER registrations_finalized_immutable
BEFORE UPDATE ON registrations WHEN OLD.status = 'finalized'
BEGIN
  SELECT RAISE(ABORT, 'finalized registrations are immutable');
END;

CREATE TABLE outbox (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  registration_id TEXT NOT NULL REFERENCES registrations (id),
  event_type      TEXT NOT NULL,
  payload_json    TEXT NOT NULL CHECK (json_valid(payload_json)),
  created_at      TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  sent_at         TEXT,
  last_error      TEXT,
  -- One event of each kind per registration: a repeated finalize cannot enqueue twice.
  UNIQUE (registration_id, event_type)
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE sent_at IS NULL;

-- AUTOINCREMENT: a seq is never reused, so rows deleted from the tail leave a gap that
-- verification reports once anything is appended after them.
CREATE TABLE audit_log (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  at           TEXT NOT NULL,
  actor        TEXT NOT NULL,
  action       TEXT NOT NULL,
  entity_type  TEXT NOT NULL,
  entity_id    TEXT,
  details_json TEXT NOT NULL CHECK (json_valid(details_json)),
  prev_hash    TEXT NOT NULL CHECK (length(prev_hash) = 64),
  hash         TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
);

CREATE TRIGGER audit_log_no_update
BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete
BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
`;

const queryIndexes = /* sql */ `
-- Returning-migrant lookup: the same passport scanned at a later visit.
CREATE INDEX registrations_by_document ON registrations (issuing_state, document_number);
-- Filtered keyset pages (newest first) without a sort step.
CREATE INDEX registrations_by_office ON registrations (office_code, seq);
CREATE INDEX registrations_by_status ON registrations (status, seq);
CREATE INDEX audit_log_by_entity ON audit_log (entity_type, entity_id, seq);
`;

// Store-and-forward state (appliance/src/sync/). A quarantined row is unsent but out of the queue:
// the central refused it (schema, size) or holds different content under the same id, and a
// technician must look at it; the rows behind it keep draining. wire_json freezes the record as
// first sent (payload + content hash), so a software update between a send and its acknowledgement
// cannot turn the resend into a content conflict at the centre.
const outboxSyncState = /* sql */ `
ALTER TABLE outbox ADD COLUMN quarantined_at TEXT;
ALTER TABLE outbox ADD COLUMN quarantine_reason TEXT;
ALTER TABLE outbox ADD COLUMN wire_json TEXT CHECK (wire_json IS NULL OR json_valid(wire_json));
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (seq) WHERE sent_at IS NULL AND quarantined_at IS NULL;
CREATE INDEX outbox_quarantined ON outbox (seq) WHERE sent_at IS NULL AND quarantined_at IS NOT NULL;
-- Retention purges by acknowledgement time; status reads the latest one.
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
`;

/** The store's own migrations (the registrations, outbox and audit tables every module builds on). */
export const storeMigrations: readonly Migration[] = [
  { version: 1, name: 'core-schema', sql: coreSchema },
  { version: 2, name: 'query-indexes', sql: queryIndexes },
  { version: 3, name: 'outbox-sync-state', sql: outboxSyncState },
];
