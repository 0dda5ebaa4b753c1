import type { Database } from 'better-sqlite3';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { guard, invalidInput } from './errors.ts';
import type { Outbox, OutboxEvent, PurgeResult, QuarantinedEvent } from './types.ts';

const MAX_BATCH = 1000;
const MAX_ERROR = 500;

interface OutboxRow {
  seq: number;
  registration_id: string;
  event_type: string;
  payload_json: string;
  created_at: string;
  attempts: number;
  last_error: string | null;
  wire_json: string | null;
}

interface QuarantineRow {
  seq: number;
  registration_id: string;
  event_type: string;
  created_at: string;
  attempts: number;
  quarantined_at: string;
  quarantine_reason: string | null;
}

function toQuarantined(r: QuarantineRow): QuarantinedEvent {
  return {
    seq: r.seq,
    registrationId: r.registration_id,
    eventType: r.event_type,
    createdAt: r.created_at,
    attempts: r.attempts,
    quarantinedAt: r.quarantined_at,
    reason: r.quarantine_reason ?? '',
  };
}

function requireLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BATCH) {
    throw invalidInput(`limit must be an integer from 1 to ${MAX_BATCH}`, { field: 'limit' });
  }
}

function requireSeqs(seqs: readonly number[]): void {
  if (!Array.isArray(seqs) || seqs.some((s) => !Number.isSafeInteger(s) || s < 1)) {
    throw invalidInput('seqs must be positive integers', { field: 'seqs' });
  }
}

/**
 * Transactional outbox: rows are written by the same transaction that finalizes a registration
 * (registrations.ts), and drained by the forwarder in seq order over links that may be down for
 * days. The registration id in each payload is the idempotency key on the central side, so an
 * event re-sent after a crash between "sent" and markSent() is harmless.
 */
