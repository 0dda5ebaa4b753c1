import type { Database } from 'better-sqlite3';
import { ApplianceError } from '../../../firmware-bridge/src/common/errors.ts';
import { StoreErrorCodes, guard, invalidInput } from './errors.ts';
import type { Outbox, OutboxEvent } from './types.ts';

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
}

/**
 * Transactional outbox: rows are written by the same transaction that finalizes a registration
 * (registrations.ts), and drained by the forwarder in seq order over links that may be down for
 * days. The registration id in each payload is the idempotency key on the central side, so an
 * event re-sent after a crash between "sent" and markSent() is harmless.
 */
export function createOutbox(db: Database, now: () => Date): Outbox {
  const pending = db.prepare(
    `SELECT seq, registration_id, event_type, payload_json, created_at, attempts, last_error
     FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ?`,
  );
  const depth = db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL');
  const exists = db.prepare('SELECT 1 FROM outbox WHERE seq = ?');
  const markSent = db.prepare('UPDATE outbox SET sent_at = ?, last_error = NULL WHERE seq = ? AND sent_at IS NULL');
  const markFailed = db.prepare(
    'UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ? AND sent_at IS NULL',
  );

  const requireSeq = (seq: number): void => {
    if (!Number.isSafeInteger(seq) || seq < 1) throw invalidInput('seq must be a positive integer', { field: 'seq' });
    if (!exists.get(seq)) throw new ApplianceError(StoreErrorCodes.NotFound, 'No outbox event with that seq.', { seq });
  };

  return {
    pending(limit) {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BATCH) {
        throw invalidInput(`limit must be an integer from 1 to ${MAX_BATCH}`, { field: 'limit' });
      }
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
  };
}
