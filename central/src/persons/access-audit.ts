/**
 * The central's access audit (central_access_audit): one row for every view of personal data — a staff member's
 * person search or person view, a candidate review, a device's cross-office lookup. Written in the same
 * transaction as the read it records where there is one, so no view goes unrecorded. Reviewed by auditors
 * (GET /api/v1/audit/access, routes/persons.ts). Never holds a keyed hash or biometric data; a staff search's
 * terms are kept (an auditor must see what was looked for).
 */
import type { Queryable } from '../db/db.ts';

export type AccessAction =
  | 'person.search'
  | 'person.view'
  | 'candidate.list'
  | 'candidate.accept'
  | 'candidate.reject'
  | 'device.lookup'
  | 'device.lookup-index'
  | 'audit.view';

export interface AccessRecord {
  actorKind: 'staff' | 'device';
  actor: string;
  role?: string | null;
  action: AccessAction;
  personId?: string | null;
  registrationId?: string | null;
  query?: Record<string, unknown> | null;
  resultCount?: number | null;
  client?: string | null;
}

export async function recordAccess(db: Queryable, r: AccessRecord): Promise<void> {
  await db.query(
    `INSERT INTO central_access_audit (actor_kind, actor, role, action, person_id, registration_id, query, result_count, client)
     VALUES ($1, $2, $3, $4, $5::uuid, $6::uuid, $7::text::jsonb, $8, $9)`,
    [
      r.actorKind,
      r.actor,
      r.role ?? null,
      r.action,
      r.personId ?? null,
      r.registrationId ?? null,
      r.query ? JSON.stringify(r.query) : null,
      r.resultCount ?? null,
      r.client ?? null,
    ],
  );
}

export interface AccessAuditRow {
  id: number;
  at: string;
  actorKind: string;
  actor: string;
  role: string | null;
  action: string;
  personId: string | null;
  registrationId: string | null;
  query: Record<string, unknown> | null;
  resultCount: number | null;
  client: string | null;
}

export interface AccessAuditQuery {
  actor?: string | undefined;
  action?: string | undefined;
  personId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Rows with id below this (paging backwards, newest first). */
  before?: number | undefined;
  limit: number;
}

export async function readAccessAudit(db: Queryable, q: AccessAuditQuery): Promise<AccessAuditRow[]> {
  const rows = await db.query<{
    id: string;
    at: Date | string;
    actor_kind: string;
    actor: string;
    role: string | null;
    action: string;
    person_id: string | null;
    registration_id: string | null;
    query: string | null;
    result_count: number | null;
    client: string | null;
  }>(
    `SELECT id::text AS id, at, actor_kind, actor, role, action, person_id::text AS person_id, registration_id::text AS registration_id,
            query::text AS query, result_count, client
     FROM central_access_audit
     WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2) AND ($3::uuid IS NULL OR person_id = $3::uuid)
       AND ($4::timestamptz IS NULL OR at >= $4::timestamptz) AND ($5::timestamptz IS NULL OR at < $5::timestamptz)
       AND ($6::bigint IS NULL OR id < $6::bigint)
     ORDER BY id DESC LIMIT $7`,
    [q.actor ?? null, q.action ?? null, q.personId ?? null, q.from ?? null, q.to ?? null, q.before ?? null, q.limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: new Date(r.at).toISOString(),
    actorKind: r.actor_kind,
    actor: r.actor,
    role: r.role,
    action: r.action,
    personId: r.person_id,
    registrationId: r.registration_id,
    query: r.query ? (JSON.parse(r.query) as Record<string, unknown>) : null,
    resultCount: r.result_count === null ? null : Number(r.result_count),
    client: r.client,
  }));
}