export function createOutbox(db: Database, now: () => Date): Outbox {
  const pending = db.prepare(
    `SELECT seq, registration_id, event_type, payload_json, created_at, attempts, last_error, wire_json
     FROM outbox WHERE sent_at IS NULL AND quarantined_at IS NULL ORDER BY seq LIMIT ?`,
  );
  const depth = db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL AND quarantined_at IS NULL');
  const exists = db.prepare('SELECT 1 FROM outbox WHERE seq = ?');
  const markSent = db.prepare(
    'UPDATE outbox SET sent_at = ?, last_error = NULL, quarantined_at = NULL WHERE seq = ? AND sent_at IS NULL',
  );
  const markFailed = db.prepare(
    'UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ? AND sent_at IS NULL',
  );
  const freeze = db.prepare('UPDATE outbox SET wire_json = ? WHERE seq = ? AND wire_json IS NULL');
  const wireOf = db.prepare('SELECT wire_json FROM outbox WHERE seq = ?');
  const quarantine = db.prepare(
    'UPDATE outbox SET quarantined_at = ?, quarantine_reason = ? WHERE seq = ? AND sent_at IS NULL',
  );
  const quarantined = db.prepare(
    `SELECT seq, registration_id, event_type, created_at, attempts, quarantined_at, quarantine_reason
     FROM outbox WHERE sent_at IS NULL AND quarantined_at IS NOT NULL ORDER BY seq LIMIT ?`,
  );
  const quarantinedOne = db.prepare(
    `SELECT seq, registration_id, event_type, created_at, attempts, quarantined_at, quarantine_reason
     FROM outbox WHERE seq = ? AND sent_at IS NULL AND quarantined_at IS NOT NULL`,
  );
  const quarantinedCount = db.prepare(
    'SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL AND quarantined_at IS NOT NULL',
  );
  // The reason moves to last_error so the history stays visible after the retry.
  const requeue = db.prepare(
    'UPDATE outbox SET quarantined_at = NULL, last_error = quarantine_reason, quarantine_reason = NULL WHERE seq = ?',
  );
  // By seq, not MIN(created_at): the appliance clock can jump (no RTC battery).
  const oldest = db.prepare(
    'SELECT created_at FROM outbox WHERE sent_at IS NULL AND quarantined_at IS NULL ORDER BY seq LIMIT 1',
  );
  const lastSent = db.prepare('SELECT MAX(sent_at) AS at FROM outbox WHERE sent_at IS NOT NULL');
  const purgeCandidates = db.prepare(
    'SELECT seq, registration_id FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ? ORDER BY sent_at LIMIT ?',
  );
  const deleteEvent = db.prepare('DELETE FROM outbox WHERE seq = ?');
  const deleteRegistration = db.prepare(
    `DELETE FROM registrations WHERE id = ? AND status = 'finalized'
       AND NOT EXISTS (SELECT 1 FROM outbox WHERE registration_id = ?)`,
  );

  const requireSeq = (seq: number): void => {
    if (!Number.isSafeInteger(seq) || seq < 1) throw invalidInput('seq must be a positive integer', { field: 'seq' });
    if (!exists.get(seq)) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'No outbox event with that seq.', { seq });
  };

  const markSentManyTx = db.transaction((seqs: readonly number[], at: string) =>
    seqs.reduce((n, seq) => n + markSent.run(at, seq).changes, 0),
  );
  const markFailedManyTx = db.transaction((seqs: readonly number[], error: string) => {
    for (const seq of seqs) markFailed.run(error, seq);
  });
  const freezeTx = db.transaction((entries: ReadonlyArray<{ seq: number; wireJson: string }>) =>
    entries.map(({ seq, wireJson }) => {
      freeze.run(wireJson, seq);
      const stored = (wireOf.get(seq) as { wire_json: string | null } | undefined)?.wire_json;
      if (stored == null) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'No outbox event with that seq.', { seq });
      return stored;
    }),
  );
  const requeueTx = db.transaction((seq: number) => {
    const row = quarantinedOne.get(seq) as QuarantineRow | undefined;
    if (!row) {
      throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'No quarantined outbox event with that seq.', { seq });
    }
    requeue.run(seq);
    return toQuarantined(row);
  });
  const purgeTx = db.transaction((before: string, limit: number): PurgeResult => {
    const rows = purgeCandidates.all(before, limit) as Array<{ seq: number; registration_id: string }>;
    let registrations = 0;
    for (const r of rows) deleteEvent.run(r.seq);
    for (const id of new Set(rows.map((r) => r.registration_id))) registrations += deleteRegistration.run(id, id).changes;
    return { outbox: rows.length, registrations };
  });

  return {
    pending(limit) {
      requireLimit(limit);
      return guard('outbox.pending', () =>
        (pending.all(limit) as OutboxRow[]).map(
          (r): OutboxEvent => ({
            seq: r.seq,
            registrationId: r.registration_id,
            eventType: r.event_type,
            payload: JSON.parse(r.payload_json) as unknown,
            createdAt: r.created_at,
            attempts: r.attempts,
            lastError: r.last_error,
            wireJson: r.wire_json,
          }),
        ),
      );
    },
    depth() {
      return guard('outbox.depth', () => (depth.get() as { n: number }).n);
    },
    markSent(seq) {
      guard('outbox.markSent', () => {
        requireSeq(seq);
        markSent.run(now().toISOString(), seq);
      });
    },
    markFailed(seq, error) {
      guard('outbox.markFailed', () => {
        requireSeq(seq);
        markFailed.run(String(error).slice(0, MAX_ERROR), seq);
      });
    },
    markSentMany(seqs) {
      requireSeqs(seqs);
      if (seqs.length === 0) return 0;
      return guard('outbox.markSentMany', () => markSentManyTx.immediate(seqs, now().toISOString()));
    },
    markFailedMany(seqs, error) {
      requireSeqs(seqs);
      if (seqs.length === 0) return;
      guard('outbox.markFailedMany', () => markFailedManyTx.immediate(seqs, String(error).slice(0, MAX_ERROR)));
    },
    freezeWire(entries) {
      requireSeqs(entries.map((e) => e.seq));
      if (entries.length === 0) return [];
      return guard('outbox.freezeWire', () => freezeTx.immediate(entries));
    },
    quarantine(seq, reason) {
      return guard('outbox.quarantine', () => {
        requireSeq(seq);
        return quarantine.run(now().toISOString(), String(reason).slice(0, MAX_ERROR), seq).changes === 1;
      });
    },
    quarantined(limit) {
      requireLimit(limit);
      return guard('outbox.quarantined', () => (quarantined.all(limit) as QuarantineRow[]).map(toQuarantined));
    },
    quarantinedCount() {
      return guard('outbox.quarantinedCount', () => (quarantinedCount.get() as { n: number }).n);
    },
    requeue(seq) {
      if (!Number.isSafeInteger(seq) || seq < 1) throw invalidInput('seq must be a positive integer', { field: 'seq' });
      return guard('outbox.requeue', () => requeueTx.immediate(seq));
    },
    oldestPendingAt() {
      return guard('outbox.oldestPendingAt', () => (oldest.get() as { created_at: string } | undefined)?.created_at ?? null);
    },
    lastSentAt() {
      return guard('outbox.lastSentAt', () => (lastSent.get() as { at: string | null }).at);
    },
    purgeSent(before, limit) {
      requireLimit(limit);
      if (typeof before !== 'string' || Number.isNaN(Date.parse(before))) {
        throw invalidInput('before must be an ISO date-time', { field: 'before' });
      }
      return guard('outbox.purgeSent', () => {
        // Personal data leaves the file, not just the index: freed pages are zeroed
        // (https://www.sqlite.org/pragma.html#pragma_secure_delete). Per connection, restored after.
        const previous = db.pragma('secure_delete', { simple: true }) as number;
        db.pragma('secure_delete = ON');
        try {
          return purgeTx.immediate(before, limit);
        } finally {
          db.pragma(`secure_delete = ${previous ? 'ON' : 'OFF'}`);
        }
      });
    },
  };
}
