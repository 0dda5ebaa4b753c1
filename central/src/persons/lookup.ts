/**
 * What the central answers an appliance's cross-office lookup (protocol/src/lookup.ts): the person behind a keyed
 * document hash, their earlier registrations at every office (newest first, the latest version's details), and the
 * latest details to prefill; and the pages of the compact offline index.
 */
import type { Queryable } from '../db/db.ts';
import {
  INDEX_HASH_BYTES,
  INDEX_MAX_VISITS,
  type IndexEntry,
  type LookupAnswer,
  type LookupIndexPage,
  MAX_LOOKUP_REGISTRATIONS,
  packIndexEntries,
} from '@lmc/protocol/lookup.ts';
import { currentNetworkKey } from './network-key.ts';

/** Details members that are never prefilled at another counter: consent is the migrant's, now; a QR is a paper. */
const NOT_PREFILLED = new Set(['consent', 'jobOfferQr', 'jobOffer']);

/** The details of a payload as a PUT /details body to prefill (names resolved by the appliance). */
export function prefillOf(details: unknown): Record<string, unknown> | null {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return null;
  const out: Record<string, unknown> = {};
  const d = details as Record<string, unknown>;
  const keep = ['phone', 'homeProvince', 'homeDistrict', 'education', 'occupationIsco', 'employerId', 'vacancyId', 'destinationProvince', 'nextOfKin', 'language'];
  for (const k of keep) {
    const v = d[k];
    if (v === undefined || v === null || NOT_PREFILLED.has(k)) continue;
    if (k === 'nextOfKin' && typeof v === 'object') {
      const kin = v as Record<string, unknown>;
      const picked = Object.fromEntries(['name', 'relationship', 'phone'].filter((m) => typeof kin[m] === 'string' && kin[m] !== '').map((m) => [m, kin[m]]));
      if (Object.keys(picked).length > 0) out.nextOfKin = picked;
    } else if (typeof v === 'string' && v !== '') out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : null;
}

interface RegRow {
  registration_id: string;
  person_id: string;
  office_code: string;
  office_name: string | null;
  finalized_at: Date | string;
  version: number;
  corrections: number;
  details: string | null;
  total: number;
  occupation_title: string | null;
  employer_name: string | null;
  vacancy_title: string | null;
}

/** The answer for one keyed document hash (any key id the appliance may hold is checked against the current one). */
export async function answerLookup(db: Queryable, docHash: string, now: Date = new Date()): Promise<LookupAnswer> {
  const rows = await db.query<RegRow>(
    `WITH person AS (
       SELECT coalesce(p.merged_into, p.person_id) AS person_id FROM person_documents d JOIN persons p ON p.person_id = d.person_id
       WHERE d.doc_hash = $1 LIMIT 1),
     regs AS (
       SELECT pr.*, count(*) OVER () AS total FROM person_registrations pr JOIN person USING (person_id)
       ORDER BY pr.finalized_at DESC LIMIT $2),
     latest AS (
       SELECT regs.*, coalesce(
         (SELECT v.payload FROM registration_versions v WHERE v.registration_id = regs.registration_id ORDER BY v.version DESC LIMIT 1),
         r.payload) AS payload
       FROM regs JOIN registrations r ON r.id = regs.registration_id)
     SELECT l.registration_id::text AS registration_id, l.person_id::text AS person_id, l.office_code, o.name AS office_name, l.finalized_at,
            l.version, (SELECT count(*)::int FROM registration_versions v WHERE v.registration_id = l.registration_id) AS corrections,
            (l.payload->'details')::text AS details, l.total::int AS total,
            occ.title AS occupation_title, emp.name AS employer_name, vac.title AS vacancy_title
     FROM latest l
     LEFT JOIN offices o ON o.code = l.office_code
     LEFT JOIN ref_occupations occ ON occ.isco_code = l.payload->'details'->>'occupationIsco'
     LEFT JOIN ref_employers emp ON emp.employer_id = l.payload->'details'->>'employerId'
     LEFT JOIN ref_vacancies vac ON vac.vacancy_id = l.payload->'details'->>'vacancyId'
     ORDER BY l.finalized_at DESC`,
    [docHash, MAX_LOOKUP_REGISTRATIONS],
  );
  const first = rows[0];
  if (!first) return { found: false, personId: null, registrations: [], total: 0, prefill: null, serverTime: now.toISOString() };
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    found: true,
    personId: first.person_id,
    total: Number(first.total),
    registrations: rows.map((r) => {
      const d = (r.details ? JSON.parse(r.details) : {}) as Record<string, unknown>;
      return {
        registrationId: r.registration_id,
        officeCode: r.office_code,
        officeName: r.office_name,
        finalizedAt: new Date(r.finalized_at).toISOString(),
        status: Number(r.corrections) > 0 ? ('corrected' as const) : ('finalized' as const),
        version: Number(r.version),
        occupationIsco: text(d.occupationIsco),
        occupationTitle: r.occupation_title,
        employerId: text(d.employerId),
        employerName: r.employer_name,
        vacancyId: text(d.vacancyId),
        vacancyTitle: r.vacancy_title,
        destinationProvince: text(d.destinationProvince),
      };
    }),
    prefill: prefillOf(first.details ? JSON.parse(first.details) : null),
    serverTime: now.toISOString(),
  };
}

