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
import { decoyVerify, deviceAuthFailed, refusalReason } from '../devices/device-auth.ts';
import { CentralErrorCodes, centralError, toHttpError } from '../errors.ts';
import { ingestBatch } from '../ingest/ingest.ts';
import { BATCH_PATH, HEADER_DEVICE_ID, HEADER_SIGNATURE, verifyBatchSignature } from '@lmc/protocol/batch.ts';
import { blobRefs, CONTENT_TYPE_BINARY_BATCH, decodeFrame, FrameError, type DecodedFrame } from '@lmc/protocol/batch-frame.ts';
import type { RejectionLog } from '../ingest/rejection-log.ts';
import { BatchResponseSchema, BatchSchema, ErrorResponseSchema } from '@lmc/protocol/batch-schema.ts';

const gunzipAsync = promisify(gunzip);

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
}

/** Header shapes the protocol can produce: a printable device id, a base64 64-byte Ed25519 signature. */
const DEVICE_ID_SHAPE = /^[\x21-\x7e]{1,128}$/;
const SIGNATURE_SHAPE = /^[A-Za-z0-9+/]{86}==$/;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the batch route's onRequest hook once x-device-id names an enrolled device. */
    batchDevice: EnrolledDevice | null;
    /** x-device-id was well-formed but names no enrolled device: the body is drained, then refused. */
    batchDeviceUnknown: boolean;
    batchBodyBytes: number;
    /** Blobs of a binary-frame batch (sha256 already checked); empty for the gzip JSON form. */
    batchBlobs: DecodedFrame['blobs'];
    /** Error code of a refused batch, for the rejection counter (onError → onResponse). */
    batchRejectCode: string | null;
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export const batchRoutes: FastifyPluginAsyncTypebox<BatchRoutesOptions> = async (app, opts) => {
  const { db, devices, limits, rejections } = opts;
  app.decorateRequest('batchDevice', null);
  app.decorateRequest('batchDeviceUnknown', false);
  app.decorateRequest('batchBodyBytes', 0);
  app.decorateRequest('batchBlobs', null as unknown as DecodedFrame['blobs']);
  app.decorateRequest('batchRejectCode', null);

  // Every refused batch is counted (bad signature, tampered body, unknown device …): an operator sees
  // an attack or a misconfigured post in GET /api/v1/batches/rejections, not only in the logs.
  app.addHook('onError', async (request, _reply, err) => {
    request.batchRejectCode = refusalReason(err, toHttpError(err).code);
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
    request.batchBodyBytes = body.length;
  };

  // Only our parsers in this plugin's context: signed bytes in, verified and parsed JSON out.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes }, async (request: FastifyRequest, body: Buffer) => {
    authenticate(request, body);
    request.batchBlobs = [];
    return parseGzipJson(body);
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
    return parseGzipJson(frame.gzipJson);
  });

  async function parseGzipJson(body: Buffer): Promise<unknown> {
    let json: Buffer;
    try {
      json = await gunzipAsync(body, { maxOutputLength: limits.maxDecompressedBytes });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw centralError(CentralErrorCodes.BatchTooLarge, `Decompressed body exceeds ${limits.maxDecompressedBytes} bytes`);
      }
      throw centralError(CentralErrorCodes.BatchCorrupt, 'Body is not valid gzip data');
    }
    try {
      return JSON.parse(json.toString('utf8')) as unknown;
    } catch {
      throw centralError(CentralErrorCodes.BatchCorrupt, 'Decompressed body is not valid JSON');
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
          [HEADER_SIGNATURE]: Type.String({ minLength: 1 }),
        }),
        body: BatchSchema,
        response: { 200: BatchResponseSchema, '4xx': ErrorResponseSchema },
      },
      onRequest: async (request) => {
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
        const device = await devices.find(deviceId);
        request.batchDevice = device ?? null;
        request.batchDeviceUnknown = !device;
      },
      preParsing: async (request, _reply, payload) => {
        if (!request.batchDeviceUnknown) return payload;
        await drainLikeVerification(payload, limits.maxBodyBytes);
        throw deviceAuthFailed(CentralErrorCodes.DeviceUnknown, headerValue(request.headers[HEADER_DEVICE_ID]));
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
      if (batch.deviceId !== device.deviceId) {
        throw centralError(CentralErrorCodes.BatchDeviceMismatch, `Body deviceId does not match the ${HEADER_DEVICE_ID} header`, {
          deviceId: device.deviceId,
        });
      }
      // Every blob must belong to a record of this batch: nothing unattributable is stored.
      const blobs = request.batchBlobs ?? [];
      if (blobs.length > 0) {
        const owner = new Map<string, string>();
        for (const r of batch.records) for (const ref of blobRefs(r.payload)) owner.set(ref.blobId, r.id);
        const stray = blobs.find((b) => !owner.has(b.blobId));
        if (stray) throw centralError(CentralErrorCodes.BatchInvalid, `Blob ${stray.blobId} is not referenced by any record of the batch`);
      }
      return ingestBatch(db, { device, batch, bodyBytes: request.batchBodyBytes, blobs }, request.log);
    },
  );
};

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
