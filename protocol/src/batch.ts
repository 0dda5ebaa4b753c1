/**
 * Batch protocol between an appliance's relay and the central receiver. Pure (node:crypto and
 * node:zlib only, no I/O) so the relay imports the same implementation the receiver verifies with.
 *
 * Wire form: `POST /api/v1/batches`, body = gzip(JSON batch), `content-encoding: gzip`,
 * (or, when records carry binary blobs, the binary frame of batch-frame.ts: gzip JSON + raw blobs,
 * `content-type: application/vnd.zlmc.batch+binary`, signed the same way over the whole body),
 * `content-type: application/json`, `x-device-id`, and `x-signature` = base64 Ed25519
 * signature (RFC 8032, pure Ed25519, no prehash) over the exact compressed body bytes. Signing the
 * compressed bytes means the receiver authenticates before it spends any work decompressing.
 *
 * The response tells the relay what to mark sent: a record id in `stored` or `duplicates` is safe
 * at the centre; an id in `conflicts` is not and stays queued for a person to look at.
 */
import { createHash, createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { canonicalJson } from '@lmc/core/canonical-json.ts';
import { attemptHeaders, verifySignature } from './batch-envelope.ts';
import { CONTENT_TYPE_BINARY_BATCH, encodeFrame, type FrameBlob, sha256Hex } from './batch-frame.ts';

export const BATCH_PATH = '/api/v1/batches';
export const EVENT_REGISTRATION_FINALIZED = 'registration.finalized';
export const HEADER_DEVICE_ID = 'x-device-id';
export const HEADER_SIGNATURE = 'x-signature';

/**
 * Registration fields the centre extracts for statistics. Everything else in the payload is kept
 * opaque (jsonb) and covered by the content hash.
 */
export interface RegistrationPayload {
  /** ICAO 9303 sex: M, F or X (absent when unknown; anything else is counted as unknown). */
  sex?: string;
  /** ISO 8601 date YYYY-MM-DD; absent when the document gives only part of it. */
  birthDate?: string;
  /** ICAO 9303 three-letter nationality code. */
  nationality?: string;
  districtOfOrigin?: string;
  /** ISCO-08 code, 1 to 4 digits. */
  occupationIsco?: string;
  destinationProvince?: string;
  employerId?: string;
  /** Has this person migrated for work before (a returning migrant)? */
  returning?: boolean;
  [field: string]: unknown;
}

export interface BatchRecord {
  /** Registration uuid, assigned by the appliance; the idempotency key at the centre. */
  id: string;
  eventType: typeof EVENT_REGISTRATION_FINALIZED;
  officeCode: string;
  /** ISO 8601 date-time with offset. */
  finalizedAt: string;
  payload: RegistrationPayload;
  /** sha256 hex of canonicalJson(payload). */
  contentHash: string;
}

/**
 * The appliance's state when the batch was frozen (fleet reporting and audit anchoring). Taken at
 * freeze time: a resend of the same frozen batch carries the same (older) status, since the body
 * is signed and must stay byte-identical. Optional: older appliances do not send it.
 */
export interface ApplianceStatus {
  auditChain: {
    /** The appliance audit log's last seq (0 when empty). */
    length: number;
    /** hex hash of the audit row at `length` (the genesis hash, 64 zeros, when the log is empty). */
    headHash: string;
    /** The {length, hash} of the last acknowledged batch, the hash re-read from the audit log now ('' if that row is gone). */
    prior?: { length: number; hash: string };
  };
  backlog: {
    /** Registrations still waiting to be acknowledged by the central (including this batch's). */
    pending: number;
    /** ISO 8601 finalisation time of the oldest of them, null when none. */
    oldestUnsentAt: string | null;
  };
  softwareVersion: string;
  /** Each configured device's DeviceHost state, by device name. */
  devices: Record<string, string>;
}

export interface Batch {
  deviceId: string;
  batchId: string;
  sentAt: string;
  records: BatchRecord[];
  status?: ApplianceStatus;
}

export interface BatchConflict {
  id: string;
  reason: ConflictReason;
}

/** Why a record was not accepted; the original at the centre is never touched. */
export type ConflictReason =
  /** Same id already stored with a different content hash. */
  | 'content_differs'
  /** contentHash does not match the payload that arrived. */
  | 'content_hash_mismatch'
  /** officeCode is not the office the sending device is enrolled at. */
  | 'office_mismatch';

export interface BatchResponse {
  batchId: string;
  stored: string[];
  duplicates: string[];
  conflicts: BatchConflict[];
}

export { canonicalJson };

/** sha256 hex of the canonical JSON of a registration payload. */
export function contentHash(payload: unknown): string {
  return hashCanonical(canonicalJson(payload));
}

/** contentHash of a payload whose canonical JSON text is already at hand (the central stores that text). */
export function hashCanonical(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export type BatchRecordInput = Omit<BatchRecord, 'contentHash' | 'eventType'> & {
  /** Kept as given when present (the appliance hashes at finalisation); computed otherwise. */
  contentHash?: string;
  eventType?: typeof EVENT_REGISTRATION_FINALIZED;
};

export interface EncodeBatchOptions {
  deviceId: string;
  /** Ed25519 private key (KeyObject or PKCS#8 PEM). */
  privateKey: KeyObject | string;
  batchId?: string;
  sentAt?: Date;
  /** Opaque blobs the records reference (payload.biometrics[].blobId); any → the binary frame. */
  blobs?: readonly FrameBlob[];
  /** Time of the first attempt's envelope (default: sentAt). Each later attempt needs a new envelope (attemptHeaders). */
  attemptAt?: Date;
  /** The appliance's state at freeze time (fleet reporting, audit anchoring); omitted when absent. */
  status?: ApplianceStatus;
}

export interface EncodedBatch {
  batch: Batch;
  /** Exactly the bytes to send; the signature covers these. */
  body: Buffer;
  /** The body's headers plus a first attempt's signed envelope (batch-envelope.ts); a resend replaces the envelope. */
  headers: Record<'content-type' | typeof HEADER_DEVICE_ID | typeof HEADER_SIGNATURE, string> & { 'content-encoding'?: string } & Record<string, string>;
  /** Blob bytes carried in the frame (0 for the plain gzip JSON form). */
  blobBytes: number;
  /** hex SHA-256 of body: what each attempt's signed envelope (batch-envelope.ts) binds to. */
  contentSha256: string;
}

export function encodeBatch(records: readonly BatchRecordInput[], options: EncodeBatchOptions): EncodedBatch {
  const batch: Batch = {
    deviceId: options.deviceId,
    batchId: options.batchId ?? randomUUID(),
    sentAt: (options.sentAt ?? new Date()).toISOString(),
    records: records.map((r) => {
      // The payload goes out with its keys in canonical order (the parse of its canonical text): the central then
      // gets its canonical text from JSON.stringify (core canonicalJsonOfParsed) instead of re-sorting every object.
      const canonical = canonicalJson(r.payload);
      return {
        id: r.id,
        eventType: EVENT_REGISTRATION_FINALIZED,
        officeCode: r.officeCode,
        finalizedAt: r.finalizedAt,
        payload: JSON.parse(canonical) as RegistrationPayload,
        contentHash: r.contentHash ?? hashCanonical(canonical),
      };
    }),
    ...(options.status ? { status: options.status } : {}),
  };
  const gzipJson = gzipSync(Buffer.from(JSON.stringify(batch), 'utf8'));
  const blobs = options.blobs ?? [];
  const body = blobs.length > 0 ? encodeFrame(gzipJson, blobs) : gzipJson;
  const contentSha256 = sha256Hex(body);
  const attemptAt = (options.attemptAt ?? new Date(batch.sentAt)).getTime();
  const envelope = attemptHeaders({ deviceId: options.deviceId, batchId: batch.batchId, contentSha256, attemptAt }, options.privateKey);
  const media: Record<string, string> = blobs.length > 0 ? { 'content-type': CONTENT_TYPE_BINARY_BATCH } : { 'content-type': 'application/json', 'content-encoding': 'gzip' };
  return {
    batch,
    body,
    contentSha256,
    blobBytes: blobs.reduce((n, b) => n + b.data.length, 0),
    headers: {
      ...media,
      'content-type': media['content-type'] as string,
      [HEADER_DEVICE_ID]: options.deviceId,
      [HEADER_SIGNATURE]: signBatchBody(body, options.privateKey),
      ...envelope,
    },
  };
}

/** base64 Ed25519 signature over the compressed body. */
export function signBatchBody(body: Uint8Array, privateKey: KeyObject | string): string {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return sign(null, body, key).toString('base64');
}

/** True only for a well-formed base64 Ed25519 signature that verifies; never throws on bad input. */
export function verifyBatchSignature(body: Uint8Array, signatureBase64: string, publicKey: KeyObject | string): boolean {
  return verifySignature(body, signatureBase64, publicKey);
}
