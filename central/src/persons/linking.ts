/**
 * Linking registrations to persons on ingest (issue #16 item 1), in the batch's own transaction (one call from
 * ingest/ingest.ts, after the records are stored), set-based: a handful of statements per batch whatever its size.
 *
 * Rules:
 * - Same document (documentKey: document code, issuing state, number, birth date) → same person, always.
 * - A document the network has not seen whose holder has the same names, birth date and sex as a known person (a
 *   new passport) → a new person AND a pending candidate link to the known one, for a person to review
 *   (review.ts). Never merged silently.
 * - No document key (no number or birth date): the registration is not linked (counted first-time).
 * - A correction: a record refused as content_differs whose registration version is higher than the one stored is
 *   kept whole in registration_versions, and its link follows the newest version (a corrected document number
 *   moves the registration to the corrected document's person). A record stored under a new id that names
 *   `registration.correctionOf` (or `corrects`) is linked with `corrects` set to that id. History is kept:
 *   registrations holds the first version as received; every later one is in registration_versions.
 * - returning_network: the person has an earlier registration (by finalisation time) at any office; recomputed
 *   for every person the batch touched, so an older registration arriving late (an appliance that was offline)
 *   counts correctly.
 *
 * Index versions are taken under PERSON_INDEX_LOCK_KEY (held until the batch commits), so the offline index feed
 * (index-feed.ts) sees versions commit in order. The lock also makes "is this document known?" exact between
 * concurrent batches from different offices.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable, QueryOptions } from '../db/db.ts';
import type { BatchRecord, BatchResponse } from '@lmc/protocol/batch.ts';
import { documentKey, keyedDocumentHash, nameKey } from '@lmc/protocol/lookup.ts';
import { isoDateOrNull, sexOrNull, nationalityOrNull } from '@lmc/protocol/statistics.ts';
import { currentNetworkKey, type NetworkKey } from './network-key.ts';
import { PERSON_INDEX_LOCK_KEY } from './schema.ts';

export interface LinkInput {
  deviceId: string;
  batchId: string;
  records: readonly BatchRecord[];
  response: Pick<BatchResponse, 'stored' | 'conflicts'>;
}

export interface LinkSummary {
  linked: number;
  newPersons: number;
  candidates: number;
  /** Corrections kept as new versions. */
  versions: number;
}

