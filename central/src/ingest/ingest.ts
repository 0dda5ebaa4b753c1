/**
 * Idempotent ingest of one batch, all in one transaction.
 *
 * All records in one `INSERT … ON CONFLICT (id) DO NOTHING RETURNING id`; inserted → stored. Otherwise
 * the stored content hash is read and compared: equal → duplicate (acknowledged again, so a relay
 * that lost our earlier answer can mark the row sent); different → conflict, recorded in
 * ingest_conflicts, the original untouched. Under READ COMMITTED a concurrent insert of the same id
 * makes ON CONFLICT wait for the other transaction, and the following SELECT sees its committed row,
 * so two relays (or a retry racing its original) cannot both store or lose a record.
 */
import type { Db, Queryable } from '../db/db.ts';
import { blobRefs } from '@lmc/protocol/batch-frame.ts';
import type { EnrolledDevice } from '../devices/device-directory.ts';
import { contentHash, type Batch, type BatchConflict, type BatchRecord, type BatchResponse } from '@lmc/protocol/batch.ts';
import { CentralErrorCodes, centralError } from '../errors.ts';
import { extractColumns } from './extract.ts';
import { linkPersons } from '../persons/linking.ts';
import { recordFleetReport } from '../fleet/fleet-store.ts';

/** The two log calls ingest makes; pino and Fastify's request logger both fit. */
export interface IngestLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface IngestInput {
  device: EnrolledDevice;
  batch: Batch;
  /** Compressed size, for the batch log. */
  bodyBytes: number;
  /** Blobs of a binary-frame batch, sha256 already verified against their bytes (batch-frame.ts). */
  blobs?: readonly IngestBlob[];
  /**
   * The attempt's nonce (protocol/src/batch-envelope.ts), recorded in the batch's transaction: a
   * second attempt with the same nonce is refused 409 BATCH_REPLAYED. Nonces older than keepMs go.
   */
  attempt?: { nonce: string; at: Date; keepMs: number };
  /** When the central received the attempt (fleet: last batch time, clock drift against attempt.at). Default: now. */
  receivedAt?: Date;
}

export interface IngestBlob {
  blobId: string;
  sha256: string;
  data: Buffer;
}

/**
 * Stores the blobs the accepted records reference, opaque. A blob whose record declares a sha256
 * different from the bytes that came is not stored (the record stays; the blob is counted missing).
 */
async function storeBlobs(tx: Queryable, accepted: readonly BatchRecord[], blobs: readonly IngestBlob[]): Promise<number> {
  if (blobs.length === 0) return 0;
  const byId = new Map(blobs.map((b) => [b.blobId, b]));
  let stored = 0;
  for (const record of accepted) {
    for (const ref of blobRefs(record.payload)) {
      const blob = byId.get(ref.blobId);
      if (!blob || (ref.sha256 !== undefined && ref.sha256.toLowerCase() !== blob.sha256)) continue;
      const rows = await tx.query(INSERT_BLOB, [blob.blobId, record.id, blob.sha256, blob.data.length, blob.data]);
      stored += rows.length;
    }
  }
  return stored;
}

const REGISTRATION_COLUMNS =
  'id, device_id, office_code, finalized_at, batch_id, content_hash, payload, sex, birth_date, nationality, district_of_origin, occupation_isco, destination_province, employer_id, is_returning';

/**
 * One INSERT per batch whose rows arrive as ONE parameter: a JSON array expanded by jsonb_to_recordset
 * (an `unnest`-style bulk insert). A multi-row VALUES list with 15 parameters per record made the driver
 * bind ~3,000 parameters and PostgreSQL parse and plan a new statement text for each batch size; one
 * text parameter is parsed once server-side (issue 13: ≥ 3,000 real records/s). The JSON goes in as text
 * cast to jsonb: a parameter typed jsonb would make the `postgres` driver stringify it again.
 */
