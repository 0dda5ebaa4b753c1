/**
 * GET  /api/v1/reference?since=N&limit=L — the reference change feed for one signed device
 *      (protocol/src/reference-feed.ts), gzip when the client accepts it.
 * POST /api/v1/admin/reference/:table — upserts and deletes of reference rows, for an admin session
 *      or the admin bearer token (access 'admin-or-token', checked by auth/access.ts).
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../db/db.ts';
import type { DeviceDirectory, EnrolledDevice } from '../devices/device-directory.ts';
import { ErrorResponseSchema } from '@lmc/protocol/batch-schema.ts';
import { applyReferenceEdits } from '../reference/admin.ts';
import { CentralErrors, centralError } from '../errors.ts';
import { deviceScopes, readReferencePage } from '../reference/feed.ts';
import { DEFAULT_PAGE_LIMIT, HEADER_SIGNATURE, MAX_PAGE_LIMIT, REFERENCE_ADMIN_PATH, REFERENCE_PATH } from '@lmc/protocol/reference-feed.ts';
import { HEADER_CENTRAL_SIGNATURE, signAnswer } from '@lmc/protocol/batch-envelope.ts';
import { type CentralKey, lazyCentralKey } from '../enrolment/central-key.ts';
import { authenticateDeviceRequest, DEFAULT_MAX_SKEW_MS } from '../reference/request-auth.ts';
import { REFERENCE_TABLE_NAMES } from '@lmc/protocol/reference-tables.ts';

const gzipAsync = promisify(gzip);

export interface ReferenceRoutesOptions {
  db: Db;
  devices: DeviceDirectory;
  /**
   * Bearer token for the admin route: read by build() (at least 32 characters, auth/admin-token.ts)
   * and checked by the access hook, not here. Kept for callers that pass it with the reference options.
   */
  adminToken?: string | undefined;
  maxSkewMs?: number;
  /** Largest page the central serves, whatever the client asks. */
  maxPageLimit?: number;
  /** Clock (ms) for the skew check; injectable for tests. */
  now?: () => number;
  /** Signs every page (x-central-signature, bound to the request's own signature); default from the environment. */
  centralKey?: () => CentralKey;
}

export const referenceRoutes: FastifyPluginAsyncTypebox<ReferenceRoutesOptions> = async (app, opts) => {
  const { db, devices } = opts;
  const now = opts.now ?? Date.now;
  const centralKey = opts.centralKey ?? lazyCentralKey(undefined);
  const maxSkewMs = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const maxLimit = Math.min(opts.maxPageLimit ?? MAX_PAGE_LIMIT, MAX_PAGE_LIMIT);
  app.decorateRequest('referenceDevice', null);

  app.get(
    REFERENCE_PATH,
    {
      config: { centralAccess: 'device' },
      schema: {
        querystring: Type.Object(
          {
            since: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
            limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT }),
          },
          { additionalProperties: false },
        ),
        // The page is serialised and gzipped here (a Buffer skips Fastify's serialiser).
        response: { 200: Type.Unknown({ description: 'ReferencePage (reference/protocol.ts)' }), '4xx': ErrorResponseSchema },
      },
      // Before validation: an unauthenticated caller gets 401, not a lesson in our query schema.
      onRequest: async (request) => {
        request.referenceDevice = await authenticateDeviceRequest(request, { devices, path: REFERENCE_PATH, maxSkewMs, now });
      },
    },
    async (request, reply) => {
      const device = request.referenceDevice;
      if (!device) throw centralError(CentralErrors.REFERENCE_CLOCK_SKEW.code, 'Request was not authenticated');
      const scopes = await deviceScopes(db, device.officeCode);
      const page = await readReferencePage(db, { since: request.query.since, limit: Math.min(request.query.limit, maxLimit), scopes });
      request.log.debug({ deviceId: device.deviceId, from: page.fromVersion, to: page.toVersion, changes: page.changes.length }, 'reference page');
      const json = Buffer.from(JSON.stringify(page), 'utf8');
      void reply.header('content-type', 'application/json; charset=utf-8').header('vary', 'accept-encoding').header('cache-control', 'no-store');
      const accepts = String(request.headers['accept-encoding'] ?? '');
      const gzipped = /\bgzip\b/i.test(accepts);
      const body = gzipped ? await gzipAsync(json) : json;
      if (gzipped) void reply.header('content-encoding', 'gzip');
      // The page as sent (compressed or not), bound to the signed request it answers.
      const binding = { purpose: 'reference-page' as const, deviceId: device.deviceId, requestTag: String(request.headers[HEADER_SIGNATURE] ?? ''), batchId: '', contentSha256: '' };
      return reply.header(HEADER_CENTRAL_SIGNATURE, signAnswer(binding, 200, body, centralKey().privateKey)).send(body);
    },
  );

  app.post(
    `${REFERENCE_ADMIN_PATH}/:table`,
    {
      config: { centralAccess: 'admin-or-token' },
      schema: {
        params: Type.Object({ table: Type.String({ maxLength: 64 }) }),
        body: Type.Object(
          {
            upsert: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
            delete: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }))),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ table: Type.String(), upserted: Type.Integer(), unchanged: Type.Integer(), deleted: Type.Integer(), version: Type.Integer() }),
          '4xx': ErrorResponseSchema,
        },
      },
    },
    async (request) => {
      const { table } = request.params;
      if (!(REFERENCE_TABLE_NAMES as readonly string[]).includes(table)) {
        throw centralError(CentralErrors.REFERENCE_TABLE_UNKNOWN.code, `No reference table '${table}'`, { table });
      }
      // CSCA rows come from a parsed, checked certificate only (POST /api/v1/admin/csca).
      if (table === 'csca_certificates') throw centralError('CSCA_EDIT_REFUSED', 'CSCA certificates are changed through /api/v1/admin/csca', { table });
      const result = await applyReferenceEdits(db, table, request.body);
      request.log.info({ ...result }, 'reference data changed');
      return result;
    },
  );
};

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the reference feed's onRequest hook once the signed request verified. */
    referenceDevice: EnrolledDevice | null;
  }
}
