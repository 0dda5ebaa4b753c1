import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { buildFinalizedRecord, type FinalizedRegistration, parseFinalizedRecord } from '@lmc/protocol/finalized-record.ts';
import { appendAudit } from './audit-chain.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { documentColumns } from './document.ts';
import { guard, invalidInput } from './errors.ts';
import { registrationNumber } from './registration-number.ts';
import type {
  DiscardReason,
  FinalizeOptions,
  ListQuery,
  Page,
  Registration,
  RegistrationRepository,
  RegistrationView,
  StoredDocument,
  WriteOptions,
} from './types.ts';

export const FINALIZED_EVENT = 'registration.finalized';
export const MAX_PAGE = 500;
const MAX_CODE = 64;
const MAX_PREVIOUS = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

interface RegistrationRow {
  id: string;
  seq: number;
  office_code: string;
  officer_id: string;
  status: Registration['status'];
  created_at: string;
  updated_at: string;
  finalized_at: string | null;
  version: number;
  document_json: string | null;
  // registration_state (LEFT JOIN: null until the counter records something)
  migrant_language: RegistrationView['migrantLanguage'];
  step: string | null;
  field: string | null;
  progress_at: string | null;
  approved_by: string | null;
  approved_at: string | null;
  approved_warnings: string | null;
  discarded_at: string | null;
  discarded_by: string | null;
  discard_reason: DiscardReason | null;
  expired: number | null;
}

/** Every read of a registration: the row with the counter's state (registrations/registration-state-schema.ts). */
export const REGISTRATION_SELECT = `SELECT r.*, s.migrant_language, s.step, s.field, s.progress_at, s.approved_by, s.approved_at,
  s.approved_warnings, s.discarded_at, s.discarded_by, s.discard_reason, s.expired
  FROM registrations r LEFT JOIN registration_state s ON s.registration_id = r.id`;
/** The same on a file migrated only up to before registration_state (tools and migration tests on older files). */
const REGISTRATION_SELECT_NO_STATE = `SELECT r.*, NULL AS migrant_language, NULL AS step, NULL AS field, NULL AS progress_at, NULL AS approved_by,
  NULL AS approved_at, NULL AS approved_warnings, NULL AS discarded_at, NULL AS discarded_by, NULL AS discard_reason, NULL AS expired
  FROM registrations r JOIN (SELECT NULL AS discarded_at) s`;

export function toRegistration(r: RegistrationRow): RegistrationView {
  const document = r.document_json === null ? null : (JSON.parse(r.document_json) as StoredDocument);
  return {
    id: r.id,
    officeCode: r.office_code,
    officerId: r.officer_id,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finalizedAt: r.finalized_at,
    version: r.version,
    document,
    registrationNumber: registrationNumber(r.office_code, r.id),
    displayName: document ? [document.surname, document.givenNames].filter((s) => s && s.length > 0).join(', ') || null : null,
    migrantLanguage: r.migrant_language ?? null,
    progress: r.step === null || r.progress_at === null ? null : { step: r.step, field: r.field, at: r.progress_at },
    approval:
      r.approved_by === null || r.approved_at === null
        ? null
        : { supervisorId: r.approved_by, at: r.approved_at, warnings: JSON.parse(r.approved_warnings ?? '[]') as string[] },
    discarded:
      r.discarded_at === null || r.discard_reason === null
        ? null
        : { at: r.discarded_at, by: r.discarded_by ?? 'system', reason: r.discard_reason, expired: r.expired === 1 },
  };
}

/** The registration as the finalized record carries it; only a finalized one qualifies. */
function asFinalized(r: RegistrationView): FinalizedRegistration {
  if (r.status !== 'finalized' || r.finalizedAt === null) {
    throw new ApplianceError(ApplianceErrors.REGISTRATION_NOT_FINALIZED.code, 'Only a finalized registration has a finalized record.', { id: r.id, status: r.status });
  }
  // The record carries the stored registration as it always has: not the counter's working state.
  // The supervisor's approval travels too (accountability for minors): only when there is one, so other records stay as they were.
  const { id, officeCode, officerId, createdAt, updatedAt, version, document, approval } = r;
  return {
    id,
    officeCode,
    officerId,
    status: r.status,
    createdAt,
    updatedAt,
    finalizedAt: r.finalizedAt,
    version,
    document,
    ...(approval ? { approval: { supervisorId: approval.supervisorId, at: approval.at, warnings: [...approval.warnings] } } : {}),
  };
}

function requireCode(name: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(value)) {
    throw invalidInput(`${name} must be 1 to ${MAX_CODE} printable characters without spaces`, { field: name });
  }
  return value;
}

function requireActor(actor: unknown): string {
  return requireCode('actor', actor);
}

function notFound(id: string): ApplianceError {
  return new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'No registration with that id.', { id });
}

function conflict(id: string, expected: number, actual: number): ApplianceError {
  return new ApplianceError(
    ApplianceErrors.STORE_CONFLICT.code,
    'The registration was changed by someone else; reload it and try again.',
    { id, expectedVersion: expected, actualVersion: actual },
  );
}

