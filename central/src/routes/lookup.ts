/**
 * Cross-office lookup for enrolled appliances (protocol/src/lookup.ts), access 'device': each request is signed by
 * the device like a reference pull (reference/request-auth.ts), each answer signed with the central's key and
 * bound to the request's signature (purpose 'lookup' / 'lookup-index'). Every lookup is recorded in the access
 * audit (device, person found, count), never with the keyed hash.
 *
 * GET /api/v1/lookup?k=<64 hex>              the person's earlier registrations and the latest details (LookupAnswer)
 * GET /api/v1/lookup/index?since=N&limit=L   a page of the compact offline index (LookupIndexPage), gzip if accepted
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Db } from '../db/db.ts';
import type { DeviceDirectory, EnrolledDevice } from '../devices/device-directory.ts';
import { ErrorResponseSchema } from '@lmc/protocol/batch-schema.ts';
import { type AnswerPurpose, HEADER_CENTRAL_SIGNATURE, signAnswer } from '@lmc/protocol/batch-envelope.ts';
import { HEADER_SIGNATURE } from '@lmc/protocol/reference-feed.ts';
import { DEFAULT_INDEX_PAGE_LIMIT, LOOKUP_INDEX_PATH, LOOKUP_PATH, MAX_INDEX_PAGE_LIMIT } from '@lmc/protocol/lookup.ts';
import type { CentralKey } from '../enrolment/central-key.ts';
import { authenticateDeviceRequest, DEFAULT_MAX_SKEW_MS } from '../reference/request-auth.ts';
import { recordAccess } from '../persons/access-audit.ts';
import { centralError } from '../errors.ts';
import { answerLookup, readIndexPage } from '../persons/lookup.ts';

const gzipAsync = promisify(gzip);

export interface LookupRoutesOptions {
  db: Db;
  devices: DeviceDirectory;
  centralKey: () => CentralKey;
  maxSkewMs?: number;
  now?: () => number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the lookup routes' onRequest hook once the signed request verified. */
    lookupDevice: EnrolledDevice | null;
  }
}

async function sendSigned(request: FastifyRequest, reply: FastifyReply, purpose: AnswerPurpose, device: EnrolledDevice, value: unknown, key: CentralKey) {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const gzipped = /\bgzip\b/i.test(String(request.headers['accept-encoding'] ?? '')) && json.length > 1024;
  const body = gzipped ? await gzipAsync(json) : json;
  void reply.header('content-type', 'application/json; charset=utf-8').header('vary', 'accept-encoding').header('cache-control', 'no-store');
  if (gzipped) void reply.header('content-encoding', 'gzip');
  const binding = { purpose, deviceId: device.deviceId, requestTag: String(request.headers[HEADER_SIGNATURE] ?? ''), batchId: '', contentSha256: '' };
  return reply.header(HEADER_CENTRAL_SIGNATURE, signAnswer(binding, 200, body, key.privateKey)).send(body);
}

export const lookupRoutes: FastifyPluginAsyncTypebox<LookupRoutesOptions> = async (app, opts) => {
  const { db, devices, centralKey } = opts;
  const now = opts.now ?? Date.now;
  const maxSkewMs = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  app.decorateRequest('lookupDevice', null);
  const authenticate = (path: string) => async (request: FastifyRequest) => {
    request.lookupDevice = await authenticateDeviceRequest(request, { devices, path, maxSkewMs, now });
  };
  const deviceOf = (request: FastifyRequest): EnrolledDevice => {
    if (!request.lookupDevice) throw centralError('LOOKUP_INVALID', 'Request was not authenticated');
    return request.lookupDevice;
  };

  app.get(
    LOOKUP_PATH,
    {
      config: { centralAccess: 'device' },
      schema: {
        summary: 'Cross-office lookup of a returning migrant by the keyed hash of the document key (signed device request, signed answer)',
        querystring: Type.Object({ k: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'HMAC-SHA256 of the document key under the network key' }) }, { additionalProperties: false }),
        response: { 200: Type.Unknown({ description: 'LookupAnswer (protocol/src/lookup.ts)' }), '4xx': ErrorResponseSchema },
      },
      // Before validation: an unauthenticated caller gets 401, not a lesson in our query schema.
      onRequest: authenticate(LOOKUP_PATH),
    },
    async (request, reply) => {
      const device = deviceOf(request);
      const answer = await db.transaction(async (tx) => {
        const a = await answerLookup(tx, request.query.k, new Date(now()));
        await recordAccess(tx, { actorKind: 'device', actor: device.deviceId, action: 'device.lookup', personId: a.personId, resultCount: a.total, query: { office: device.officeCode } });
        return a;
      });
      request.log.info({ deviceId: device.deviceId, found: answer.found, registrations: answer.total }, 'lookup answered');
      return sendSigned(request, reply, 'lookup', device, answer, centralKey());
    },
  );

  app.get(
    LOOKUP_INDEX_PATH,
    {
      config: { centralAccess: 'device' },
      schema: {
        summary: 'A page of the compact offline index of registered persons (keyed hashes, office and day only; signed answer)',
        querystring: Type.Object(
          {
            since: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
            limit: Type.Integer({ minimum: 1, maximum: MAX_INDEX_PAGE_LIMIT, default: DEFAULT_INDEX_PAGE_LIMIT }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Unknown({ description: 'LookupIndexPage (protocol/src/lookup.ts)' }), '4xx': ErrorResponseSchema },
      },
      onRequest: authenticate(LOOKUP_INDEX_PATH),
    },
    async (request, reply) => {
      const device = deviceOf(request);
      const page = await readIndexPage(db, request.query.since, request.query.limit, new Date(now()));
      if (request.query.since === 0 || page.count > 0) {
        await recordAccess(db, { actorKind: 'device', actor: device.deviceId, action: 'device.lookup-index', resultCount: page.count, query: { since: request.query.since } });
      }
      request.log.debug({ deviceId: device.deviceId, from: page.fromVersion, to: page.toVersion, entries: page.count }, 'lookup index page');
      return sendSigned(request, reply, 'lookup-index', device, page, centralKey());
    },
  );
};
