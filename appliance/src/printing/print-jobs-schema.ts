/**
 * The durable print queue's table, appended to the store's migrations (store/migrations.ts).
 * Append-only like every migration: change it with a new one.
 *
 * - seq orders the queue (FIFO); not created_at, because the appliance clock can jump.
 * - A registration may have several jobs: the original and copies an officer asks for later.
 * - ON DELETE CASCADE: when retention purges a forwarded registration, its print history goes too
 *   (it names the registration, which is personal data by association).
 * - last_error_code is the printer layer's code (PRINTER_PAPER_OUT …); the message is the
 *   officer-facing text. Neither ever holds receipt content.
 */
import type { Migration } from '../store/migrations.ts';
export const PRINT_JOBS_MIGRATION_NAME = 'print-jobs';

export const printJobsSchema = /* sql */ `
CREATE TABLE print_jobs (
  seq                INTEGER PRIMARY KEY AUTOINCREMENT,
  id                 TEXT NOT NULL UNIQUE CHECK (length(id) = 36),
  registration_id    TEXT NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
  kind               TEXT NOT NULL CHECK (kind IN ('receipt')),
  language           TEXT NOT NULL CHECK (language IN ('en', 'sn', 'nd')),
  copy               INTEGER NOT NULL DEFAULT 0 CHECK (copy IN (0, 1)),
  status             TEXT NOT NULL CHECK (status IN ('queued', 'printing', 'done', 'failed')),
  attempts           INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error_code    TEXT,
  last_error_message TEXT,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL,
  printed_at         TEXT,
  CHECK ((status = 'done') = (printed_at IS NOT NULL))
);
CREATE INDEX print_jobs_queued ON print_jobs (seq) WHERE status IN ('queued', 'printing');
CREATE INDEX print_jobs_by_registration ON print_jobs (registration_id, seq);
`;

/** This module's migrations; `version` is the place in the appliance's one schema history (appliance/src/schema.ts). */
export const printJobsMigrations: readonly Migration[] = [
  { version: 5, name: PRINT_JOBS_MIGRATION_NAME, sql: printJobsSchema },
];
