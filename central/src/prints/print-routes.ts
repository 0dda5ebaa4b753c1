/**
 * Prints routes (fastify plugin, encapsulated; paths in protocol/src/prints-api.ts):
 * - GET  /api/v1/prints/templates?registrationId=…  (device: signed request, as reference pulls) — the templates of
 *   a registration from any office, re-sealed to the requesting appliance's X25519 key; the answer signed and
 *   bound to the request. Audited per template.
 * - POST /api/v1/admin/prints/:blobId/open {reason}  (admin session) — one forwarded print opened; audited.
 * - POST /api/v1/admin/faces/:registrationId/open {reason} (admin session) — the passport chip's face photo of a
 *   forwarded registration opened (issue #18, face-access.ts); audited in the same log.
 * - GET  /api/v1/admin/prints/access-log             (auditor) — the audit of every opening and re-sealing.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { type TSchema, Type } from '@sinclair/typebox';
import { HEADER_CENTRAL_SIGNATURE, signAnswer } from '@lmc/protocol/batch-envelope.ts';
import { ErrorResponseSchema } from '@lmc/protocol/batch-schema.ts';
import { OpenedPrint, OpenPrintBody, PRINT_OPEN_PATH, PRINT_TEMPLATES_PATH, type ResealedTemplates } from '@lmc/protocol/prints-api.ts';
import { HEADER_SIGNATURE } from '@lmc/protocol/reference-feed.ts';
import type { Db } from '../db/db.ts';
import type { DeviceDirectory, EnrolledDevice } from '../devices/device-directory.ts';
import type { CentralKey } from '../enrolment/central-key.ts';
import { toHttpError } from '../errors.ts';
import { authenticateDeviceRequest, DEFAULT_MAX_SKEW_MS } from '../reference/request-auth.ts';
import { FACE_OPEN_PATH, OpenedFace, openForwardedFace } from './face-access.ts';
import { listPrintAccess, openForwardedPrint, type PrintActor, resealTemplates } from './print-access.ts';
import { PrintError } from './print-errors.ts';

export const PRINT_ACCESS_LOG_PATH = '/api/v1/admin/prints/access-log';

export interface PrintRoutesOptions {
  db: Db;
  devices: DeviceDirectory;
  /** Signs re-seal answers; its `encryption` keyring opens prints. */
  centralKey: () => CentralKey;
  /** Requests per client per minute on each route. */
  perMinute?: number;
  maxSkewMs?: number;
  now?: () => number;
}

declare module 'fastify' {
  interface FastifyRequest {
    printsDevice: EnrolledDevice | null;
  }
}

/** Who opens and why, for an admin's audited opening of a print or a face photo: the signed-in staff member and the reason given. */
function staffOpening(request: Pick<FastifyRequest, 'staff'> & { body: OpenPrintBody }): { actor: PrintActor; reason: string } {
  return { actor: { kind: 'staff', id: request.staff?.username ?? 'unknown' }, reason: request.body.reason };
}

