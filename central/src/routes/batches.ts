/**
 * POST /api/v1/batches — the receiving end of protocol/batch.ts — and GET …/rejections for auditors.
 *
 * Checks run cheapest and least-trusting first, before the body is read where they can: media type
 * and encoding (415), declared length (413), device and signature headers present (401 AUTH_MISSING)
 * and well-formed (401 DEVICE_AUTH_FAILED), the device looked up. Then the body: an unknown device's
 * body is drained through SHA-512 without being kept and refused with the same 401
 * DEVICE_AUTH_FAILED as a bad signature, after about the same work (answering before the body would
 * tell an outsider, by the timing, which device ids are enrolled). A known device's body is read up
 * to bodyLimit (413), its signature over the compressed bytes checked (401 DEVICE_AUTH_FAILED),
 * then decompression with an output cap (413, a gzip bomb stops at the cap), JSON (400), record
 * count (413), schema (400), and only then the database.
 *
 * The signature covers the body, so it cannot be checked before the body is buffered; doing that
 * would need a protocol change (a signed digest header, checked against the body as it streams).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Db } from '../db/db.ts';
import type { DeviceDirectory, EnrolledDevice } from '../devices/device-directory.ts';
import { type DeviceAuthFailure, decoyVerify, deviceAuthFailed, refusalReason } from '../devices/device-auth.ts';
import { CentralErrorCodes, centralError, toHttpError } from '../errors.ts';
import { ingestBatch } from '../ingest/ingest.ts';
import { BATCH_PATH, HEADER_DEVICE_ID, HEADER_SIGNATURE, verifyBatchSignature } from '@lmc/protocol/batch.ts';
import { blobRefs, CONTENT_TYPE_BINARY_BATCH, decodeFrame, FrameError, type DecodedFrame } from '@lmc/protocol/batch-frame.ts';
import type { RejectionLog } from '../ingest/rejection-log.ts';
import type { CentralKey } from '../enrolment/central-key.ts';
import {
  ATTEMPT_AT_SHAPE,
  type AttemptFields,
  HEADER_ATTEMPT_AT,
  HEADER_ATTEMPT_SIGNATURE,
  HEADER_BATCH_ID,
  HEADER_CENTRAL_SIGNATURE,
  HEADER_CONTENT_SHA256,
  HEADER_NONCE,
  NONCE_SHAPE,
  SHA256_SHAPE,
  SIGNATURE_SHAPE,
  sha256Hex,
  signAnswer,
  verifyAttempt,
} from '@lmc/protocol/batch-envelope.ts';
import { BatchResponseSchema, BatchSchema, ErrorResponseSchema } from '@lmc/protocol/batch-schema.ts';

const gunzipAsync = promisify(gunzip);
const GUNZIP_CHUNK_BYTES = 1024 * 1024;

export interface BatchLimits {
  /** Largest compressed body accepted. */
  maxBodyBytes: number;
  /** Largest decompressed body accepted (guards against gzip bombs). */
  maxDecompressedBytes: number;
  maxRecordsPerBatch: number;
}

export const DEFAULT_LIMITS: BatchLimits = {
  maxBodyBytes: 5 * 1024 * 1024,
  maxDecompressedBytes: 50 * 1024 * 1024,
  maxRecordsPerBatch: 500,
};

export interface BatchRoutesOptions {
  db: Db;
  devices: DeviceDirectory;
  limits: BatchLimits;
  rejections: RejectionLog;
  /** The central's signing key (answers are signed with it; the appliance pinned its public half at enrolment). */
  centralKey: () => CentralKey;
  /** Attempts whose x-attempt-at is further than this from the central's clock are refused (replay window). */
  attemptWindowMs: number;
  /** Clock (ms) for the window; injectable for tests. */
  now?: () => number;
}

