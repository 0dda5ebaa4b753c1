/**
 * A person's review of a candidate link (a new passport that may belong to a known person): accept merges the
 * newer person into the known one (its documents and registrations move; the merged row stays, `merged_into` set,
 * so history and old ids resolve); reject keeps them apart for good (the same pair is never proposed again: the
 * candidate row stays, rejected). Both are recorded in person_link_events with the reviewer and the note, in the
 * caller's transaction, and bump both persons' index versions so appliances learn the merge on their next pull.
 */
import type { Queryable } from '../db/db.ts';
import { centralError } from '../errors.ts';
import { refreshPersons } from './linking.ts';
import { type CandidateRow, readCandidate } from './queries.ts';
import { PERSON_INDEX_LOCK_KEY } from './schema.ts';

export type Decision = 'accept' | 'reject';

export async function decideCandidate(tx: Queryable, id: number, decision: Decision, reviewer: string, note: string | null): Promise<CandidateRow> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [PERSON_INDEX_LOCK_KEY]);
  const c = await readCandidate(tx, id);
  if (!c) throw centralError('CANDIDATE_NOT_FOUND', `No candidate link ${id}`, { id });
  if (c.status !== 'pending') throw centralError('CANDIDATE_DECIDED', `Candidate link ${id} was ${c.status} before`, { id, status: c.status });
  const status = decision === 'accept' ? 'accepted' : 'rejected';
  if (decision === 'accept') {
    const merged = await tx.query<{ person_id: string }>(
      'SELECT person_id::text AS person_id FROM persons WHERE person_id = ANY($1::uuid[]) AND merged_into IS NOT NULL',
      [`{${c.personId},${c.otherPersonId}}`],
    );
    if (merged.length > 0) throw centralError('CANDIDATE_STALE', `A person of candidate link ${id} was merged into another since`, { id });
    // The newer person (other) goes into the known one.
    await tx.query('UPDATE person_documents SET person_id = $1::uuid WHERE person_id = $2::uuid', [c.personId, c.otherPersonId]);
    await tx.query('UPDATE person_registrations SET person_id = $1::uuid WHERE person_id = $2::uuid', [c.personId, c.otherPersonId]);
    await tx.query('UPDATE persons SET merged_into = $1::uuid WHERE person_id = $2::uuid', [c.personId, c.otherPersonId]);
    // Candidates that named the merged person now name the survivor's pair, or are moot.
    await tx.query(
      `UPDATE person_link_candidates SET status = 'rejected', decided_at = now(), decided_by = $3, note = 'moot: merged by candidate ' || $5
       WHERE status = 'pending' AND id <> $4::bigint AND (person_id = $2::uuid OR other_person_id = $2::uuid)
         AND (person_id = $1::uuid OR other_person_id = $1::uuid)`,
      [c.personId, c.otherPersonId, reviewer, id, String(id)],
    );
    await tx.query(
      `UPDATE person_link_candidates SET person_id = CASE WHEN person_id = $2::uuid THEN $1::uuid ELSE person_id END,
                                         other_person_id = CASE WHEN other_person_id = $2::uuid THEN $1::uuid ELSE other_person_id END
       WHERE status = 'pending' AND id <> $3::bigint AND (person_id = $2::uuid OR other_person_id = $2::uuid)
         AND NOT (person_id IN ($1::uuid, $2::uuid) AND other_person_id IN ($1::uuid, $2::uuid))
         AND NOT EXISTS (SELECT 1 FROM person_link_candidates x WHERE x.id <> person_link_candidates.id
               AND x.person_id = CASE WHEN person_link_candidates.person_id = $2::uuid THEN $1::uuid ELSE person_link_candidates.person_id END
               AND x.other_person_id = CASE WHEN person_link_candidates.other_person_id = $2::uuid THEN $1::uuid ELSE person_link_candidates.other_person_id END)`,
      [c.personId, c.otherPersonId, id],
    );
  }
  await tx.query("UPDATE person_link_candidates SET status = $2, decided_at = now(), decided_by = $3, note = $4 WHERE id = $1", [id, status, reviewer, note]);
  await tx.query(
    `INSERT INTO person_link_events (actor, action, person_id, other_person_id, details)
     VALUES ($1, $2, $3::uuid, $4::uuid, jsonb_build_object('candidateId', $5::bigint, 'note', $6::text))`,
    [reviewer, decision === 'accept' ? 'candidate.accepted' : 'candidate.rejected', c.personId, c.otherPersonId, id, note],
  );
  if (decision === 'accept') await refreshPersons(tx, [c.personId, c.otherPersonId]);
  const after = await readCandidate(tx, id);
  if (!after) throw centralError('CANDIDATE_NOT_FOUND', `No candidate link ${id}`, { id });
  return after;
}
