/**
 * Idempotent ingest of one batch, all in one transaction.
 *
 * The content hashes of ids already held are read first; the other records go in one
 * `INSERT … ON CONFLICT (id) DO NOTHING RETURNING id`; inserted → stored. Otherwise the stored content
 * hash (read before, or after the INSERT for an id a concurrent batch stored meanwhile) is compared: equal → duplicate (acknowledged again, so a relay
 * that lost our earlier answer can mark the row sent); different → conflict, recorded in
 * ingest_conflicts, the original untouched. Under READ COMMITTED a concurrent insert of the same id
 * makes ON CONFLICT wait for the other transaction, and the following SELECT sees its committed row,
 * so two relays (or a retry racing its original) cannot both store or lose a record.
 */
import type { Db, Queryable, QueryOptions } from '../db/db.ts';
import { canonicalJsonOfParsed } from '@lmc/core/canonical-json.ts';
import { blobRefs } from '@lmc/protocol/batch-frame.ts';
import type { EnrolledDevice } from '../devices/device-directory.ts';
import { hashCanonical, type Batch, type BatchConflict, type BatchRecord, type BatchResponse } from '@lmc/protocol/batch.ts';
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
  'id, device_id, office_code, finalized_at, batch_id, content_hash, payload, sex, birth_date, nationality, district_of_origin, occupation_isco, destination_province, employer_id, is_returning, education_isced, destination_country, country_of_birth';

/**
 * One INSERT per batch, its rows as one array parameter per column expanded by unnest (issue 13 point 7: ≥ 3,000
 * real records/s). Each payload goes in as text and is parsed once into jsonb by the cast. The previous form, one
 * JSON array expanded by jsonb_to_recordset, cost PostgreSQL about 2.5× the CPU for the same 4 KB payloads (the
 * whole array parsed into one jsonb, then every payload copied out of it); COPY would be as cheap but cannot say
 * ON CONFLICT, and the `postgres` driver hangs on a COPY the server refuses (porsager/postgres#1173).
 *
 * The payloads travel as their canonical JSON texts (the ones the content hash was just computed over) joined by
 * U+001E, split by string_to_array: JSON text never holds a raw U+001E (every control character is written
 * \u00xx), so no escaping is needed on either side, unlike a quoted array-literal element.
 */
const INSERT_REGISTRATIONS = `INSERT INTO registrations (${REGISTRATION_COLUMNS})
  SELECT id, device_id, office_code, finalized_at, batch_id, content_hash, payload::jsonb, sex, birth_date, nationality,
         district_of_origin, occupation_isco, destination_province, employer_id, is_returning, education_isced, destination_country, country_of_birth
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::uuid[], $6::text[], string_to_array($7::text, chr(30)), $8::text[], $9::date[],
              $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::boolean[], $16::text[], $17::text[], $18::text[])
    AS r(id, device_id, office_code, finalized_at, batch_id, content_hash, payload, sex, birth_date, nationality,
         district_of_origin, occupation_isco, destination_province, employer_id, is_returning, education_isced, destination_country, country_of_birth)
  ON CONFLICT (id) DO NOTHING RETURNING id::text AS id`;

/** A PostgreSQL array literal element: NULL, or the text double-quoted with backslash and quote escaped. */
function arrayElement(v: string | boolean | null): string {
  if (v === null) return 'NULL';
  const text = String(v);
  return `"${/["\\]/.test(text) ? text.replace(/["\\]/g, '\\$&') : text}"`;
}

/**
 * One column as a PostgreSQL array literal. Most columns hold no NULL and nothing to escape (ids, codes, dates): then
 * two native joins instead of a test and a template per element (issue 13 point 7).
 */