interface IndexRow {
  head: string;
  feed_id: string;
  person_id: string | null;
  index_version: string | null;
  merged: boolean | null;
  hashes: string | null;
  visits: string | null;
}

/**
 * One page of the offline index after `since`, in one statement (one snapshot). Versions commit in order (taken
 * under PERSON_INDEX_LOCK_KEY), so a page that is not full may move the appliance to the head.
 */
export async function readIndexPage(db: Queryable, since: number, limit: number, now: Date = new Date()): Promise<LookupIndexPage> {
  const key = await currentNetworkKey(db);
  const rows = await db.query<IndexRow>(
    `WITH head AS (SELECT coalesce(max(index_version), 0)::text AS v FROM persons),
          feed AS (SELECT id::text AS id FROM person_index_feed LIMIT 1),
          page AS (SELECT person_id, index_version, merged_into IS NOT NULL AS merged FROM persons
                   WHERE index_version > $1::bigint ORDER BY index_version LIMIT $2)
     SELECT head.v AS head, feed.id AS feed_id, page.person_id::text AS person_id, page.index_version::text AS index_version, page.merged,
       (SELECT json_agg(left(d.doc_hash, ${INDEX_HASH_BYTES * 2}))::text FROM person_documents d WHERE d.person_id = page.person_id) AS hashes,
       (SELECT json_agg(json_build_array(v.office_code, v.day))::text FROM (
          SELECT pr.office_code, to_char(pr.finalized_at AT TIME ZONE 'Africa/Harare', 'YYYY-MM-DD') AS day
          FROM person_registrations pr WHERE pr.person_id = page.person_id ORDER BY pr.finalized_at DESC LIMIT ${INDEX_MAX_VISITS}) v) AS visits
     FROM head CROSS JOIN feed LEFT JOIN page ON true
     ORDER BY page.index_version`,
    [String(since), limit],
  );
  const first = rows[0];
  if (!first) throw new Error('person_index_feed has no row: the persons migration did not run');
  const head = Number(first.head);
  let last = since;
  let counted = 0;
  const entries: IndexEntry[] = [];
  for (const r of rows) {
    if (r.index_version === null) continue;
    counted++;
    last = Number(r.index_version);
    // A merged person's documents moved to the survivor, whose entry (re-sent) carries them.
    if (r.merged || !r.hashes) continue;
    const hashes = JSON.parse(r.hashes) as string[];
    const visits = r.visits ? (JSON.parse(r.visits) as Array<[string, string]>).map(([officeCode, day]) => ({ officeCode, day })) : [];
    if (hashes.length > 0 && visits.length > 0) entries.push({ hashes, visits });
  }
  const full = counted >= limit;
  const offices: string[] = [];
  const packed = packIndexEntries(entries, offices);
  return {
    epoch: first.feed_id,
    keyId: key.keyId,
    networkKey: key.key.toString('base64'),
    fromVersion: since,
    toVersion: full ? last : Math.max(head, since),
    complete: !full,
    offices,
    entries: packed.toString('base64'),
    count: entries.length,
    serverTime: now.toISOString(),
  };
}
