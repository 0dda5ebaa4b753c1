/**
 * Enrolment routes (fastify plugin, encapsulated):
 * - POST /api/v1/admin/enrolment-codes {officeCode}: a central administrator (admin session, or Bearer
 *   CENTRAL_ADMIN_TOKEN; checked by auth/access.ts) issues a one-time code, shown once, hashed at rest, expiring.
 * - POST /api/v1/enrolment: an appliance presents the code, its device id and Ed25519 public key with a
 *   proof of possession; it is bound to the code's office, and gets the office and the central's key.
 * - POST /api/v1/enrolment/decommission: the appliance, signing with its key, revokes itself.
 * - GET /api/v1/time: the central's clock, for the technicians' self-test (drift) and link check.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { isApplianceError } from '@lmc/core/errors.ts';
import type { Db } from '../db/db.ts';
import { type CentralKey, type EnrolmentSettings, enrolmentSettingsFromEnv, lazyCentralKey } from '../enrolment/central-key.ts';
import { issueEnrolmentCode } from '../enrolment/enrolment-codes.ts';
import {
  DECOMMISSION_PATH,
  DecommissionBody,
  DecommissionResponse,
  ENROLMENT_CODES_PATH,
  ENROLMENT_PATH,
  EnrolBody,
  EnrolResponse,
  IssueCodeBody,
  IssueCodeResponse,
  TIME_PATH,
  TimeResponse,
} from '@lmc/protocol/enrolment.ts';
import { decommissionDevice, enrolDevice } from '../enrolment/enrolment-service.ts';
import { HEADER_CENTRAL_SIGNATURE, signAnswer } from '@lmc/protocol/batch-envelope.ts';
import { type CentralErrorCode, CentralErrorCodes, CentralErrors, toHttpError } from '../errors.ts';

export interface EnrolmentRoutesOptions extends Partial<Omit<EnrolmentSettings, 'centralKey'>> {
  db: Db;
  /** Requests per client address per minute on redemption and decommissioning. */
  perMinute?: number;
  /** A key, or a loader called on first use; default from the environment (central-key.ts). */
  centralKey?: CentralKey | (() => CentralKey);
  now?: () => Date;
}

declare module '../app.ts' {
  interface BuildOptions {
    /** Enrolment settings; each one not given comes from the environment (central-key.ts). */
    enrolment?: Omit<EnrolmentRoutesOptions, 'db'>;
  }
}

const ErrorBody = Type.Object({ statusCode: Type.Integer(), code: Type.String(), message: Type.String() });

export const enrolmentRoutes: FastifyPluginAsyncTypebox<EnrolmentRoutesOptions> = async (app, opts) => {
  const now = opts.now ?? (() => new Date());
  let fromEnv: EnrolmentSettings | undefined;
  const env = () => (fromEnv ??= enrolmentSettingsFromEnv(process.env));
  // The admin token (opts.adminToken) is read by build() and checked by the access hook.
  const rateLimit = { max: opts.perMinute ?? 30, timeWindow: 60_000 };
  const ttl = opts.codeTtlMinutes ?? (Number(process.env.CENTRAL_ENROLMENT_CODE_TTL_MIN) || 1440);
  // Loaded on first enrolment, so building the app (tests, stats-only deployments) creates no key file.
  const centralKey = lazyCentralKey(opts.centralKey ?? (() => env().centralKey));

  app.setErrorHandler((err, request, reply) => {
    const declared = isApplianceError(err) && Object.hasOwn(CentralErrors, err.code) ? CentralErrors[err.code as CentralErrorCode] : undefined;
    if (isApplianceError(err) && declared && declared.status < 500) {
      const statusCode = declared.status;
      request.log.info({ code: err.code, statusCode, ...err.context }, 'enrolment request refused');
      return reply.status(statusCode).send({ statusCode, code: err.code, message: err.message });
    }
    if ((err as { validation?: unknown }).validation !== undefined) {
      // toHttpError calls every body failure BATCH_INVALID; these bodies are not batches.
      return reply.status(400).send({ statusCode: 400, code: CentralErrorCodes.RequestInvalid, message: (err as Error).message });
    }
    const mapped = toHttpError(err);
    if (mapped.internal) request.log.error({ err }, 'enrolment request failed');
    return reply.status(mapped.statusCode).send({ statusCode: mapped.statusCode, code: mapped.code, message: mapped.message });
  });

  // The enrolment answer (the office, the central's key) is signed with that key and bound to the
  // request's proof of possession: the CLI checks it against the key it pins (and, on re-key, the
  // key it already holds), so neither a forger nor a replayed answer can plant another central key.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.routeOptions.url !== ENROLMENT_PATH || request.method !== 'POST' || reply.statusCode !== 201) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const body = request.body as { deviceId?: string; signature?: string } | undefined;
    const binding = { purpose: 'enrolment' as const, deviceId: body?.deviceId ?? '', requestTag: body?.signature ?? '', batchId: '', contentSha256: '' };
    void reply.header(HEADER_CENTRAL_SIGNATURE, signAnswer(binding, 201, payload, centralKey().privateKey));
    return payload;
  });

  app.post(
    ENROLMENT_CODES_PATH,
    {
      config: { centralAccess: 'admin-or-token' },
      schema: { body: IssueCodeBody, response: { 201: IssueCodeResponse, '4xx': ErrorBody } },
    },
    async (request, reply) => {
      const issued = await issueEnrolmentCode(opts.db, request.body.officeCode, request.body.ttlMinutes ?? ttl, now());
      request.log.info({ officeCode: issued.officeCode, expiresAt: issued.expiresAt }, 'enrolment code issued');
      return reply.status(201).send(issued);
    },
  );

  app.post(ENROLMENT_PATH, { config: { centralAccess: 'device', rateLimit }, schema: { body: EnrolBody, response: { 201: EnrolResponse, '4xx': ErrorBody } } }, async (request, reply) => {
    const result = await enrolDevice(opts.db, centralKey, request.body, now());
    request.log.info({ deviceId: result.deviceId, office: result.office.code, revoked: result.revokedDeviceId }, 'device enrolled');
    return reply.status(201).send(result);
  });

  app.post(DECOMMISSION_PATH, { config: { centralAccess: 'device', rateLimit }, schema: { body: DecommissionBody, response: { 200: DecommissionResponse, '4xx': ErrorBody } } }, async (request) => {
    const result = await decommissionDevice(opts.db, request.body, now());
    request.log.info({ deviceId: result.deviceId }, 'device decommissioned');
    return result;
  });

  app.get(TIME_PATH, { config: { centralAccess: 'public' }, schema: { response: { 200: TimeResponse } } }, async () => ({ now: now().toISOString() }));
};
