/**
 * Idempotent ingest of one batch, all in one transaction.
 *
 * Per record: `INSERT … ON CONFLICT (id) DO NOTHING RETURNING id`; inserted → stored. Otherwise
 * the stored content hash is read and compared: equal → duplicate (acknowledged again, so a relay
 * that lost our earlier answer can mark the row sent); different → conflict, recorded in
 * ingest_conflicts, the original untouched. Under READ COMMITTED a concurrent insert of the same id
 * makes ON CONFLICT wait for the other transaction, and the following SELECT sees its committed row,
 * so two relays (or a retry racing its original) cannot both store or lose a record.
 */
import type { Db, Queryable } from '../db/db.ts';
import type { EnrolledDevice } from '../devices/device-directory.ts';
import { contentHash, type Batch, type BatchConflict, type BatchRecord, type BatchResponse } from '../protocol/batch.ts';
import { extractColumns } from './extract.ts';

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
}

// Payloads go in as JSON text cast through ::text: a parameter typed jsonb makes the `postgres`
// driver JSON.stringify the (already stringified) value again and store a jsonb string.
const INSERT_REGISTRATION = `
  INSERT INTO registrations (
    id, device_id, office_code, finalized_at, batch_id, content_hash, payload,
    sex, birth_date, nationality, district_of_origin, occupation_isco, destination_province, employer_id, is_returning
  ) VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7::text::jsonb, $8, $9::date, $10, $11, $12, $13, $14, $15)
  ON CONFLICT (id) DO NOTHING
  RETURNING id`;

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

export async function ingestBatch(db: Db, input: IngestInput, log?: IngestLog): Promise<BatchResponse> {
  const { batch, device } = input;
  const response: BatchResponse = { batchId: batch.batchId, stored: [], duplicates: [], conflicts: [] };

  await db.transaction(async (tx) => {
    for (const record of batch.records) {
      // The hash is recomputed here: a relay bug or corruption must not pass as "same content" later.
      if (contentHash(record.payload) !== record.contentHash) {
        await recordConflict(tx, input, record, 'content_hash_mismatch', null);
        response.conflicts.push({ id: record.id, reason: 'content_hash_mismatch' });
        continue;
      }
      // A device speaks for the office it is enrolled at, not for another.
      if (record.officeCode !== device.officeCode) {
        await recordConflict(tx, input, record, 'office_mismatch', null);
        response.conflicts.push({ id: record.id, reason: 'office_mismatch' });
        continue;
      }
      const x = extractColumns(record.payload);
      const inserted = await tx.query(INSERT_REGISTRATION, [
        record.id,
        device.deviceId,
        record.officeCode,
        record.finalizedAt,
        batch.batchId,
        record.contentHash,
        JSON.stringify(record.payload),
        x.sex,
        x.birthDate,
        x.nationality,
        x.districtOfOrigin,
        x.occupationIsco,
        x.destinationProvince,
        x.employerId,
        x.isReturning,
      ]);
      if (inserted.length === 1) {
        response.stored.push(record.id);
        continue;
      }
      const existing = await tx.query<{ content_hash: string }>('SELECT content_hash FROM registrations WHERE id = $1', [record.id]);
      const storedHash = existing[0]?.content_hash ?? null;
      if (storedHash === record.contentHash) {
        response.duplicates.push(record.id);
      } else {
        await recordConflict(tx, input, record, 'content_differs', storedHash);
        response.conflicts.push({ id: record.id, reason: 'content_differs' });
      }
    }
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
    },
    'batch ingested',
  );
  if (response.conflicts.length > 0) log?.warn({ batchId: batch.batchId, conflicts: response.conflicts }, 'batch had conflicts');
  return response;
}