/**
 * Registration lifecycle: draft -> captured (document attached, may be re-attached) -> finalized
 * (terminal; queued for forwarding). Every write is one IMMEDIATE transaction that also appends
 * its audit row, committed with synchronous=FULL before the call returns: when an officer sees
 * "saved", the row is on disk. Nothing here batches or defers writes.
 */
export function createRegistrationRepository(db: Database, now: () => Date, logger: Logger): RegistrationRepository {
  const hasState = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'registration_state'").get() !== undefined;
  const SELECT = hasState ? REGISTRATION_SELECT : REGISTRATION_SELECT_NO_STATE;
  const selectById = db.prepare(`${SELECT} WHERE r.id = ?`);
  const nextSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM registrations');
  const insert = db.prepare(
    `INSERT INTO registrations (id, seq, office_code, officer_id, status, created_at, updated_at, version)
     VALUES (@id, @seq, @officeCode, @officerId, 'draft', @at, @at, 1)`,
  );
  const updateDocument = db.prepare(
    `UPDATE registrations SET status = 'captured', updated_at = @at, version = version + 1,
       document_format = @document_format, document_code = @document_code, document_number = @document_number,
       issuing_state = @issuing_state, nationality = @nationality, surname = @surname, given_names = @given_names,
       sex = @sex, birth_date = @birth_date, expiry_date = @expiry_date, mrz_valid = @mrz_valid,
       document_json = @document_json
     WHERE id = @id AND version = @version`,
  );
  const updateFinalized = db.prepare(
    `UPDATE registrations SET status = 'finalized', finalized_at = @at, updated_at = @at, version = version + 1
     WHERE id = @id AND version = @version AND status = 'captured'`,
  );
  const insertOutbox = db.prepare(
    `INSERT INTO outbox (registration_id, event_type, payload_json, created_at) VALUES (?, ?, ?, ?)`,
  );
  const byDocument = db.prepare(
    `${SELECT} WHERE r.issuing_state = ? AND r.document_number = ? ORDER BY r.seq DESC LIMIT 100`,
  );
  // The returning-migrant rule (see RegistrationRepository.previousRegistrations), on the stored columns.
  const previous = db
    .prepare(
      `SELECT earlier.id FROM registrations r
         JOIN registrations earlier ON earlier.issuing_state = r.issuing_state AND earlier.document_number = r.document_number
       WHERE r.id = ? AND earlier.id <> r.id AND earlier.status = 'finalized'
       ORDER BY earlier.seq DESC LIMIT ?`,
    )
    .pluck();

  const load = (id: string): RegistrationRow => {
    const row = selectById.get(id) as RegistrationRow | undefined;
    if (!row) throw notFound(id);
    return row;
  };

  const checkVersion = (row: RegistrationRow, opts?: WriteOptions): void => {
    if (opts?.expectedVersion !== undefined && opts.expectedVersion !== row.version) {
      throw conflict(row.id, opts.expectedVersion, row.version);
    }
  };

  const createTx = db.transaction((input: { officeCode: string; officerId: string; id: string }) => {
    const at = now().toISOString();
    const { seq } = nextSeq.get() as { seq: number };
    insert.run({ ...input, seq, at });
    appendAudit(
      db,
      {
        actor: input.officerId,
        action: 'registration.created',
        entityType: 'registration',
        entityId: input.id,
        details: { officeCode: input.officeCode },
      },
      at,
    );
    return toRegistration(load(input.id));
  });

  const attachTx = db.transaction((id: string, document: StoredDocument, actor: string, opts?: WriteOptions) => {
    const row = load(id);
    checkVersion(row, opts);
    if (row.status === 'finalized') {
      throw new ApplianceError(
        ApplianceErrors.REGISTRATION_FINALIZED.code,
        'This registration is finalized; its document can no longer be changed.',
        { id, status: row.status },
      );
    }
    const columns = documentColumns(document);
    const at = now().toISOString();
    const changed = updateDocument.run({ ...columns, id, at, version: row.version }).changes;
    if (changed !== 1) throw conflict(id, row.version, load(id).version);
    // Not the name or number: the audit log is append-only, so keep personal data to a minimum.
    appendAudit(
      db,
      {
        actor,
        action: 'registration.document_attached',
        entityType: 'registration',
        entityId: id,
        details: {
          fromStatus: row.status,
          documentFormat: columns.document_format,
          issuingState: columns.issuing_state,
          mrzValid: columns.mrz_valid === 1,
          version: row.version + 1,
        },
      },
      at,
    );
    return toRegistration(load(id));
  });

  const finalizeTx = db.transaction((id: string, actor: string, opts?: FinalizeOptions) => {
    const row = load(id);
    // Idempotent: a retried finalize (lost response, double click) gets the record back, and the
    // outbox UNIQUE(registration_id, event_type) would refuse a second event anyway.
    if (row.status === 'finalized') return { registration: toRegistration(row), changed: false };
    checkVersion(row, opts);
    if (row.status !== 'captured') {
      throw new ApplianceError(
        ApplianceErrors.DOCUMENT_REQUIRED.code,
        'A registration can only be finalized after its document has been captured.',
        { id, status: row.status },
      );
    }
    const at = now().toISOString();
    if (updateFinalized.run({ id, at, version: row.version }).changes !== 1) {
      throw conflict(id, row.version, load(id).version);
    }
    const registration = toRegistration(load(id));
    const finalized = asFinalized(registration);
    // Built and checked here, inside the transaction: a builder that throws, or a record that is not a
    // FinalizedRecordV1, leaves the registration captured with no outbox or audit row.
    const record = parseFinalizedRecord(opts?.record ? opts.record(finalized) : buildFinalizedRecord({ registration: finalized }));
    insertOutbox.run(id, FINALIZED_EVENT, JSON.stringify(record), at);
    appendAudit(
      db,
      {
        actor,
        action: FINALIZED_EVENT,
        entityType: 'registration',
        entityId: id,
        details: { version: registration.version },
      },
      at,
    );
    return { registration, changed: true };
  });

  return {
    create(input) {
      const officeCode = requireCode('officeCode', input?.officeCode);
      const officerId = requireCode('officerId', input?.officerId);
      if (input.id !== undefined && (typeof input.id !== 'string' || !UUID.test(input.id))) {
        throw invalidInput('id must be a UUID', { field: 'id' });
      }
      const id = (input.id ?? randomUUID()).toLowerCase();
      const created = guard('registrations.create', () => {
        try {
          return createTx.immediate({ id, officeCode, officerId });
        } catch (err) {
          if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
            throw new ApplianceError(ApplianceErrors.STORE_CONFLICT.code, 'A registration with that id already exists.', { id });
          }
          throw err;
        }
      });
      logger.debug({ id, officeCode }, 'registration created');
      return created;
    },

    attachDocument(id, document, actor, opts) {
      const who = requireActor(actor);
      const reg = guard('registrations.attachDocument', () => attachTx.immediate(String(id).toLowerCase(), document, who, opts));
      logger.debug({ id: reg.id, version: reg.version }, 'document attached');
      return reg;
    },

    finalize(id, actor, opts) {
      const who = requireActor(actor);
      const { registration, changed } = guard('registrations.finalize', () =>
        finalizeTx.immediate(String(id).toLowerCase(), who, opts),
      );
      if (changed) logger.info({ id: registration.id }, 'registration finalized and queued for forwarding');
      return registration;
    },

    get(id) {
      if (typeof id !== 'string' || !UUID.test(id)) return undefined;
      return guard('registrations.get', () => {
        const row = selectById.get(id.toLowerCase()) as RegistrationRow | undefined;
        return row ? toRegistration(row) : undefined;
      });
    },

    list(q: ListQuery): Page<RegistrationView> {
      if (!Number.isInteger(q?.limit) || q.limit < 1 || q.limit > MAX_PAGE) {
        throw invalidInput(`limit must be an integer from 1 to ${MAX_PAGE}`, { field: 'limit' });
      }
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: q.limit + 1 };
      if (q.cursor !== undefined) {
        where.push('r.seq < @before');
        params.before = decodeCursor(q.cursor);
      }
      if (q.status !== undefined) {
        if (!['draft', 'captured', 'finalized'].includes(q.status)) throw invalidInput('unknown status', { field: 'status' });
        where.push('r.status = @status');
        params.status = q.status;
      }
      if (q.officeCode !== undefined) {
        where.push('r.office_code = @officeCode');
        params.officeCode = requireCode('officeCode', q.officeCode);
      }
      if (q.discarded !== undefined) where.push(q.discarded ? 's.discarded_at IS NOT NULL' : 's.discarded_at IS NULL');
      const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                   ORDER BY r.seq DESC LIMIT @limit`;
      const rows = guard('registrations.list', () => db.prepare(sql).all(params) as RegistrationRow[]);
      const more = rows.length > q.limit;
      const page = more ? rows.slice(0, q.limit) : rows;
      const last = page.at(-1);
      return { items: page.map(toRegistration), nextCursor: more && last ? encodeCursor(last.seq) : null };
    },

    previousRegistrations(id) {
      if (typeof id !== 'string') return [];
      return guard('registrations.previousRegistrations', () => previous.all(id.toLowerCase(), MAX_PREVIOUS) as string[]);
    },

    isReturning(id) {
      if (typeof id !== 'string') return false;
      return guard('registrations.isReturning', () => previous.all(id.toLowerCase(), 1).length > 0);
    },

    findByDocument(issuingState, documentNumber) {
      if (typeof issuingState !== 'string' || typeof documentNumber !== 'string') {
        throw invalidInput('issuingState and documentNumber must be strings');
      }
      // The MRZ character set is upper case only (ICAO 9303 Part 3); a keyed-in number may not be.
      const state = issuingState.trim().toUpperCase();
      const number = documentNumber.trim().toUpperCase();
      return guard('registrations.findByDocument', () =>
        (byDocument.all(state, number) as RegistrationRow[]).map(toRegistration),
      );
    },
  };
}
