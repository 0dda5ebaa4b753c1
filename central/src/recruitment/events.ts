/**
 * Receiving recruitment events from the appliances (protocol/src/recruitment.ts): candidacies,
 * withdrawals and cost reports. Each event is its own transaction and idempotent by eventId: the
 * event row and its effect commit together, a resend with the same content is a duplicate, the same
 * id with other content is refused (EVENT_CONFLICT) without touching anything. The office is the
 * sending device's enrolled office, never a claim of the body.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '@lmc/core/canonical-json.ts';
import type { Db, Queryable } from '../db/db.ts';
import {
  type CandidacyEvent,
  type CandidacyWithdrawnEvent,
  type CostReportEvent,
  type EventRejectionCode,
  isProtectionConcern,
  type RecruitmentEvent,
  type RecruitmentEventsAnswer,
  recruitmentEventProblem,
} from '@lmc/protocol/recruitment.ts';
import { audit, publishOutcome } from './selection.ts';
import { refreshVacancies } from './reference-rules.ts';

class Rejected extends Error {
  constructor(
    readonly code: EventRejectionCode,
    message: string,
  ) {
    super(message);
  }
}

export interface EventSource {
  deviceId: string;
  officeCode: string;
}

const actorOf = (s: EventSource, officerId: string) => `device:${s.deviceId}/officer:${officerId}`;

async function applyCandidacy(tx: Queryable, e: CandidacyEvent, s: EventSource): Promise<void> {
  const vacancy = await tx.query('SELECT 1 AS ok FROM ref_vacancies WHERE vacancy_id = $1', [e.vacancyId]);
  if (vacancy.length === 0) throw new Rejected('VACANCY_UNKNOWN', `No vacancy ${e.vacancyId} at the central`);
  const inserted = await tx.query(
    `INSERT INTO recruitment_candidacies (candidacy_id, registration_id, vacancy_id, office_code, device_id, officer_id, recorded_at, status, status_on)
     VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7::timestamptz, 'candidate', $8::date)
     ON CONFLICT DO NOTHING RETURNING 1 AS ok`,
    // The date as the office wrote it (its local calendar day), not the central's.
    [e.candidacyId, e.registrationId, e.vacancyId, s.officeCode, s.deviceId, e.officerId, e.recordedAt, e.recordedAt.slice(0, 10)],
  );
  if (inserted.length === 0) {
    throw new Rejected('EVENT_CONFLICT', 'This candidacy id, or this registration for this vacancy, is already recorded under another event');
  }
  await audit(tx, { actor: actorOf(s, e.officerId), action: 'candidacy', candidacyId: e.candidacyId, vacancyId: e.vacancyId, detail: { eventId: e.eventId } });
  await publishOutcome(tx, e.candidacyId);
}

async function applyWithdrawal(tx: Queryable, e: CandidacyWithdrawnEvent, s: EventSource): Promise<void> {
  // Only the office that recorded the candidacy may withdraw it; any other office is told it does not exist.
  const rows = await tx.query<{ vacancy_id: string; status: string }>(
    'SELECT vacancy_id, status FROM recruitment_candidacies WHERE candidacy_id = $1::uuid AND office_code = $2 FOR UPDATE',
    [e.candidacyId, s.officeCode],
  );
  const c = rows[0];
  if (!c) throw new Rejected('CANDIDACY_UNKNOWN', 'No such candidacy recorded at this office');
  await tx.query(
    `UPDATE recruitment_candidacies SET status = 'withdrew', status_on = $2::date, withdrew_on = $2::date, updated_at = now()
     WHERE candidacy_id = $1::uuid`,
    [e.candidacyId, e.recordedAt.slice(0, 10)],
  );
  await audit(tx, { actor: actorOf(s, e.officerId), action: 'outcome', candidacyId: e.candidacyId, vacancyId: c.vacancy_id, detail: { from: c.status, to: 'withdrew', eventId: e.eventId } });
  await publishOutcome(tx, e.candidacyId);
  await refreshVacancies(tx, { vacancyId: c.vacancy_id });
}

async function applyCostReport(tx: Queryable, e: CostReportEvent, s: EventSource): Promise<void> {
  await tx.query(
    `INSERT INTO recruitment_costs (event_id, registration_id, vacancy_id, office_code, amount_minor, currency, paid_to, purpose, paid_on, recorded_at, officer_id, protection_flag)
     VALUES ($1::uuid, $2::uuid, $3, $4, $5::bigint, $6, $7, $8, $9::date, $10::timestamptz, $11, $12)`,
    [e.eventId, e.registrationId, e.vacancyId ?? null, s.officeCode, e.amountMinor, e.currency, e.paidTo, e.purpose, e.paidOn, e.recordedAt, e.officerId, isProtectionConcern(e.paidTo)],
  );
}

/** One event: stored with its effect, or a duplicate, or refused. */
async function receiveOne(db: Db, event: RecruitmentEvent, s: EventSource): Promise<'accepted' | 'duplicate'> {
  const text = canonicalJson(event);
  const hash = createHash('sha256').update(text, 'utf8').digest('hex');
  return db.transaction(async (tx) => {
    const inserted = await tx.query(
      `INSERT INTO recruitment_events (event_id, kind, device_id, office_code, content_hash, event) VALUES ($1::uuid, $2, $3, $4, $5, $6::text::jsonb)
       ON CONFLICT (event_id) DO NOTHING RETURNING 1 AS ok`,
      [event.eventId, event.kind, s.deviceId, s.officeCode, hash, text],
    );
    if (inserted.length === 0) {
      const stored = await tx.query<{ content_hash: string }>('SELECT content_hash FROM recruitment_events WHERE event_id = $1::uuid', [event.eventId]);
      if (stored[0]?.content_hash === hash) return 'duplicate';
      throw new Rejected('EVENT_CONFLICT', 'This event id was received before with other content');
    }
    if (event.kind === 'candidacy') await applyCandidacy(tx, event, s);
    else if (event.kind === 'candidacy-withdrawn') await applyWithdrawal(tx, event, s);
    else await applyCostReport(tx, event, s);
    return 'accepted';
  });
}

/** Every event of one request, in order (a withdrawal may follow its candidacy in the same request). */
export async function receiveRecruitmentEvents(db: Db, events: readonly unknown[], source: EventSource): Promise<RecruitmentEventsAnswer> {
  const answer: RecruitmentEventsAnswer = { accepted: [], duplicates: [], rejected: [] };
  for (const raw of events) {
    const problem = recruitmentEventProblem(raw);
    const eventId = typeof (raw as { eventId?: unknown })?.eventId === 'string' ? String((raw as { eventId: string }).eventId).slice(0, 64) : '';
    if (problem) {
      answer.rejected.push({ eventId, code: 'EVENT_INVALID', message: problem });
      continue;
    }
    try {
      const outcome = await receiveOne(db, raw as RecruitmentEvent, source);
      (outcome === 'accepted' ? answer.accepted : answer.duplicates).push(eventId);
    } catch (err) {
      if (!(err instanceof Rejected)) throw err;
      answer.rejected.push({ eventId, code: err.code, message: err.message });
    }
  }
  return answer;
}
