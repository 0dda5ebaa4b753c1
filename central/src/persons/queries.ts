/**
 * Reading the person index for staff: search, one person with documents, registrations, candidate links and
 * history. Callers record each read in the access audit (access-audit.ts); routes/persons.ts does so in the same
 * transaction.
 */
import type { Queryable } from '../db/db.ts';

export interface PersonSearch {
  /** Surname or given name (prefix, any case), or a document number (exact, fillers ignored). At least 2 characters. */
  q: string;
  birthDate?: string | undefined;
  sex?: string | undefined;
  office?: string | undefined;
  limit: number;
  offset: number;
}

export interface PersonSummary {
  personId: string;
  surname: string | null;
  givenNames: string | null;
  sex: string | null;
  birthDate: string | null;
  nationality: string | null;
  documents: Array<{ documentCode: string | null; issuingState: string | null; documentNumber: string | null }>;
  registrations: number;
  offices: string[];
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  pendingCandidates: number;
}

interface SummaryRow {
  person_id: string;
  surname: string | null;
  given_names: string | null;
  sex: string | null;
  birth_date: string | null;
  nationality: string | null;
  documents: string | null;
  registrations: number;
  offices: string | null;
  first_seen_at: Date | string | null;
  last_seen_at: Date | string | null;
  pending: number;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

const SUMMARY_SELECT = `
  SELECT p.person_id::text AS person_id, p.surname, p.given_names, p.sex, to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date, p.nationality,
    (SELECT json_agg(json_build_object('documentCode', d.document_code, 'issuingState', d.issuing_state, 'documentNumber', d.document_number)
            ORDER BY d.first_seen_at)::text FROM person_documents d WHERE d.person_id = p.person_id) AS documents,
    (SELECT count(*)::int FROM person_registrations r WHERE r.person_id = p.person_id) AS registrations,
    (SELECT json_agg(DISTINCT r.office_code)::text FROM person_registrations r WHERE r.person_id = p.person_id) AS offices,
    p.first_seen_at, p.last_seen_at,
    (SELECT count(*)::int FROM person_link_candidates c WHERE c.status = 'pending' AND p.person_id IN (c.person_id, c.other_person_id)) AS pending
  FROM persons p`;

function summary(r: SummaryRow): PersonSummary {
  return {
    personId: r.person_id,
    surname: r.surname,
    givenNames: r.given_names,
    sex: r.sex,
    birthDate: r.birth_date,
    nationality: r.nationality,
    documents: r.documents ? (JSON.parse(r.documents) as PersonSummary['documents']) : [],
    registrations: Number(r.registrations),
    offices: r.offices ? ((JSON.parse(r.offices) as string[]).sort()) : [],
    firstSeenAt: iso(r.first_seen_at),
    lastSeenAt: iso(r.last_seen_at),
    pendingCandidates: Number(r.pending),
  };
}

/** Escapes LIKE wildcards in user text. */
function likePrefix(q: string): string {
  return `${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function searchPersons(db: Queryable, s: PersonSearch): Promise<PersonSummary[]> {
  const number = s.q.toUpperCase().replace(/[^0-9A-Z]/g, '');
  const rows = await db.query<SummaryRow>(
    `${SUMMARY_SELECT}
     WHERE p.merged_into IS NULL
       AND (lower(p.surname) LIKE $1 OR lower(p.given_names) LIKE $1
            OR p.person_id IN (SELECT d.person_id FROM person_documents d WHERE split_part(d.doc_key, '|', 3) = $2))
       AND ($3::date IS NULL OR p.birth_date = $3::date)
       AND ($4::text IS NULL OR p.sex = $4)
       AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM person_registrations r WHERE r.person_id = p.person_id AND r.office_code = $5))
     ORDER BY p.surname NULLS LAST, p.given_names NULLS LAST, p.person_id
     LIMIT $6 OFFSET $7`,
    [likePrefix(s.q.trim()), number === '' ? '\u0000' : number, s.birthDate ?? null, s.sex ?? null, s.office ?? null, s.limit, s.offset],
  );
  return rows.map(summary);
}

export interface PersonRegistration {
  registrationId: string;
  officeCode: string;
  finalizedAt: string;
  version: number;
  versions: number;
  returning: boolean;
  corrects: string | null;
  occupationIsco: string | null;
  employerId: string | null;
  destinationProvince: string | null;
  districtOfOrigin: string | null;
}

export interface PersonView {
  person: PersonSummary & { mergedInto: string | null };
  registrations: PersonRegistration[];
  candidates: CandidateRow[];
  history: Array<{ at: string; actor: string; action: string; otherPersonId: string | null; registrationId: string | null; details: unknown }>;
}

export interface CandidateRow {
  id: number;
  personId: string;
  otherPersonId: string;
  reason: string;
  status: 'pending' | 'accepted' | 'rejected';
  createdAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  note: string | null;
}

interface CandidateDbRow {
  id: string;
  person_id: string;
  other_person_id: string;
  reason: string;
  status: CandidateRow['status'];
  created_at: Date | string;
  decided_at: Date | string | null;
  decided_by: string | null;
  note: string | null;
}

const candidate = (r: CandidateDbRow): CandidateRow => ({
  id: Number(r.id),
  personId: r.person_id,
  otherPersonId: r.other_person_id,
  reason: r.reason,
  status: r.status,
  createdAt: iso(r.created_at) ?? '',
  decidedAt: iso(r.decided_at),
  decidedBy: r.decided_by,
  note: r.note,
});

const CANDIDATE_SELECT = `SELECT id::text AS id, person_id::text AS person_id, other_person_id::text AS other_person_id, reason, status,
  created_at, decided_at, decided_by, note FROM person_link_candidates`;

/** One person (a merged one answers with mergedInto set), or undefined. */
export async function readPerson(db: Queryable, personId: string): Promise<PersonView | undefined> {
  const rows = await db.query<SummaryRow & { merged_into: string | null }>(`${SUMMARY_SELECT.replace('FROM persons p', ', p.merged_into::text AS merged_into FROM persons p')} WHERE p.person_id = $1::uuid`, [personId]);
  const row = rows[0];
  if (!row) return undefined;
  const regs = await db.query<{
    registration_id: string;
    office_code: string;
    finalized_at: Date | string;
    version: number;
    versions: number;
    returning_network: boolean;
    corrects: string | null;
    occupation_isco: string | null;
    employer_id: string | null;
    destination_province: string | null;
    district_of_origin: string | null;
  }>(
    `SELECT pr.registration_id::text AS registration_id, pr.office_code, pr.finalized_at, pr.version,
            (SELECT count(*)::int FROM registration_versions v WHERE v.registration_id = pr.registration_id) + 1 AS versions,
            pr.returning_network, pr.corrects::text AS corrects, r.occupation_isco, r.employer_id, r.destination_province, r.district_of_origin
     FROM person_registrations pr JOIN registrations r ON r.id = pr.registration_id
     WHERE pr.person_id = $1::uuid ORDER BY pr.finalized_at DESC`,
    [personId],
  );
  const candidates = await db.query<CandidateDbRow>(`${CANDIDATE_SELECT} WHERE $1::uuid IN (person_id, other_person_id) ORDER BY created_at DESC`, [personId]);
  const history = await db.query<{ at: Date | string; actor: string; action: string; other: string | null; registration_id: string | null; details: string | null }>(
    `SELECT at, actor, action, CASE WHEN person_id = $1::uuid THEN other_person_id ELSE person_id END::text AS other,
            registration_id::text AS registration_id, details::text AS details
     FROM person_link_events
     WHERE person_id = $1::uuid OR other_person_id = $1::uuid
        OR registration_id IN (SELECT registration_id FROM person_registrations WHERE person_id = $1::uuid)
     ORDER BY at DESC, id DESC LIMIT 200`,
    [personId],
  );
  return {
    person: { ...summary(row), mergedInto: row.merged_into },
    registrations: regs.map((r) => ({
      registrationId: r.registration_id,
      officeCode: r.office_code,
      finalizedAt: iso(r.finalized_at) ?? '',
      version: Number(r.version),
      versions: Number(r.versions),
      returning: r.returning_network,
      corrects: r.corrects,
      occupationIsco: r.occupation_isco,
      employerId: r.employer_id,
      destinationProvince: r.destination_province,
      districtOfOrigin: r.district_of_origin,
    })),
    candidates: candidates.map(candidate),
    history: history.map((h) => ({
      at: iso(h.at) ?? '',
      actor: h.actor,
      action: h.action,
      otherPersonId: h.other,
      registrationId: h.registration_id,
      details: h.details ? JSON.parse(h.details) : null,
    })),
  };
}

export async function listCandidates(db: Queryable, status: CandidateRow['status'] | undefined, limit: number): Promise<Array<CandidateRow & { person: PersonSummary; other: PersonSummary }>> {
  const rows = await db.query<CandidateDbRow>(`${CANDIDATE_SELECT} WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at, id LIMIT $2`, [status ?? null, limit]);
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.flatMap((r) => [r.person_id, r.other_person_id]))];
  const people = new Map((await db.query<SummaryRow>(`${SUMMARY_SELECT} WHERE p.person_id = ANY($1::uuid[])`, [`{${ids.join(',')}}`])).map((r) => [r.person_id, summary(r)]));
  return rows.flatMap((r) => {
    const person = people.get(r.person_id);
    const other = people.get(r.other_person_id);
    return person && other ? [{ ...candidate(r), person, other }] : [];
  });
}

export async function readCandidate(db: Queryable, id: number): Promise<CandidateRow | undefined> {
  const rows = await db.query<CandidateDbRow>(`${CANDIDATE_SELECT} WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] ? candidate(rows[0]) : undefined;
}