export const printRoutes: FastifyPluginAsyncTypebox<PrintRoutesOptions> = async (app, opts) => {
  const { db, devices } = opts;
  const now = opts.now ?? Date.now;
  const maxSkewMs = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const rateLimit = { max: opts.perMinute ?? 60, timeWindow: 60_000 };
  const keyring = () => opts.centralKey().encryption?.keyring;
  app.decorateRequest('printsDevice', null);

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof PrintError) {
      request.log.info({ code: err.code, statusCode: err.statusCode }, 'print request refused');
      return reply.status(err.statusCode).send({ statusCode: err.statusCode, code: err.code, message: err.message });
    }
    const mapped = toHttpError(err);
    if (mapped.internal) request.log.error({ err }, 'print request failed');
    return reply.status(mapped.statusCode).send({ statusCode: mapped.statusCode, code: mapped.code, message: mapped.message });
  });

  app.get(
    PRINT_TEMPLATES_PATH,
    {
      config: { centralAccess: 'device', rateLimit },
      schema: {
        summary: "An appliance fetches another office's templates of a registration, re-sealed to its own X25519 key (1:1 verification)",
        description:
          'Signed device request (x-device-id, x-timestamp, x-signature as reference pulls). The answer is ResealedTemplates, signed (x-central-signature, purpose print-reseal, bound to the request signature). ' +
          'Every template handed out and every refusal is written to print_access_log. 404 PRINT_NOT_FOUND, 409 PRINT_DEVICE_KEY_MISSING / PRINT_NOT_SEALED_TO_CENTRAL / PRINT_KEY_UNKNOWN, 503 PRINT_KEYS_MISSING.',
        tags: ['prints'],
        querystring: Type.Object({ registrationId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
        response: { 200: Type.Unknown({ description: 'ResealedTemplates (protocol/src/prints-api.ts)' }), '4xx': ErrorResponseSchema },
      },
      onRequest: async (request) => {
        request.printsDevice = await authenticateDeviceRequest(request, { devices, path: PRINT_TEMPLATES_PATH, maxSkewMs, now });
      },
    },
    async (request, reply) => {
      const device = request.printsDevice as EnrolledDevice;
      const requestTag = String(request.headers[HEADER_SIGNATURE] ?? '');
      const answer: ResealedTemplates = await resealTemplates(db, keyring(), {
        registrationId: request.query.registrationId,
        device: { deviceId: device.deviceId, officeCode: device.officeCode },
        requestTag,
      });
      request.log.info({ deviceId: device.deviceId, registrationId: answer.registrationId, templates: answer.templates.length }, 'templates re-sealed for an appliance');
      const body = Buffer.from(JSON.stringify(answer), 'utf8');
      const binding = { purpose: 'print-reseal' as const, deviceId: device.deviceId, requestTag, batchId: '', contentSha256: '' };
      return reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('cache-control', 'no-store')
        .header(HEADER_CENTRAL_SIGNATURE, signAnswer(binding, 200, body, opts.centralKey().privateKey))
        .send(body);
    },
  );

  /**
   * An admin's audited opening of one forwarded item (a print, a chip face photo): the item named in the path, a
   * reason in the body, the answer never cached, the opening logged with its audit id (never the content).
   */
  const openingRoute = <Opened extends { auditId: string }>(
    path: string,
    o: {
      doc: { summary: string; description?: string };
      /** The path parameter naming the item, and its longest value. */
      item: { param: 'blobId' | 'registrationId'; maxLength: number };
      answer: TSchema;
      open: (id: string, opening: { actor: PrintActor; reason: string }) => Promise<Opened>;
      message: string;
    },
  ) =>
    app.post(
      path,
      {
        config: { centralAccess: 'admin', rateLimit },
        schema: {
          ...o.doc,
          tags: ['prints'],
          params: Type.Object({ [o.item.param]: Type.String({ minLength: 1, maxLength: o.item.maxLength }) }),
          body: OpenPrintBody,
          response: { 200: o.answer, '4xx': ErrorResponseSchema },
        },
      },
      async (request, reply) => {
        const id = request.params[o.item.param] as string;
        const opened = await o.open(id, staffOpening(request));
        request.log.info({ [o.item.param]: id, auditId: opened.auditId, by: request.staff?.username }, o.message);
        return reply.header('cache-control', 'no-store').send(opened);
      },
    );

  openingRoute(PRINT_OPEN_PATH, {
    doc: { summary: "An admin opens one forwarded print (template or PNG image) with the central's encryption key; a reason is required and the opening is audited" },
    item: { param: 'blobId', maxLength: 128 },
    answer: OpenedPrint,
    open: (blobId, opening) => openForwardedPrint(db, keyring(), { blobId, ...opening }),
    message: 'forwarded print opened',
  });

  openingRoute(FACE_OPEN_PATH, {
    doc: {
      summary: "An admin opens the passport chip's face photo (DG2) of a forwarded registration; a reason is required and the opening is audited",
      description:
        "The appliance seals the face like a print (blob format 2, kind 'document-face') and lists it in the record's biometrics with kind 'face'. " +
        "The answer is the image (JPEG or JPEG 2000, base64) with its SHA-256, checked against the record's chip.face.sha256. Every opening and every refusal is written to print_access_log (kind face, finger dg2; see the access log route). " +
        '404 FACE_NOT_FOUND (no such registration, or no face forwarded with it), 409 PRINT_NOT_SEALED_TO_CENTRAL / PRINT_KEY_UNKNOWN, 422 PRINT_DAMAGED, 503 PRINT_KEYS_MISSING.',
    },
    item: { param: 'registrationId', maxLength: 64 },
    answer: OpenedFace,
    open: (registrationId, opening) => openForwardedFace(db, keyring(), { registrationId, ...opening }),
    message: 'forwarded face photo opened',
  });

  app.get(
    PRINT_ACCESS_LOG_PATH,
    {
      config: { centralAccess: 'auditor', rateLimit },
      schema: {
        summary: 'The audit of every print or chip face photo opened at the central, and every template re-sealed for an appliance, newest first',
        tags: ['prints'],
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ entries: Type.Array(Type.Record(Type.String(), Type.Unknown())) }), '4xx': ErrorResponseSchema },
      },
    },
    async (request) => ({ entries: await listPrintAccess(db, request.query.limit) }),
  );
};