/** Header shapes the protocol can produce: a printable device id, a base64 64-byte Ed25519 signature. */
const DEVICE_ID_SHAPE = /^[\x21-\x7e]{1,128}$/;
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the batch route's onRequest hook once x-device-id names an enrolled device. */
    batchDevice: EnrolledDevice | null;
    /** x-device-id was well-formed but names no enrolled device (or its envelope does not verify): the body is drained, then refused. */
    batchDeviceUnknown: boolean;
    /** The reason kept for auditors when batchDeviceUnknown. */
    batchRefusal: DeviceAuthFailure | null;
    batchBodyBytes: number;
    /** When the attempt arrived (the route's clock): the fleet's last batch time and clock drift. */
    batchReceivedAt: Date | null;
    /** Blobs of a binary-frame batch (sha256 already checked); empty for the gzip JSON form. */
    batchBlobs: DecodedFrame['blobs'];
    /** Error code of a refused batch, for the rejection counter (onError → onResponse). */
    batchRejectCode: string | null;
    /** The attempt envelope, once its signature verified (batch-envelope.ts). */
    batchAttempt: AttemptFields | null;
    /** The body matched the signed envelope: answers to this request are signed by the central. */
    batchBodyAuthenticated: boolean;
    /** The decompressed JSON text holds the escape `\u0000`, so a string in it may hold U+0000 (checked after parsing). */
    batchMayHoldNul: boolean;
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export const batchRoutes: FastifyPluginAsyncTypebox<BatchRoutesOptions> = async (app, opts) => {
  const { db, devices, limits, rejections } = opts;
  const now = opts.now ?? Date.now;
  app.decorateRequest('batchAttempt', null);
  app.decorateRequest('batchBodyAuthenticated', false);
  app.decorateRequest('batchDevice', null);
  app.decorateRequest('batchDeviceUnknown', false);
  app.decorateRequest('batchRefusal', null);
  app.decorateRequest('batchBodyBytes', 0);
  app.decorateRequest('batchReceivedAt', null);
  app.decorateRequest('batchBlobs', null as unknown as DecodedFrame['blobs']);
  app.decorateRequest('batchRejectCode', null);
  app.decorateRequest('batchMayHoldNul', false);

  // Every refused batch is counted (bad signature, tampered body, unknown device …): an operator sees
  // an attack or a misconfigured post in GET /api/v1/batches/rejections, not only in the logs.
  app.addHook('onError', async (request, _reply, err) => {
    request.batchRejectCode = refusalReason(err, toHttpError(err).code);
  });
  // Every answer to an authenticated attempt is signed and bound to it (nonce, batch id, body hash):
  // an on-path forger cannot acknowledge, refuse or replay an answer. Answers given before the body
  // was authenticated (401, 415, an oversized body) stay unsigned: the appliance treats them as a
  // link failure and never quarantines or marks anything on their word.
  app.addHook('onSend', async (request, reply, payload) => {
    const attempt = request.batchAttempt;
    if (!request.batchBodyAuthenticated || !attempt || request.routeOptions.url !== BATCH_PATH) return payload;
    const bytes = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : undefined;
    if (bytes === undefined) return payload;
    const binding = { purpose: 'batch' as const, deviceId: attempt.deviceId, requestTag: attempt.nonce, batchId: attempt.batchId, contentSha256: attempt.contentSha256 };
    void reply.header(HEADER_CENTRAL_SIGNATURE, signAnswer(binding, reply.statusCode, bytes, opts.centralKey().privateKey));
    return payload;
  });
  // onSend, not onResponse: counted before the answer leaves, so a client that reads the counter next sees it.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode < 400 || reply.statusCode >= 500 || request.routeOptions.url !== BATCH_PATH) return payload;
    try {
      await rejections.record({
        deviceId: headerValue(request.headers[HEADER_DEVICE_ID]) ?? null,
        code: request.batchRejectCode ?? `HTTP_${reply.statusCode}`,
        status: reply.statusCode,
        client: request.ip,
      });
    } catch (err) {
      request.log.warn({ code: (err as { code?: string }).code }, 'could not count a rejected batch');
    }
    return payload;
  });

  /** Signature over the exact body bytes, before any decompression or parsing. */
  const authenticate = (request: FastifyRequest, body: Buffer) => {
    const device = request.batchDevice;
    const signature = headerValue(request.headers[HEADER_SIGNATURE]) ?? '';
    if (!device || !verifyBatchSignature(body, signature, device.publicKey)) {
      throw deviceAuthFailed(CentralErrorCodes.SignatureInvalid, device?.deviceId);
    }
    // The envelope's hash must name these bytes: a signed envelope cannot carry another body.
    if (!request.batchAttempt || sha256Hex(body) !== request.batchAttempt.contentSha256) {
      throw deviceAuthFailed(CentralErrorCodes.SignatureInvalid, device.deviceId);
    }
    request.batchBodyAuthenticated = true;
    request.batchBodyBytes = body.length;
  };

  // Only our parsers in this plugin's context: signed bytes in, verified and parsed JSON out.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes }, async (request: FastifyRequest, body: Buffer) => {
    authenticate(request, body);
    request.batchBlobs = [];
    return parseGzipJson(request, body);
  });
  app.addContentTypeParser(CONTENT_TYPE_BINARY_BATCH, { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes }, async (request: FastifyRequest, body: Buffer) => {
    authenticate(request, body);
    let frame: DecodedFrame;
    try {
      frame = decodeFrame(body);
    } catch (err) {
      if (err instanceof FrameError) throw centralError(CentralErrorCodes.BatchCorrupt, `Binary batch frame: ${err.message}`, { reason: err.reason });
      throw err;
    }
    request.batchBlobs = frame.blobs;
    return parseGzipJson(request, frame.gzipJson);
  });

  async function parseGzipJson(request: FastifyRequest, body: Buffer): Promise<unknown> {
    let json: Buffer;
    try {
      // Large output chunks: a batch of 200 real records inflates to ~0.8 MB, which zlib's default 16 KB chunks
      // deliver in ~50 callbacks and a concatenation (issue 13 point 7).
      json = await gunzipAsync(body, { maxOutputLength: limits.maxDecompressedBytes, chunkSize: GUNZIP_CHUNK_BYTES });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw centralError(CentralErrorCodes.BatchTooLarge, `Decompressed body exceeds ${limits.maxDecompressedBytes} bytes`);
      }
      throw centralError(CentralErrorCodes.BatchCorrupt, 'Body is not valid gzip data');
    }
    try {
      const text = json.toString('utf8');
      // JSON text carries U+0000 only as the escape \u0000 (a raw control character is not JSON): without one, no
      // string of the batch can hold it, and the walk over every payload (holdsNul) is skipped.
      request.batchMayHoldNul = text.includes('\\u0000');
      return JSON.parse(text) as unknown;
    } catch {
      throw centralError(CentralErrorCodes.BatchCorrupt, 'Decompressed body is not valid JSON');
    }
  }

  /**
   * The attempt envelope's headers: present and well-formed, checked before the device is looked up
   * (the answer must not depend on whether the device id is enrolled).
   */
  function attemptOf(request: FastifyRequest, deviceId: string): { attempt: AttemptFields; signature: string } {
    const h = (name: string) => headerValue(request.headers[name]) ?? '';
    const [batchId, contentSha256, at, nonce, signature] = [HEADER_BATCH_ID, HEADER_CONTENT_SHA256, HEADER_ATTEMPT_AT, HEADER_NONCE, HEADER_ATTEMPT_SIGNATURE].map(h) as [
      string,
      string,
      string,
      string,
      string,
    ];
    if (!batchId || !contentSha256 || !at || !nonce || !signature) {
      throw centralError(
        CentralErrorCodes.AuthMissing,
        `${HEADER_BATCH_ID}, ${HEADER_CONTENT_SHA256}, ${HEADER_ATTEMPT_AT}, ${HEADER_NONCE} and ${HEADER_ATTEMPT_SIGNATURE} headers are required`,
      );
    }
    const wellFormed = UUID_SHAPE.test(batchId) && SHA256_SHAPE.test(contentSha256) && ATTEMPT_AT_SHAPE.test(at) && NONCE_SHAPE.test(nonce) && SIGNATURE_SHAPE.test(signature);
    if (!wellFormed) throw deviceAuthFailed(CentralErrorCodes.SignatureInvalid);
    return { attempt: { deviceId, batchId, contentSha256, attemptAt: Number(at), nonce }, signature };
  }

  /** Within the window of the central's clock; 401 BATCH_ATTEMPT_STALE otherwise (the Date header tells the appliance the time). */
  function checkWindow(attempt: AttemptFields): void {
    const skew = attempt.attemptAt - now();
    if (Math.abs(skew) > opts.attemptWindowMs) {
      throw centralError(
        CentralErrorCodes.BatchAttemptStale,
        `Attempt time is ${Math.round(skew / 1000)} s off the central clock (allowed ±${opts.attemptWindowMs / 1000} s); see the Date header`,
        { deviceId: attempt.deviceId },
      );
    }
  }

  app.get(
    `${BATCH_PATH}/rejections`,
    {
      config: { centralAccess: 'auditor' },
      schema: {
        response: {
          200: Type.Object({
            total: Type.Integer(),
            byCode: Type.Array(Type.Object({ code: Type.String(), status: Type.Integer(), count: Type.Integer(), lastAt: Type.String() })),
          }),
        },
      },
    },
    async () => rejections.counts(),
  );

  app.post(
    BATCH_PATH,
    {
      config: { centralAccess: 'device' },
      bodyLimit: limits.maxBodyBytes,
      schema: {
        headers: Type.Object({
          [HEADER_DEVICE_ID]: Type.String({ minLength: 1 }),
          [HEADER_SIGNATURE]: Type.String({ minLength: 1, description: 'base64 Ed25519 by the device key over the body' }),
          [HEADER_BATCH_ID]: Type.String({ format: 'uuid', description: "the body's batchId" }),
          [HEADER_CONTENT_SHA256]: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'hex SHA-256 of the body' }),
          [HEADER_ATTEMPT_AT]: Type.String({ pattern: '^[0-9]{1,16}$', description: 'ms since the epoch; within the attempt window' }),
          [HEADER_NONCE]: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$', description: '16 random bytes, base64url; never reused' }),
          [HEADER_ATTEMPT_SIGNATURE]: Type.String({ description: 'base64 Ed25519 over the attempt envelope (protocol/src/batch-envelope.ts)' }),
        }),
        body: BatchSchema,
        response: { 200: BatchResponseSchema, '4xx': ErrorResponseSchema },
      },
      onRequest: async (request) => {
        request.batchReceivedAt = new Date(now());
        const contentType = (headerValue(request.headers['content-type']) ?? '').split(';')[0]?.trim().toLowerCase();
        const encoding = headerValue(request.headers['content-encoding'])?.trim().toLowerCase();
        if (contentType === CONTENT_TYPE_BINARY_BATCH) {
          // The frame compresses its JSON part itself; sealed blobs are ciphertext and would not shrink.
          if (encoding !== undefined && encoding !== 'identity') {
            throw centralError(CentralErrorCodes.BatchUnsupportedMediaType, `${CONTENT_TYPE_BINARY_BATCH} is sent without content-encoding`);
          }
        } else if (contentType !== 'application/json') {
          throw centralError(CentralErrorCodes.BatchUnsupportedMediaType, `content-type must be application/json (gzip-encoded) or ${CONTENT_TYPE_BINARY_BATCH}`);
        } else if (encoding !== 'gzip') {
          throw centralError(CentralErrorCodes.BatchNotGzip, 'content-encoding must be gzip');
        }
        const declared = Number(headerValue(request.headers['content-length']));
        if (Number.isFinite(declared) && declared > limits.maxBodyBytes) {
          throw centralError(CentralErrorCodes.BatchTooLarge, `Body exceeds ${limits.maxBodyBytes} bytes`);
        }
        const deviceId = headerValue(request.headers[HEADER_DEVICE_ID]);
        const signature = headerValue(request.headers[HEADER_SIGNATURE]);
        if (!deviceId || !signature) {
          throw centralError(CentralErrorCodes.AuthMissing, `${HEADER_DEVICE_ID} and ${HEADER_SIGNATURE} headers are required`);
        }
        // No lookup for headers no appliance could send; the answer says nothing about enrolment.
        if (!DEVICE_ID_SHAPE.test(deviceId) || !SIGNATURE_SHAPE.test(signature)) throw deviceAuthFailed(CentralErrorCodes.SignatureInvalid);
        const { attempt, signature: attemptSignature } = attemptOf(request, deviceId);
        const device = await devices.find(deviceId);
        // A known device whose envelope does not verify is refused exactly as an unknown one (after the body).
        if (!device || !verifyAttempt(attempt, attemptSignature, device.publicKey)) {
          request.batchDeviceUnknown = true;
          request.batchRefusal = device ? CentralErrorCodes.SignatureInvalid : CentralErrorCodes.DeviceUnknown;
          return;
        }
        checkWindow(attempt);
        request.batchDevice = device;
        request.batchAttempt = attempt;
      },
      preParsing: async (request, _reply, payload) => {
        if (!request.batchDeviceUnknown) return payload;
        await drainLikeVerification(payload, limits.maxBodyBytes);
        throw deviceAuthFailed(request.batchRefusal ?? CentralErrorCodes.DeviceUnknown, headerValue(request.headers[HEADER_DEVICE_ID]));
      },
      preValidation: async (request) => {
        const records = (request.body as { records?: unknown } | undefined)?.records;
        if (Array.isArray(records) && records.length > limits.maxRecordsPerBatch) {
          throw centralError(
            CentralErrorCodes.BatchTooManyRecords,
            `Batch has ${records.length} records; at most ${limits.maxRecordsPerBatch} are accepted`,
          );
        }
      },
    },
    async (request) => {
      const device = request.batchDevice;
      if (!device) throw deviceAuthFailed(CentralErrorCodes.SignatureInvalid);
      const batch = request.body;
      const attempt = request.batchAttempt;
      if (!attempt) throw deviceAuthFailed(CentralErrorCodes.SignatureInvalid);
      if (batch.batchId !== attempt.batchId) {
        throw centralError(CentralErrorCodes.BatchInvalid, `Body batchId does not match the ${HEADER_BATCH_ID} header`);
      }
      if (batch.deviceId !== device.deviceId) {
        throw centralError(CentralErrorCodes.BatchDeviceMismatch, `Body deviceId does not match the ${HEADER_DEVICE_ID} header`, {
          deviceId: device.deviceId,
        });
      }
      // PostgreSQL's jsonb cannot hold U+0000: refused here as bad data (400, the appliance isolates and quarantines
      // the record), not left to fail the insert as a 500 the appliance would retry for ever.
      const withNul = request.batchMayHoldNul ? batch.records.find((r) => holdsNul(r.payload)) : undefined;
      if (withNul) throw centralError(CentralErrorCodes.BatchInvalid, `Record ${withNul.id} holds a NUL character (U+0000), which cannot be stored`);
      // Every blob must belong to a record of this batch: nothing unattributable is stored.
      const blobs = request.batchBlobs ?? [];
      if (blobs.length > 0) {
        const owner = new Map<string, string>();
        for (const r of batch.records) for (const ref of blobRefs(r.payload)) owner.set(ref.blobId, r.id);
        const stray = blobs.find((b) => !owner.has(b.blobId));
        if (stray) throw centralError(CentralErrorCodes.BatchInvalid, `Blob ${stray.blobId} is not referenced by any record of the batch`);
      }
      return ingestBatch(
        db,
        {
          device,
          batch,
          bodyBytes: request.batchBodyBytes,
          blobs,
          attempt: { nonce: attempt.nonce, at: new Date(attempt.attemptAt), keepMs: 2 * opts.attemptWindowMs },
          receivedAt: request.batchReceivedAt ?? new Date(now()),
        },
        request.log,
      );
    },
  );
};

/** True when any string (value or member name) in a parsed JSON value holds U+0000. */
export function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(holdsNul);
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || holdsNul(v));
}

/**
 * Reads and discards a body, hashing it as an Ed25519 verification would (SHA-512 over the message,
 * RFC 8032 §5.1.7) plus one decoy verification, so an unknown device costs the sender the same wait as
 * a known one with a bad signature, and costs us no memory. Over the limit: 413, as for a known device.
 */
async function drainLikeVerification(payload: Readable, maxBytes: number): Promise<void> {
  const hash = createHash('sha512');
  let total = 0;
  for await (const chunk of payload) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > maxBytes) {
      payload.destroy();
      throw centralError(CentralErrorCodes.BatchTooLarge, `Body exceeds ${maxBytes} bytes`);
    }
    hash.update(buf);
  }
  decoyVerify(hash.digest());
}
