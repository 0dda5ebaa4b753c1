/**
 * The recruitment events waiting for the central (protocol/src/recruitment.ts RecruitmentEvent), in SQLite so
 * they survive a crash, a power cut and a link down for days. An event is enqueued in the transaction of the
 * record it reports (candidacy, withdrawal, cost) and leaves the queue only when the central acknowledged it
 * (accepted or duplicate) or refused it for good (rejected: kept, never resent, counted for the supervisor).
 *
 * Order with the registration: an event is due only once the registration's finalized record was acknowledged
 * by the central (store outbox row sent), or when the registration is no longer here (retention purged it after
 * its acknowledgement): the central then knows the person the event is about. A discarded draft's events never
 * become due.
 */
import type { Database } from 'better-sqlite3';
import { type RecruitmentEvent, recruitmentEventProblem } from '@lmc/protocol/recruitment.ts';
import { FINALIZED_EVENT } from '../store/index.ts';
import { guard } from '../store/errors.ts';

export interface QueuedEvent {
  seq: number;
  eventId: string;
  event: RecruitmentEvent;
  attempts: number;
}

export interface RecruitmentOutboxStatus {
  /** Not yet acknowledged (due or waiting for the registration). */
  pending: number;
  /** Of those, due now (their registration is at the central). */
  due: number;
  rejected: number;
  lastSentAt: string | null;
  lastError: string | null;
  oldestPendingAt: string | null;
}

export interface RecruitmentOutbox {
  /** Inside the caller's transaction: queue one event (checked against the contract first). */
  enqueue(registrationId: string, event: RecruitmentEvent, at: string): void;
  due(limit: number): QueuedEvent[];
  markSent(eventIds: readonly string[], at: string): number;
  markRejected(rejections: ReadonlyArray<{ eventId: string; code: string }>, at: string): number;
  markFailed(eventIds: readonly string[], error: string): void;
  status(): RecruitmentOutboxStatus;
  /** Acknowledged events older than `before` leave the file (the records themselves stay until retention). */
  purgeSent(before: string): number;
}

export function createRecruitmentOutbox(db: Database): RecruitmentOutbox {
  const insert = db.prepare(
    `INSERT INTO recruitment_outbox (event_id, kind, registration_id, payload_json, created_at) VALUES (?, ?, ?, ?, ?)`,
  );
  const due = db.prepare<[string, number], { seq: number; event_id: string; payload_json: string; attempts: number }>(
    `SELECT o.seq, o.event_id, o.payload_json, o.attempts FROM recruitment_outbox o
     WHERE o.sent_at IS NULL AND o.rejected_at IS NULL
       AND (NOT EXISTS (SELECT 1 FROM registrations r WHERE r.id = o.registration_id)
            OR EXISTS (SELECT 1 FROM outbox x WHERE x.registration_id = o.registration_id AND x.event_type = ? AND x.sent_at IS NOT NULL))
     ORDER BY o.seq LIMIT ?`,
  );
  const sent = db.prepare('UPDATE recruitment_outbox SET sent_at = ?, last_error = NULL WHERE event_id = ? AND sent_at IS NULL');
  const rejected = db.prepare('UPDATE recruitment_outbox SET rejected_at = ?, rejected_code = ? WHERE event_id = ? AND sent_at IS NULL AND rejected_at IS NULL');
  const failed = db.prepare('UPDATE recruitment_outbox SET attempts = attempts + 1, last_error = ? WHERE event_id = ? AND sent_at IS NULL');
  const purge = db.prepare('DELETE FROM recruitment_outbox WHERE sent_at IS NOT NULL AND sent_at < ?');
  const status = db.prepare<[string], { pending: number; due: number; rejected: number; last_sent_at: string | null; last_error: string | null; oldest: string | null }>(
    `SELECT
       (SELECT count(*) FROM recruitment_outbox WHERE sent_at IS NULL AND rejected_at IS NULL) AS pending,
       (SELECT count(*) FROM recruitment_outbox o WHERE o.sent_at IS NULL AND o.rejected_at IS NULL
          AND (NOT EXISTS (SELECT 1 FROM registrations r WHERE r.id = o.registration_id)
               OR EXISTS (SELECT 1 FROM outbox x WHERE x.registration_id = o.registration_id AND x.event_type = ? AND x.sent_at IS NOT NULL))) AS due,
       (SELECT count(*) FROM recruitment_outbox WHERE rejected_at IS NOT NULL) AS rejected,
       (SELECT max(sent_at) FROM recruitment_outbox) AS last_sent_at,
       (SELECT last_error FROM recruitment_outbox WHERE sent_at IS NULL AND last_error IS NOT NULL ORDER BY seq DESC LIMIT 1) AS last_error,
       (SELECT min(created_at) FROM recruitment_outbox WHERE sent_at IS NULL AND rejected_at IS NULL) AS oldest`,
  );
  const markMany = db.transaction((ids: readonly string[], run: (id: string) => number) => ids.reduce((n, id) => n + run(id), 0));

  return {
    enqueue(registrationId, event, at) {
      const problem = recruitmentEventProblem(event);
      // Built by this module from validated input: a problem here is a bug, and it rolls the record back with it.
      if (problem) throw new Error(`recruitment event does not meet the contract: ${problem}`);
      insert.run(event.eventId, event.kind, registrationId, JSON.stringify(event), at);
    },
    due: (limit) =>
      guard('recruitment.outbox.due', () =>
        due.all(FINALIZED_EVENT, limit).map((r) => ({ seq: r.seq, eventId: r.event_id, event: JSON.parse(r.payload_json) as RecruitmentEvent, attempts: r.attempts })),
      ),
    markSent: (ids, at) => guard('recruitment.outbox.sent', () => markMany.immediate(ids, (id) => sent.run(at, id).changes)),
    markRejected: (list, at) =>
      guard('recruitment.outbox.rejected', () =>
        markMany.immediate(
          list.map((r) => r.eventId),
          (id) => rejected.run(at, list.find((r) => r.eventId === id)?.code ?? 'REJECTED', id).changes,
        ),
      ),
    markFailed: (ids, error) => {
      guard('recruitment.outbox.failed', () => markMany.immediate(ids, (id) => failed.run(error.slice(0, 200), id).changes));
    },
    status: () =>
      guard('recruitment.outbox.status', () => {
        const r = status.get(FINALIZED_EVENT);
        return {
          pending: r?.pending ?? 0,
          due: r?.due ?? 0,
          rejected: r?.rejected ?? 0,
          lastSentAt: r?.last_sent_at ?? null,
          lastError: r?.last_error ?? null,
          oldestPendingAt: r?.oldest ?? null,
        };
      }),
    purgeSent: (before) => guard('recruitment.outbox.purge', () => purge.run(before).changes),
  };
}