/** What linking reads from a payload: the MRZ document and the registration's version. */
interface Linkable {
  id: string;
  officeCode: string;
  finalizedAt: string;
  docKey: string;
  nameKey: string | null;
  version: number;
  corrects: string | null;
  surname: string | null;
  givenNames: string | null;
  sex: string | null;
  birthDate: string | null;
  nationality: string | null;
  documentCode: string | null;
  issuingState: string | null;
  documentNumber: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

/** The linkable parts of a record, or null when it carries no usable document key. */
export function linkable(record: BatchRecord): Linkable | null {
  const reg = (record.payload as { registration?: unknown }).registration as Record<string, unknown> | null | undefined;
  const doc = (reg?.document ?? null) as Record<string, unknown> | null;
  const docKey = documentKey(doc as Parameters<typeof documentKey>[0]);
  if (!doc || !docKey) return null;
  const version = typeof reg?.version === 'number' && Number.isSafeInteger(reg.version) && reg.version >= 1 ? reg.version : 1;
  const corrects = str(reg?.correctionOf) ?? str(reg?.corrects);
  return {
    id: record.id.toLowerCase(),
    officeCode: record.officeCode,
    finalizedAt: record.finalizedAt,
    docKey,
    nameKey: nameKey(doc as Parameters<typeof nameKey>[0]),
    version,
    corrects: corrects && UUID.test(corrects) ? corrects.toLowerCase() : null,
    surname: str(doc.surname),
    givenNames: str(doc.givenNames),
    sex: sexOrNull(doc.sex),
    birthDate: isoDateOrNull(doc.birthDate) ?? isoDateOrNull((record.payload as { birthDate?: unknown }).birthDate),
    nationality: nationalityOrNull(doc.nationality),
    documentCode: str(doc.documentCode),
    issuingState: str(doc.issuingState),
    documentNumber: str(doc.documentNumber),
  };
}

const SYSTEM = 'ingest';
/** The statements every batch runs are prepared (one round trip each, planned once per connection). */
const PREPARED: QueryOptions = { prepare: true };
/** Known persons a new document is proposed as a candidate link to, at most (the most recently made). */
export const MAX_CANDIDATES_PER_DOCUMENT = 5;

/**
 * Links the batch's stored records (and the corrections among its content_differs conflicts) to persons. Runs in
 * the caller's transaction; touches nothing when the batch stored nothing linkable.
 */
export async function linkPersons(tx: Queryable, input: LinkInput): Promise<LinkSummary> {
  const summary: LinkSummary = { linked: 0, newPersons: 0, candidates: 0, versions: 0 };
  const storedIds = new Set(input.response.stored.map((id) => id.toLowerCase()));
  const differs = new Set(input.response.conflicts.filter((c) => c.reason === 'content_differs').map((c) => c.id.toLowerCase()));
  const fresh: Linkable[] = [];
  const corrections: Array<{ record: BatchRecord; link: Linkable | null; version: number }> = [];
  const seen = new Set<string>();
  for (const record of input.records) {
    const id = record.id.toLowerCase();
    if (storedIds.has(id) && !seen.has(id)) {
      seen.add(id);
      const l = linkable(record);
      if (l) fresh.push(l);
    } else if (differs.has(id)) {
      const l = linkable(record);
      const reg = (record.payload as { registration?: { version?: unknown } }).registration;
      const version = typeof reg?.version === 'number' && Number.isSafeInteger(reg.version) ? reg.version : 1;
      corrections.push({ record, link: l, version });
    }
  }
  if (fresh.length === 0 && corrections.length === 0) return summary;

  // A constant, so no parameter: one round trip (the simple protocol) instead of two.
  await tx.query(`SELECT pg_advisory_xact_lock(${Number(PERSON_INDEX_LOCK_KEY)})`);

  // Corrections: only a higher version than the one held counts; the rest stay plain conflicts.
  const heldVersions = new Map<string, number>();
  if (corrections.length > 0) {
    const ids = corrections.map((c) => c.record.id.toLowerCase());
    const rows = await tx.query<{ id: string; v: number }>(
      `SELECT r.id::text AS id, greatest(coalesce((r.payload->'registration'->>'version')::int, 1),
              coalesce((SELECT max(version) FROM registration_versions v WHERE v.registration_id = r.id), 0))::int AS v
       FROM registrations r WHERE r.id = ANY($1::uuid[])`,
      [`{${ids.join(',')}}`],
    );
    for (const r of rows) heldVersions.set(r.id.toLowerCase(), Number(r.v));
  }
  const newer = corrections.filter((c) => {
    const held = heldVersions.get(c.record.id.toLowerCase());
    return held !== undefined && c.version > held;
  });
  if (newer.length > 0) {
    const rows = newer.map((c) => ({
      registration_id: c.record.id,
      version: c.version,
      content_hash: c.record.contentHash,
      payload: c.record.payload,
      device_id: input.deviceId,
      batch_id: input.batchId,
    }));
    const inserted = await tx.query(
      `INSERT INTO registration_versions (registration_id, version, content_hash, payload, device_id, batch_id)
       SELECT registration_id, version, content_hash, payload, device_id, batch_id
       FROM jsonb_to_recordset($1::text::jsonb) AS r(registration_id uuid, version int, content_hash text, payload jsonb, device_id text, batch_id uuid)
       ON CONFLICT DO NOTHING RETURNING registration_id`,
      [JSON.stringify(rows)],
    );
    summary.versions = inserted.length;
    await tx.query(
      `INSERT INTO person_link_events (actor, action, registration_id, details)
       SELECT $1, 'registration.version', registration_id, jsonb_build_object('version', version, 'deviceId', device_id)
       FROM jsonb_to_recordset($2::text::jsonb) AS r(registration_id uuid, version int, device_id text)`,
      [SYSTEM, JSON.stringify(rows.map((r) => ({ registration_id: r.registration_id, version: r.version, device_id: r.device_id })))],
    );
    for (const c of newer) if (c.link) fresh.push({ ...c.link, version: c.version });
  }
  if (fresh.length === 0) return summary;

  // One read after the lock: the network key, the persons of the documents, and the namesakes of every record's
  // names (only those of new documents are used). The lock must be taken first, in its own statement: a statement's
  // snapshot is taken before it waits, and would miss what the batch ahead of us committed.
  const docKeys = [...new Set(fresh.map((l) => l.docKey))];
  const nameKeys = [...new Set(fresh.map((l) => l.nameKey).filter((k): k is string => k !== null))];
  const known = new Map<string, string>();
  const byName = new Map<string, string[]>();
  let networkKey: NetworkKey | undefined;
  for (const r of await tx.query<{ kind: 'key' | 'doc' | 'name'; k: string; v: string }>(
    `SELECT 'key' AS kind, key_id AS k, encode(key, 'hex') AS v, NULL::timestamptz AS at FROM network_keys WHERE current
     UNION ALL
     SELECT 'doc', d.doc_key, coalesce(p.merged_into, p.person_id)::text, NULL
     FROM person_documents d JOIN persons p ON p.person_id = d.person_id WHERE d.doc_key = ANY($1::text[])
     UNION ALL
     SELECT 'name', name_key, person_id::text, created_at FROM persons WHERE merged_into IS NULL AND name_key = ANY($2::text[])
     ORDER BY 1, 4`,
    [toPgArray(docKeys), toPgArray(nameKeys)],
    PREPARED,
  )) {
    if (r.kind === 'key') networkKey = { keyId: r.k, key: Buffer.from(r.v, 'hex') };
    else if (r.kind === 'doc') known.set(r.k, r.v);
    else byName.set(r.k, [...(byName.get(r.k) ?? []), r.v]);
  }
  // None yet: made now (the first batch the network ever links).
  networkKey ??= await currentNetworkKey(tx);

  // New documents: a new person each (the same document twice in one batch: one person).
  const unknown = fresh.filter((l, i, all) => !known.has(l.docKey) && all.findIndex((o) => o.docKey === l.docKey) === i);
  const newPersons: Array<{ person_id: string; doc: Linkable }> = [];
  const candidates: Array<{ person_id: string; other_person_id: string; reason: string }> = [];
  for (const l of unknown) {
    const personId = randomUUID();
    known.set(l.docKey, personId);
    newPersons.push({ person_id: personId, doc: l });
    if (l.nameKey) {
      // The latest few namesakes only: a very common name with one birth date must not make a review queue of thousands.
      for (const existing of (byName.get(l.nameKey) ?? []).slice(-MAX_CANDIDATES_PER_DOCUMENT)) {
        candidates.push({ person_id: existing, other_person_id: personId, reason: 'same-names-birth-date-sex' });
      }
      byName.set(l.nameKey, [...(byName.get(l.nameKey) ?? []), personId]);
    }
  }
  const timesOf = new Map<string, number[]>();
  for (const l of fresh) timesOf.set(l.docKey, [...(timesOf.get(l.docKey) ?? []), Date.parse(l.finalizedAt)]);
  const key = networkKey;
  // Seen-at times and the index version at insert: a person new in this batch needs no UPDATE afterwards (each new
  // row version would touch every index of persons again).
  const personRows = newPersons.map(({ person_id, doc }) => {
    const times = timesOf.get(doc.docKey) ?? [Date.parse(doc.finalizedAt)];
    return {
      person_id,
      surname: doc.surname,
      given_names: doc.givenNames,
      sex: doc.sex,
      birth_date: doc.birthDate,
      nationality: doc.nationality,
      name_key: doc.nameKey,
      first_seen: new Date(Math.min(...times)).toISOString(),
      last_seen: new Date(Math.max(...times)).toISOString(),
    };
  });
  const documentRows = newPersons.map(({ person_id, doc }) => ({
    doc_key: doc.docKey,
    person_id,
    doc_hash: keyedDocumentHash(key.key, doc.docKey),
    key_id: key.keyId,
    document_code: doc.documentCode,
    issuing_state: doc.issuingState,
    document_number: doc.documentNumber,
  }));
  // Links: new registrations, and the newest version of corrected ones (which may move to another person).
  const links = fresh.map((l) => ({
    registration_id: l.id,
    person_id: known.get(l.docKey),
    doc_key: l.docKey,
    office_code: l.officeCode,
    finalized_at: l.finalizedAt,
    version: l.version,
    corrects: l.corrects,
  }));
  // One statement writes it all (data-modifying CTEs all run; the foreign keys are checked at its end, when the
  // persons are in): new persons, their documents, candidate links and their events, the registrations' links.
  const written = await tx.query<{ kind: 'moved' | 'candidate'; before: string | null }>(
    `WITH new_persons AS (
       INSERT INTO persons (person_id, surname, given_names, sex, birth_date, nationality, name_key, first_seen_at, last_seen_at, index_version)
       SELECT person_id, surname, given_names, sex, birth_date, nationality, name_key, first_seen, last_seen, nextval('person_index_seq')
       FROM jsonb_to_recordset($1::text::jsonb) AS r(person_id uuid, surname text, given_names text, sex text, birth_date date, nationality text, name_key text,
         first_seen timestamptz, last_seen timestamptz)),
     new_documents AS (
       INSERT INTO person_documents (doc_key, person_id, doc_hash, key_id, document_code, issuing_state, document_number)
       SELECT doc_key, person_id, doc_hash, key_id, document_code, issuing_state, document_number
       FROM jsonb_to_recordset($2::text::jsonb) AS r(doc_key text, person_id uuid, doc_hash text, key_id text, document_code text, issuing_state text, document_number text)),
     c AS (SELECT * FROM jsonb_to_recordset($3::text::jsonb) AS r(person_id uuid, other_person_id uuid, reason text)),
     made AS (
       INSERT INTO person_link_candidates (person_id, other_person_id, reason) SELECT person_id, other_person_id, reason FROM c
       ON CONFLICT DO NOTHING RETURNING person_id),
     candidate_events AS (
       INSERT INTO person_link_events (actor, action, person_id, other_person_id, details)
       SELECT $4, 'candidate.created', person_id, other_person_id, jsonb_build_object('reason', reason) FROM c),
     r AS (SELECT * FROM jsonb_to_recordset($5::text::jsonb) AS r(registration_id uuid, person_id uuid, doc_key text, office_code text, finalized_at timestamptz, version int, corrects uuid)),
     prior AS (SELECT pr.registration_id, pr.person_id FROM person_registrations pr JOIN r USING (registration_id)),
     moved AS (
       INSERT INTO person_registrations (registration_id, person_id, doc_key, office_code, finalized_at, version, corrects)
       SELECT registration_id, person_id, doc_key, office_code, finalized_at, version, corrects FROM r
       ON CONFLICT (registration_id) DO UPDATE SET person_id = excluded.person_id, doc_key = excluded.doc_key, version = excluded.version
         WHERE excluded.version > person_registrations.version
       RETURNING (SELECT prior.person_id::text FROM prior WHERE prior.registration_id = person_registrations.registration_id) AS before)
     SELECT 'moved' AS kind, before FROM moved
     UNION ALL
     SELECT 'candidate', NULL FROM made`,
    [JSON.stringify(personRows), JSON.stringify(documentRows), JSON.stringify(candidates), SYSTEM, JSON.stringify(links)],
    PREPARED,
  );
  summary.newPersons = newPersons.length;
  summary.candidates = written.filter((w) => w.kind === 'candidate').length;
  const moved = written.filter((w) => w.kind === 'moved');
  summary.linked = moved.length;
  // Persons to refresh: every one touched, except those made by this batch with a single registration in it (their
  // one registration is first-time, their seen-at times and version were set at insert).
  const made = new Set(newPersons.map((n) => n.person_id));
  const perPerson = new Map<string, number>();
  for (const l of links) if (l.person_id) perPerson.set(l.person_id, (perPerson.get(l.person_id) ?? 0) + 1);
  const touched = new Set([...perPerson].filter(([p, n]) => !made.has(p) || n > 1).map(([p]) => p));
  for (const m of moved) if (m.before) touched.add(m.before);
  await refreshPersons(tx, [...touched]);
  return summary;
}

/**
 * After links changed: returning_network of every registration of these persons, first/last seen, the latest
 * identity, and a new index version each (the caller holds PERSON_INDEX_LOCK_KEY).
 */
export async function refreshPersons(tx: Queryable, personIds: readonly string[]): Promise<void> {
  if (personIds.length === 0) return;
  const ids = `{${personIds.join(',')}}`;
  await tx.query(
    `UPDATE person_registrations pr SET returning_network = EXISTS (
       SELECT 1 FROM person_registrations o WHERE o.person_id = pr.person_id AND o.registration_id <> pr.registration_id
         AND (o.finalized_at, o.registration_id) < (pr.finalized_at, pr.registration_id))
     WHERE pr.person_id = ANY($1::uuid[])`,
    [ids],
  );
  await tx.query(
    `UPDATE persons p SET
       first_seen_at = s.first_seen, last_seen_at = s.last_seen,
       index_version = nextval('person_index_seq')
     FROM (SELECT q.person_id, min(pr.finalized_at) AS first_seen, max(pr.finalized_at) AS last_seen
           FROM unnest($1::uuid[]) AS q(person_id) LEFT JOIN person_registrations pr ON pr.person_id = q.person_id
           GROUP BY q.person_id) s
     WHERE p.person_id = s.person_id`,
    [ids],
  );
}

/** A PostgreSQL text[] literal (values quoted: document keys hold '|'). */
export function toPgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