const INSERT_REGISTRATIONS = `INSERT INTO registrations (${REGISTRATION_COLUMNS})
  SELECT ${REGISTRATION_COLUMNS}
  FROM jsonb_to_recordset($1::text::jsonb) AS r(
    id uuid, device_id text, office_code text, finalized_at timestamptz, batch_id uuid, content_hash text, payload jsonb,
    sex text, birth_date date, nationality text, district_of_origin text, occupation_isco text, destination_province text,
    employer_id text, is_returning boolean)
  ON CONFLICT (id) DO NOTHING RETURNING id::text AS id`;

const INSERT_BLOB = `INSERT INTO registration_blobs (blob_id, registration_id, sha256, bytes, data)
  VALUES ($1, $2::uuid, $3, $4, $5::bytea) ON CONFLICT (blob_id) DO NOTHING RETURNING blob_id`;

async function recordConflict(
  tx: Queryable,
  input: IngestInput,
  record: BatchRecord,
  reason: BatchConflict['reason'],
  storedHash: string | null,
): Promise<void> {
  await tx.query(
    `INSERT INTO ingest_conflicts (registration_id, batch_id, device_id, reason, received_content_hash, stored_content_hash, payload)
     VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb)`,
    [record.id, input.batch.batchId, input.device.deviceId, reason, record.contentHash, storedHash, JSON.stringify(record.payload)],
  );
}

let attemptsSincePrune = 0;
const PRUNE_EVERY = 64;

async function recordAttempt(tx: Queryable, deviceId: string, attempt: NonNullable<IngestInput['attempt']>): Promise<void> {
  const rows = await tx.query('INSERT INTO batch_attempts (device_id, nonce, attempt_at) VALUES ($1, $2, $3::timestamptz) ON CONFLICT DO NOTHING RETURNING nonce', [
    deviceId,
    attempt.nonce,
    attempt.at.toISOString(),
  ]);
  if (rows.length === 0) throw centralError(CentralErrorCodes.BatchReplayed, 'This attempt (nonce) was received before', { deviceId });
  if (++attemptsSincePrune >= PRUNE_EVERY) {
    attemptsSincePrune = 0;
    await tx.query('DELETE FROM batch_attempts WHERE attempt_at < $1::timestamptz', [new Date(Date.now() - attempt.keepMs).toISOString()]);
  }
}

/**
 * The fleet report of the batch (fleet/fleet-store.ts), in a savepoint: whatever it finds or fails
 * on, the records of the batch are stored (a flagged audit chain is logged and shown, never refused).
 */
async function recordFleet(tx: Queryable, input: IngestInput, log?: IngestLog): Promise<void> {
  const { batch, device } = input;
  await tx.query('SAVEPOINT fleet_report');
  try {
    await recordFleetReport(
      tx,
      { deviceId: device.deviceId, batchId: batch.batchId, sentAt: batch.sentAt, receivedAt: input.receivedAt ?? new Date(), attemptAt: input.attempt?.at, status: batch.status },
      log,
    );
    await tx.query('RELEASE SAVEPOINT fleet_report');
  } catch (err) {
    await tx.query('ROLLBACK TO SAVEPOINT fleet_report');
    log?.warn({ deviceId: device.deviceId, batchId: batch.batchId, code: (err as { code?: string }).code }, 'fleet report not recorded');
  }
}

