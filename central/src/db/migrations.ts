/**
 * Versioned schema migrations, recorded in schema_migrations. Append only: never edit a
 * migration that has shipped, add the next version. All pending migrations run in one
 * transaction under an advisory lock, so two receivers starting together cannot both apply them.
 */
import type { Db } from './db.ts';
import { REFERENCE_MIGRATION_NAME, referenceSchema } from '../reference/schema.ts';
import { RECRUITMENT_MIGRATION_NAME, RECRUITMENT_MIGRATION_VERSION, recruitmentSchema } from '../recruitment/schema.ts';
import { ILO_COLUMNS_MIGRATION, ILO_COLUMNS_PLAIN_MIGRATION } from '../stats/ilo-columns.ts';
import { INGEST_STORAGE_MIGRATION } from '../ingest/storage-schema.ts';
import { PERSONS_MIGRATION_NAME, personsSchema } from '../persons/schema.ts';
import { PRINTS_MIGRATION_NAME, printsSchema } from '../prints/schema.ts';
import { CSCA_MIGRATION_NAME, CSCA_MIGRATION_VERSION, cscaSchema } from '../csca/schema.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'devices, registrations, ingest_conflicts, batches',
    sql: `
      -- Enrolled appliances. Filled from configuration for now; provisioning will enrol here later.
      CREATE TABLE devices (
        device_id      text PRIMARY KEY,
        office_code    text NOT NULL,
        public_key_pem text NOT NULL,
        enrolled_at    timestamptz NOT NULL DEFAULT now(),
        revoked_at     timestamptz
      );

      -- One row per finalised registration; the first version received wins and is never overwritten.
      -- The extracted columns duplicate payload fields for statistics (NULL when absent or unrecognised).
      CREATE TABLE registrations (
        id                   uuid PRIMARY KEY,
        device_id            text NOT NULL REFERENCES devices (device_id),
        office_code          text NOT NULL,
        finalized_at         timestamptz NOT NULL,
        received_at          timestamptz NOT NULL DEFAULT now(),
        batch_id             uuid NOT NULL,
        content_hash         text NOT NULL,
        payload              jsonb NOT NULL,
        sex                  text,
        birth_date           date,
        nationality          text,
        district_of_origin   text,
        occupation_isco      text,
        destination_province text,
        employer_id          text,
        -- "returning" is a reserved word in PostgreSQL (INSERT … RETURNING): hence is_returning.
        is_returning         boolean
      );
      CREATE INDEX registrations_finalized_at ON registrations (finalized_at);
      CREATE INDEX registrations_office_finalized ON registrations (office_code, finalized_at);

      -- Every rejected resend, kept for a person to review; registrations is never touched by it.
      CREATE TABLE ingest_conflicts (
        id                    bigserial PRIMARY KEY,
        registration_id       uuid NOT NULL,
        batch_id              uuid NOT NULL,
        device_id             text NOT NULL,
        reason                text NOT NULL,
        received_content_hash text NOT NULL,
        stored_content_hash   text,
        payload               jsonb NOT NULL,
        received_at           timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ingest_conflicts_registration ON ingest_conflicts (registration_id);

      -- Batch log: one row per batch received (a resent batch gets another row).
      CREATE TABLE batches (
        id              bigserial PRIMARY KEY,
        batch_id        uuid NOT NULL,
        device_id       text NOT NULL,
        sent_at         timestamptz NOT NULL,
        received_at     timestamptz NOT NULL DEFAULT now(),
        body_bytes      integer NOT NULL,
        record_count    integer NOT NULL,
        stored_count    integer NOT NULL,
        duplicate_count integer NOT NULL,
        conflict_count  integer NOT NULL
      );
      CREATE INDEX batches_batch_id ON batches (batch_id);
    `,
  },
  {
    version: 2,
    name: 'offices, enrolment codes, device revocation',
    sql: `
      -- The labour offices an appliance can be bound to (provisioning/, central/src/enrolment/).
      -- devices.office_code has no foreign key: devices configured before enrolment existed may name others.
      CREATE TABLE offices (
        code text PRIMARY KEY CHECK (code ~ '^[A-Z0-9]{2,8}$'),
        name text NOT NULL
      );
      INSERT INTO offices (code, name) VALUES
        ('BBR', 'Beitbridge Labour Migration Centre'),
        ('CHR', 'Chiredzi Labour Migration Centre'),
        ('MSV', 'Masvingo Labour Migration Centre'),
        ('HRE', 'Harare Labour Migration Centre');

      -- One-time enrolment codes. Only a SHA-256 of the code is kept: a copy of the database does not
      -- let anyone enrol a device. used_at is set once, in the transaction that enrols the device.
      CREATE TABLE enrolment_codes (
        code_hash      text PRIMARY KEY CHECK (length(code_hash) = 64),
        office_code    text NOT NULL REFERENCES offices (code),
        created_at     timestamptz NOT NULL DEFAULT now(),
        expires_at     timestamptz NOT NULL,
        used_at        timestamptz,
        used_by_device text
      );

      ALTER TABLE devices ADD COLUMN revoked_reason text;
      ALTER TABLE devices ADD COLUMN replaced_by text;
    `,
  },
  { version: 3, name: REFERENCE_MIGRATION_NAME, sql: referenceSchema },
  {
    version: 4,
    name: 'registration blobs, rejected batches',
    sql: `
      -- Sealed biometric blobs (fingerprint images, templates), opaque to the centre: ciphertext under
      -- the appliance's vault key. First version received wins; sha256 of the bytes is checked on receipt.
      CREATE TABLE registration_blobs (
        blob_id         text PRIMARY KEY,
        registration_id uuid NOT NULL,
        sha256          text NOT NULL CHECK (length(sha256) = 64),
        bytes           integer NOT NULL,
        data            bytea NOT NULL,
        received_at     timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX registration_blobs_registration ON registration_blobs (registration_id);

      -- One row per refused batch (4xx): bad signatures, tampered bodies, unknown devices, replays.
      CREATE TABLE rejected_batches (
        id          bigserial PRIMARY KEY,
        device_id   text,
        code        text NOT NULL,
        status      integer NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX rejected_batches_device ON rejected_batches (device_id, received_at);
    `,
  },
  {
    version: 5,
    name: 'staff accounts, staff sessions, rate-limited rejection log',
    sql: `
      -- People who use the central's own routes (statistics, audit, administration); appliances are
      -- devices (devices table), officers are reference data. One role per account (auth/access.ts).
      CREATE TABLE staff (
        id                  bigserial PRIMARY KEY,
        username            text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
        display_name        text,
        role                text NOT NULL CHECK (role IN ('admin', 'statistician', 'auditor')),
        -- argon2id PHC string (auth/passwords.ts): never the password.
        password_hash       text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
        -- Incremented BEFORE each verification (auth/staff-store.ts), reset on success.
        failed_attempts     integer NOT NULL DEFAULT 0,
        locked_until        timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now(),
        created_by          text,
        password_changed_at timestamptz NOT NULL DEFAULT now(),
        last_sign_in_at     timestamptz,
        disabled_at         timestamptz
      );

      -- Only a SHA-256 of the session token is kept: a copy of the database signs nobody in.
      CREATE TABLE staff_sessions (
        token_hash   text PRIMARY KEY CHECK (length(token_hash) = 64),
        staff_id     bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
        created_at   timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        expires_at   timestamptz NOT NULL
      );
      CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

      -- Refusals over the per-client logging limit are folded into one row per code with a count
      -- (ingest/rejection-log.ts), so a flood of forged batches cannot grow the table without bound.
      ALTER TABLE rejected_batches ADD COLUMN count integer NOT NULL DEFAULT 1 CHECK (count > 0);
      ALTER TABLE rejected_batches ADD COLUMN client text;
    `,
  },
  {
    version: 6,
    name: 'batch attempt nonces (replay window)',
    sql: `
      -- The nonce of every accepted batch attempt (routes/batches.ts), kept a little longer than the
      -- attempt window: an attempt outside the window is refused by its time, inside it by its nonce.
      CREATE TABLE batch_attempts (
        device_id  text NOT NULL,
        nonce      text NOT NULL,
        attempt_at timestamptz NOT NULL,
        PRIMARY KEY (device_id, nonce)
      );
      CREATE INDEX batch_attempts_at ON batch_attempts (attempt_at);
    `,
  },
  {
    version: 20,
    name: 'fleet status reports and audit-chain anchors',
    sql: `
      -- One row per appliance that has sent an accepted batch (fleet/fleet-store.ts): when, its clock
      -- drift on that batch, and the latest status it reported (by the batch's freeze time, sentAt).
      CREATE TABLE appliance_status (
        device_id          text PRIMARY KEY,
        last_batch_at      timestamptz NOT NULL,
        last_batch_id      uuid NOT NULL,
        -- x-attempt-at minus the central's receive time (ms): positive = the appliance clock is ahead.
        clock_drift_ms     bigint,
        report_sent_at     timestamptz,
        report_received_at timestamptz,
        backlog_pending    integer,
        oldest_unsent_at   timestamptz,
        software_version   text,
        device_states      jsonb,
        audit_length       bigint,
        audit_head_hash    text,
        chain_status       text NOT NULL DEFAULT 'unknown' CHECK (chain_status IN ('unknown', 'ok', 'rewritten', 'backwards')),
        chain_flagged_at   timestamptz,
        chain_flag_reason  text
      );

      -- Anchors of each appliance's audit chain: the head hash it reported at each length (first one
      -- received wins). A later report at the same length with another hash, or a prior that
      -- disagrees, means the chain was rewritten.
      CREATE TABLE audit_anchors (
        device_id   text NOT NULL,
        length      bigint NOT NULL CHECK (length >= 0),
        head_hash   text NOT NULL,
        sent_at     timestamptz NOT NULL,
        batch_id    uuid NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (device_id, length)
      );
      CREATE INDEX audit_anchors_sent ON audit_anchors (device_id, sent_at);

      -- Every inconsistency seen, kept for auditors (the status row keeps the first).
      CREATE TABLE audit_chain_flags (
        id            bigserial PRIMARY KEY,
        device_id     text NOT NULL,
        status        text NOT NULL CHECK (status IN ('rewritten', 'backwards')),
        reason        text NOT NULL,
        length        bigint NOT NULL,
        stored_hash   text,
        received_hash text,
        batch_id      uuid NOT NULL,
        flagged_at    timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX audit_chain_flags_device ON audit_chain_flags (device_id, flagged_at);
    `,
  },
  { version: 30, name: PRINTS_MIGRATION_NAME, sql: printsSchema },
  // 40–49: the person index (persons/schema.ts).
  { version: 40, name: PERSONS_MIGRATION_NAME, sql: personsSchema },
  ILO_COLUMNS_MIGRATION,
  // 60–69: recruitment and selection (recruitment/schema.ts, #17).
  { version: RECRUITMENT_MIGRATION_VERSION, name: RECRUITMENT_MIGRATION_NAME, sql: recruitmentSchema },
  // 80–89: ingest storage (ingest/storage-schema.ts, #13).
  INGEST_STORAGE_MIGRATION,
  ILO_COLUMNS_PLAIN_MIGRATION,
  // 95–99: CSCA certificates for passive authentication (csca/schema.ts, #18).
  { version: CSCA_MIGRATION_VERSION, name: CSCA_MIGRATION_NAME, sql: cscaSchema },
];

/** Arbitrary constant key for pg_advisory_xact_lock ("central migrations"). */
const MIGRATION_LOCK_KEY = 7_302_114;

/** Applies pending migrations; returns the versions applied now. */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
