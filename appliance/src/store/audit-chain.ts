import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { canonicalJson } from '@lmc/core/canonical-json.ts';
import { invalidInput } from './errors.ts';
import type { AuditEntryInput, AuditRow, AuditVerification } from './types.ts';

/**
 * Append-only audit log with a SHA-256 hash chain. Each row's hash covers its own fields and the
 * previous row's hash, so changing, removing or reordering a row breaks every later link.
 * SQLite triggers refuse UPDATE/DELETE (see migrations.ts); the chain is what still catches
 * someone who edits the file directly. It does not catch someone who rewrites the whole chain
 * forward from the altered row: that needs the head hash anchored off the appliance.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** Tag in the hashed text, so a future change of the serialisation cannot collide with this one. */
const HASH_FORMAT = 'zlmc-audit-v1';

const MAX_FIELD = 200;

interface AuditDbRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  details_json: string;
  prev_hash: string;
  hash: string;
}

export function auditHash(row: Omit<AuditDbRow, 'hash'>): string {
  // A JSON array of strings/numbers/null has exactly one serialisation: that is the canonical form.
  const text = JSON.stringify([
    HASH_FORMAT,
    row.seq,
    row.at,
    row.actor,
    row.action,
    row.entity_type,
    row.entity_id,
    row.details_json,
    row.prev_hash,
  ]);
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function requireField(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_FIELD) {
    throw invalidInput(`audit ${name} must be a non-empty string of at most ${MAX_FIELD} characters`, { field: name });
  }
  return value;
}

/**
 * Append one entry. Must run inside the caller's write transaction, so the entry commits or
 * rolls back together with the change it records.
 */
export function appendAudit(db: Database, entry: AuditEntryInput, at: string): AuditRow {
  const actor = requireField('actor', entry.actor);
  const action = requireField('action', entry.action);
  const entityType = requireField('entityType', entry.entityType);
  const entityId = entry.entityId === undefined ? null : requireField('entityId', entry.entityId);
  const details = entry.details ?? {};
  if (typeof details !== 'object' || details === null || Array.isArray(details)) {
    throw invalidInput('audit details must be an object');
  }
  let detailsJson: string;
  try {
    detailsJson = canonicalJson(details);
  } catch (err) {
    throw invalidInput(`audit details are not JSON: ${(err as Error).message}`);
  }
  // sqlite_sequence remembers the highest seq ever issued, even if tail rows were removed.
  const last = db
    .prepare(
      `SELECT MAX(
         COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0),
         COALESCE((SELECT MAX(seq) FROM audit_log), 0)) AS last`,
    )
    .get() as { last: number };
  const prev = db.prepare('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
    | { hash: string }
    | undefined;
  const row = {
    seq: last.last + 1,
    at,
    actor,
    action,
    entity_type: entityType,
    entity_id: entityId,
    details_json: detailsJson,
    prev_hash: prev?.hash ?? GENESIS_HASH,
  };
  const hash = auditHash(row);
  db.prepare(
    `INSERT INTO audit_log (seq, at, actor, action, entity_type, entity_id, details_json, prev_hash, hash)
     VALUES (@seq, @at, @actor, @action, @entity_type, @entity_id, @details_json, @prev_hash, @hash)`,
  ).run({ ...row, hash });
  return toAuditRow({ ...row, hash });
}

export function toAuditRow(r: AuditDbRow): AuditRow {
  return {
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    details: JSON.parse(r.details_json) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * Walk the whole chain in seq order (streamed: the log grows for years) and report the first
 * row that does not hold. One SELECT is one read snapshot under WAL, so appends made meanwhile
 * by the running appliance do not disturb the walk.
 */
export function verifyAuditChain(db: Database): AuditVerification {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let rows = 0;
  const bad = (seq: number, reason: string): AuditVerification => ({ ok: false, rows, firstBadSeq: seq, reason });
  const iter = db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditDbRow>;
  for (const row of iter) {
    if (row.seq !== expectedSeq) {
      iter.return?.();
      return bad(row.seq, `rows missing: expected seq ${expectedSeq}, found seq ${row.seq}`);
    }
    if (row.prev_hash !== prevHash) {
      iter.return?.();
      return bad(row.seq, 'prev_hash does not match the previous row (a row was removed or altered)');
    }
    if (auditHash(row) !== row.hash) {
      iter.return?.();
      return bad(row.seq, 'hash does not match the row contents (the row was altered)');
    }
    rows += 1;
    prevHash = row.hash;
    expectedSeq += 1;
  }
  const issued = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").get() as
    | { seq: number }
    | undefined;
  if (issued && issued.seq > rows) {
    return bad(rows + 1, `log truncated: seq up to ${issued.seq} was issued but the last row is ${rows}`);
  }
  return { ok: true, rows };
}