export async function ingestBatch(db: Db, input: IngestInput, log?: IngestLog): Promise<BatchResponse> {
  const { batch, device } = input;
  const response: BatchResponse = { batchId: batch.batchId, stored: [], duplicates: [], conflicts: [] };
  let blobsStored = 0;

  await db.transaction(async (tx) => {
    // The acknowledgement promises the records are safe: never let a server-wide
    // synchronous_commit=off turn a crash after our answer into silently lost registrations.
    await tx.query('SET LOCAL synchronous_commit = on');
    if (input.attempt) await recordAttempt(tx, device.deviceId, input.attempt);
    // 1. Records that cannot be stored whatever the database holds.
    const candidates: BatchRecord[] = [];
    const rejected = new Map<string, BatchConflict['reason']>();
    for (const record of batch.records) {
      // The hash is recomputed here: a relay bug or corruption must not pass as "same content" later.
      if (contentHash(record.payload) !== record.contentHash) rejected.set(record.id, 'content_hash_mismatch');
      // A device speaks for the office it is enrolled at, not for another.
      else if (record.officeCode !== device.officeCode) rejected.set(record.id, 'office_mismatch');
      else candidates.push(record);
    }
    // 2. Insert the rest in one statement; ids already present come back missing from RETURNING.
    const inserted = new Set<string>();
    if (candidates.length > 0) {
      const rows = candidates.map((record) => {
        const x = extractColumns(record.payload);
        return {
          id: record.id,
          device_id: device.deviceId,
          office_code: record.officeCode,
          finalized_at: record.finalizedAt,
          batch_id: batch.batchId,
          content_hash: record.contentHash,
          payload: record.payload,
          sex: x.sex,
          birth_date: x.birthDate,
          nationality: x.nationality,
          district_of_origin: x.districtOfOrigin,
          occupation_isco: x.occupationIsco,
          destination_province: x.destinationProvince,
          employer_id: x.employerId,
          is_returning: x.isReturning,
        };
      });
      for (const row of await tx.query<{ id: string }>(INSERT_REGISTRATIONS, [JSON.stringify(rows)])) inserted.add(row.id.toLowerCase());
    }
    // 3. The others: same hash → duplicate, different → conflict. Under READ COMMITTED a concurrent
    // insert of the same id makes ON CONFLICT wait for it, so this SELECT sees its committed row.
    const others = candidates.filter((r) => !inserted.has(r.id.toLowerCase()));
    const held = new Map<string, string>();
    if (others.length > 0) {
      const rows = await tx.query<{ id: string; content_hash: string }>(
        'SELECT id::text AS id, content_hash FROM registrations WHERE id = ANY($1::uuid[])',
        [`{${others.map((r) => r.id).join(',')}}`],
      );
      for (const row of rows) held.set(row.id.toLowerCase(), row.content_hash);
    }
    // 4. Answer in batch order; a repeated id within one batch is stored once, then a duplicate.
    const storedNow = new Set<string>();
    const accepted: BatchRecord[] = [];
    for (const record of batch.records) {
      const key = record.id.toLowerCase();
      const reason = rejected.get(record.id);
      if (reason) {
        await recordConflict(tx, input, record, reason, null);
        response.conflicts.push({ id: record.id, reason });
        continue;
      }
      if (inserted.has(key) && !storedNow.has(key)) {
        storedNow.add(key);
        response.stored.push(record.id);
        accepted.push(record);
        continue;
      }
      const storedHash = held.get(key) ?? (storedNow.has(key) ? (candidates.find((c) => c.id.toLowerCase() === key)?.contentHash ?? null) : null);
      if (storedHash === record.contentHash) {
        response.duplicates.push(record.id);
        accepted.push(record);
      } else {
        await recordConflict(tx, input, record, 'content_differs', storedHash);
        response.conflicts.push({ id: record.id, reason: 'content_differs' });
      }
    }
    // 5. Blobs of stored and duplicate records (a resend may carry blobs an earlier attempt lacked).
    blobsStored = await storeBlobs(tx, accepted, input.blobs ?? []);
    // 6. The person index (persons/linking.ts): same document → same person, in this transaction.
    await linkPersons(tx, { deviceId: device.deviceId, batchId: batch.batchId, records: batch.records, response });
    await recordFleet(tx, input, log);
    await tx.query(
      `INSERT INTO batches (batch_id, device_id, sent_at, body_bytes, record_count, stored_count, duplicate_count, conflict_count)
       VALUES ($1, $2, $3::timestamptz, $4, $5, $6, $7, $8)`,
      [
        batch.batchId,
        device.deviceId,
        batch.sentAt,
        input.bodyBytes,
        batch.records.length,
        response.stored.length,
        response.duplicates.length,
        response.conflicts.length,
      ],
    );
  });

  log?.info(
    {
      batchId: batch.batchId,
      deviceId: device.deviceId,
      stored: response.stored.length,
      duplicates: response.duplicates.length,
      conflicts: response.conflicts.length,
      blobsStored,
    },
    'batch ingested',
  );
  if (response.conflicts.length > 0) log?.warn({ batchId: batch.batchId, conflicts: response.conflicts }, 'batch had conflicts');
  return response;
}
