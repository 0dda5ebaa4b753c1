/**
 * The print_jobs table (print-jobs-schema.ts). Runs on its own connection to the store's file
 * (WAL lets a second connection write with the same durability pragmas; the store's openDatabase
 * sets them), so the store's public interface stays as it is. Every state change is one statement
 * under synchronous=FULL: a job acknowledged as queued survives a power cut.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import type { ReceiptLanguage } from './receipt-catalogue.ts';

export type PrintJobStatus = 'queued' | 'printing' | 'done' | 'failed';

export interface PrintJob {
  id: string;
  registrationId: string;
  kind: 'receipt';
  language: ReceiptLanguage;
  copy: boolean;
  status: PrintJobStatus;
  attempts: number;
  lastError: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
  printedAt: string | null;
}

interface Row {
  id: string;
  registration_id: string;
  kind: 'receipt';
  language: ReceiptLanguage;
  copy: number;
  status: PrintJobStatus;
  attempts: number;
  last_error_code: string | null;
  last_error_message: string | null;
  created_at: string;
  updated_at: string;
  printed_at: string | null;
}

const toJob = (r: Row): PrintJob => ({
  id: r.id,
  registrationId: r.registration_id,
  kind: r.kind,
  language: r.language,
  copy: r.copy === 1,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error_code ? { code: r.last_error_code, message: r.last_error_message ?? '' } : null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  printedAt: r.printed_at,
});

export interface PrintJobRepository {
  create(input: { registrationId: string; language: ReceiptLanguage; copy?: boolean }): PrintJob;
  get(id: string): PrintJob | undefined;
  forRegistration(registrationId: string): PrintJob[];
  list(opts: { status?: PrintJobStatus; limit: number }): PrintJob[];
  /** The oldest queued job, or undefined. */
  nextQueued(): PrintJob | undefined;
  /** queued → printing, counting the attempt; undefined if the job was not queued (someone else took it). */
  claim(id: string): PrintJob | undefined;
  markDone(id: string): PrintJob;
  markFailed(id: string, error: { code: string; message: string }): PrintJob;
  /** failed → queued (the reprint route); PRINT_JOB_CONFLICT for any other status. */
  requeueFailed(id: string): PrintJob;
  /** Start-up: jobs left `printing` by a crash go back to `queued`. Returns how many. */
  recoverInterrupted(): number;
  close(): void;
}

export function createPrintJobRepository(db: Database, now: () => Date = () => new Date()): PrintJobRepository {
  const insert = db.prepare(
    `INSERT INTO print_jobs (id, registration_id, kind, language, copy, status, created_at, updated_at)
     VALUES (?, ?, 'receipt', ?, ?, 'queued', ?, ?)`,
  );
  const byId = db.prepare('SELECT * FROM print_jobs WHERE id = ?');
  const byRegistration = db.prepare('SELECT * FROM print_jobs WHERE registration_id = ? ORDER BY seq');
  const listAll = db.prepare('SELECT * FROM print_jobs ORDER BY seq DESC LIMIT ?');
  const listStatus = db.prepare('SELECT * FROM print_jobs WHERE status = ? ORDER BY seq DESC LIMIT ?');
  const next = db.prepare("SELECT * FROM print_jobs WHERE status = 'queued' ORDER BY seq LIMIT 1");
  const claim = db.prepare(
    "UPDATE print_jobs SET status = 'printing', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'queued'",
  );
  const done = db.prepare(
    `UPDATE print_jobs SET status = 'done', printed_at = ?, updated_at = ?, last_error_code = NULL, last_error_message = NULL
     WHERE id = ? AND status = 'printing'`,
  );
  const failed = db.prepare(
    "UPDATE print_jobs SET status = 'failed', last_error_code = ?, last_error_message = ?, updated_at = ? WHERE id = ? AND status = 'printing'",
  );
  const requeue = db.prepare("UPDATE print_jobs SET status = 'queued', updated_at = ? WHERE id = ? AND status = 'failed'");
  const recover = db.prepare("UPDATE print_jobs SET status = 'queued', updated_at = ? WHERE status = 'printing'");

  const get = (id: string) => {
    const row = byId.get(id) as Row | undefined;
    return row ? toJob(row) : undefined;
  };
  const mustGet = (id: string) => {
    const job = get(id);
    if (!job) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, `no print job ${id}`);
    return job;
  };
  const transition = (id: string, changed: number, expected: string): PrintJob => {
    const job = mustGet(id);
    if (changed !== 1) {
      throw new ApplianceError(ApplianceErrors.PRINT_JOB_CONFLICT.code, `print job ${id} is ${job.status}, not ${expected}`, { status: job.status });
    }
    return job;
  };

  return {
    create({ registrationId, language, copy = false }) {
      const id = randomUUID();
      const at = now().toISOString();
      try {
        insert.run(id, registrationId, language, copy ? 1 : 0, at, at);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
          throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, `no registration ${registrationId} at this post`);
        }
        throw err;
      }
      return mustGet(id);
    },
    get,
    forRegistration: (registrationId) => (byRegistration.all(registrationId) as Row[]).map(toJob),
    list: ({ status, limit }) => ((status ? listStatus.all(status, limit) : listAll.all(limit)) as Row[]).map(toJob),
    nextQueued() {
      const row = next.get() as Row | undefined;
      return row ? toJob(row) : undefined;
    },
    claim(id) {
      return claim.run(now().toISOString(), id).changes === 1 ? get(id) : undefined;
    },
    markDone(id) {
      const at = now().toISOString();
      return transition(id, done.run(at, at, id).changes, 'printing');
    },
    markFailed(id, error) {
      return transition(id, failed.run(error.code, error.message.slice(0, 500), now().toISOString(), id).changes, 'printing');
    },
    requeueFailed(id) {
      mustGet(id);
      return transition(id, requeue.run(now().toISOString(), id).changes, 'failed');
    },
    recoverInterrupted: () => recover.run(now().toISOString()).changes,
    close: () => db.close(),
  };
}
