/**
 * POST /api/v1/batches — the receiving end of protocol/batch.ts.
 *
 * Checks run cheapest and least-trusting first, so an unauthenticated sender costs us a header
 * read and one key lookup: media type and encoding (415), device and signature headers (401),
 * body size (413, enforced by Fastify's bodyLimit while reading), signature over the compressed
 * bytes (401), then decompression with an output cap (413, a gzip bomb stops at the cap), JSON
 * (400), record count (413), schema (400), and only then the database.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Db } from '../db/db.ts';
import type { DeviceDirectory, EnrolledDevice } from '../devices/device-directory.ts';
import { CentralErrorCodes, centralError, toHttpError } from '../errors.ts';
import { ingestBatch } from '../ingest/ingest.ts';
import { BATCH_PATH, HEADER_DEVICE_ID, HEADER_SIGNATURE, verifyBatchSignature } from '../protocol/batch.ts';
import { blobRefs, CONTENT_TYPE_BINARY_BATCH, decodeFrame, FrameError, type DecodedFrame } from '../protocol/batch-frame.ts';
import { countRejection, rejectionCounts } from '../ingest/rejections.ts';
import { BatchResponseSchema, BatchSchema, ErrorResponseSchema } from '../protocol/batch-schema.ts';

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
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the batch route's onRequest hook once x-device-id names an enrolled device. */
    batchDevice: EnrolledDevice | null;
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
  const { db, devices, limits } = opts;
  app.decorateRequest('batchDevice', null);
  app.decorateRequest('batchBodyBytes', 0);
  app.decorateRequest('batchBlobs', null as unknown as DecodedFrame['blobs']);
  app.decorateRequest('batchRejectCode', null);

  // Every refused batch is counted (bad signature, tampered body, unknown device …): an operator sees
  // an attack or a misconfigured post in GET /api/v1/batches/rejections, not only in the logs.
  app.addHook('onError', async (request, _reply, err) => {
    request.batchRejectCode = toHttpError(err).code;
  });
  // onSend, not onResponse: counted before the answer leaves, so a client that reads the counter next sees it.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode < 400 || reply.statusCode >= 500 || request.routeOptions.url !== BATCH_PATH) return payload;
    try {
      await countRejection(db, {
        deviceId: headerValue(request.headers[HEADER_DEVICE_ID]) ?? null,
        code: request.batchRejectCode ?? `HTTP_${reply.statusCode}`,
        status: reply.statusCode,
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
      throw centralError(CentralErrorCodes.SignatureInvalid, 'Signature does not verify over the request body', {
        deviceId: device?.deviceId,
      });
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
      schema: {
        response: {
          200: Type.Object({
            total: Type.Integer(),
            byCode: Type.Array(Type.Object({ code: Type.String(), status: Type.Integer(), count: Type.Integer(), lastAt: Type.String() })),
          }),
        },
      },
    },
    async () => rejectionCounts(db),
  );

  app.post(
    BATCH_PATH,
    {
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
        if (!deviceId || !headerValue(request.headers[HEADER_SIGNATURE])) {
          throw centralError(CentralErrorCodes.AuthMissing, `${HEADER_DEVICE_ID} and ${HEADER_SIGNATURE} headers are required`);
        }
        const device = await devices.find(deviceId);
        if (!device) {
          throw centralError(CentralErrorCodes.DeviceUnknown, 'Device is not enrolled', { deviceId });
        }
        request.batchDevice = device;
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
      if (!device) throw centralError(CentralErrorCodes.SignatureInvalid, 'Request was not authenticated');
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