function columnLiteral(values: readonly (string | boolean | null)[]): string {
  if (!values.includes(null) && !/["\\]/.test(values.join(''))) return `{"${values.join('","')}"}`;
  return `{${values.map(arrayElement).join(',')}}`;
}

/** Separates the payload texts of INSERT_REGISTRATIONS's $7 (chr(30)); JSON text holds it only escaped. */
const PAYLOAD_SEPARATOR = '\u001e';

const arrayLiteral = (elements: readonly string[]) => `{${elements.join(',')}}`;

/** A record that passed the checks, with the canonical JSON text of its payload (hashed, then stored). */
interface Candidate {
  record: BatchRecord;
  canonical: string;
}

/** The parameters of INSERT_REGISTRATIONS: one array literal per column, the payloads' canonical texts joined. */
function registrationArrays(device: EnrolledDevice, batchId: string, rows: readonly Candidate[]): string[] {
  const columns: (string | boolean | null)[][] = Array.from({ length: 18 }, () => []);
  for (const { record } of rows) {
    const x = extractColumns(record.payload);
    const values: (string | boolean | null)[] = [record.id, device.deviceId, record.officeCode, record.finalizedAt, batchId, record.contentHash, null];
    values.push(x.sex, x.birthDate, x.nationality, x.districtOfOrigin, x.occupationIsco, x.destinationProvince, x.employerId, x.isReturning);
    values.push(x.educationIsced, x.destinationCountry, x.countryOfBirth);
    for (let i = 0; i < values.length; i++) (columns[i] as (string | boolean | null)[]).push(values[i] ?? null);
  }
  const params = columns.map((column, i) => (i === 6 ? rows.map((r) => r.canonical).join(PAYLOAD_SEPARATOR) : columnLiteral(column)));
  return params;
}

/** The batch's fixed statements run prepared (db.ts QueryOptions): one round trip each, no parse or plan per batch. */
const PREPARED: QueryOptions = { prepare: true };

const SELECT_HELD = 'SELECT id::text AS id, content_hash FROM registrations WHERE id = ANY($1::uuid[])';

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
  ], PREPARED);
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
    const candidates: Candidate[] = [];
    const rejected = new Map<string, BatchConflict['reason']>();
    for (const record of batch.records) {
      // The hash is recomputed here (protocol/batch.ts contentHash: sha256 of the canonical JSON): a relay bug or
      // corruption must not pass as "same content" later. The canonical text is what is stored (JSON.stringify when
      // the appliance sent the payload's keys in canonical order, as encodeBatch does).
      const canonical = canonicalJsonOfParsed(record.payload);
      if (hashCanonical(canonical) !== record.contentHash) rejected.set(record.id, 'content_hash_mismatch');
      // A device speaks for the office it is enrolled at, not for another.
      else if (record.officeCode !== device.officeCode) rejected.set(record.id, 'office_mismatch');
      else candidates.push({ record, canonical });
    }
    // 2. Ids already held (a resend after a lost answer): read first, so their payloads are never parsed again.
    const held = new Map<string, string>();
    const readHeld = async (ids: readonly string[]) => {
      if (ids.length === 0) return;
      for (const row of await tx.query<{ id: string; content_hash: string }>(SELECT_HELD, [arrayLiteral(ids)], PREPARED)) held.set(row.id.toLowerCase(), row.content_hash);
    };
    await readHeld(candidates.map((c) => c.record.id));
    // 3. Insert the rest (the first of a repeated id) in one statement; an id a concurrent batch inserted meanwhile
    // comes back missing from RETURNING: under READ COMMITTED ON CONFLICT waited for that transaction, so reading
    // it again now sees its committed row.
    const inserted = new Set<string>();
    const fresh = new Map<string, Candidate>();
    for (const c of candidates) {
      const key = c.record.id.toLowerCase();
      if (!held.has(key) && !fresh.has(key)) fresh.set(key, c);
    }
    if (fresh.size > 0) {
      const rows = await tx.query<{ id: string }>(INSERT_REGISTRATIONS, registrationArrays(device, batch.batchId, [...fresh.values()]), PREPARED);
      for (const row of rows) inserted.add(row.id.toLowerCase());
      await readHeld([...fresh.values()].filter((c) => !inserted.has(c.record.id.toLowerCase())).map((c) => c.record.id));
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
      const storedHash = held.get(key) ?? (storedNow.has(key) ? (fresh.get(key)?.record.contentHash ?? null) : null);
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
      PREPARED,
    );
    // 6. The person index (persons/linking.ts): same document → same person, in this transaction. Last: it takes the
    // person index lock, held until commit, which serialises concurrent batches; nothing else waits under it.
    await linkPersons(tx, { deviceId: device.deviceId, batchId: batch.batchId, records: batch.records, response });
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
