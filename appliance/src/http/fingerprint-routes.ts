import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { requireOfficer } from '../auth/index.ts';
import { ExceptionReasonSchema, FingerSchema, literalUnion } from '../fingerprints/fingerprint-config.ts';
import type { FingerprintFeature } from '../fingerprints/fingerprint-feature.ts';
import type { FingerprintService } from '../fingerprints/fingerprint-service.ts';
import { FINGER_CONDITIONS, type FingerCondition } from '../fingerprints/simulated-reader.ts';
import { ErrorSchema, Uuid } from './schemas.ts';
import { orNotFound, routeOptions, simulatorOf, simulatorRoute } from './route-options.ts';

/**
 * Who may approve a fingerprint exception. THE one place to change how approval works: today the signed-in
 * session (auth/) must hold the role, so the supervisor signs in at the desk (or approves from their own
 * terminal). A "supervisor types their PIN on the officer's screen" flow would replace this function and
 * nothing else. Returns the approving officer's id, which goes into the record and the audit log.
 */
export type RequireRole = (request: FastifyRequest, role: 'supervisor') => { officerId: string };

export const requireSessionRole: RequireRole = (request, role) => {
  const officer = requireOfficer(request);
  if (officer.role !== role) {
    throw new ApplianceError(ApplianceErrors.AUTH_FORBIDDEN.code, `a fingerprint exception needs a ${role}'s approval; you are signed in as ${officer.role}`);
  }
  return { officerId: officer.officerId };
};

export interface FingerprintRoutesOptions {
  service: FingerprintService;
  feature: FingerprintFeature;
  requireRole?: RequireRole;
}

const IdParams = Type.Object({ id: Uuid });
const CONDITIONS = Object.keys(FINGER_CONDITIONS) as [FingerCondition, ...FingerCondition[]];
const route = routeOptions({
  tags: ['fingerprints'],
  errors: { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema, 507: ErrorSchema },
});
const ErrorInfo = Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]);
const WorkflowSchema = Type.Object({
  workflowId: Uuid,
  registrationId: Uuid,
  kind: Type.Union([Type.Literal('capture'), Type.Literal('verify')]),
  state: Type.Union([Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed'), Type.Literal('cancelled')]),
  fingers: Type.Array(FingerSchema),
  done: Type.Array(
    Type.Object({
      finger: FingerSchema,
      outcome: Type.String(),
      quality: Type.Union([Type.Integer(), Type.Null()]),
      attempts: Type.Integer(),
    }),
  ),
  startedAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  error: ErrorInfo,
});
const Reason = ExceptionReasonSchema;
const FingerViewSchema = Type.Object({
  finger: FingerSchema,
  status: Type.Union([Type.Literal('captured'), Type.Literal('exception'), Type.Literal('pending')]),
  quality: Type.Union([Type.Integer(), Type.Null()]),
  belowThreshold: Type.Boolean(),
  attempts: Type.Integer(),
  imageStored: Type.Boolean(),
  exceptionReason: Type.Union([Reason, Type.Null()]),
  approvedBy: Type.Union([Type.String(), Type.Null()]),
  recordedAt: Type.Union([Type.String(), Type.Null()]),
});
const VerificationSchema = Type.Object({
  workflowId: Uuid,
  registrationId: Uuid,
  againstRegistrationId: Uuid,
  decision: Type.Union([Type.Literal('match'), Type.Literal('no-match')]),
  comparisons: Type.Array(Type.Object({ finger: FingerSchema, quality: Type.Integer(), match: Type.Boolean(), score: Type.Integer() })),
});

/**
 * Fingerprint capture, exceptions and returning-migrant verification of a registration, and the simulator's
 * finger controls. Responses never carry templates or images; progress is pushed on socket.io
 * (fingerprint:prompt / :attempt / :finger / :workflow).
 */
export const fingerprintRoutes: FastifyPluginAsyncTypebox<FingerprintRoutesOptions> = async (app, opts) => {
  const { service, feature } = opts;
  const requireRole = opts.requireRole ?? requireSessionRole;

  app.get(
    '/api/registrations/:id/fingerprints',
    route('officer', {
      summary: "Per finger of the office's plan: captured (best quality, attempts) / exception / pending, and the latest workflow",
      params: IdParams,
      response: { 200: Type.Object({ minQuality: Type.Integer(), fingers: Type.Array(FingerViewSchema), workflow: Type.Union([WorkflowSchema, Type.Null()]) }) },
    }),
    async (request) => ({ minQuality: service.plan.minQuality, ...service.status(request.params.id) }),
  );

  app.get(
    '/api/registrations/:id/fingerprints/:finger/image.png',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'The stored image of one finger (lossless 8-bit grey PNG, 256×288), for signed-in officers of this post only',
        description:
          'Decrypted in memory for this response only, never cached (cache-control: no-store); each viewing is audited (fingerprint.image-viewed). 401 without a session, 404 when no image is stored (an exception, a pending finger, or storeImages off).',
        tags: ['fingerprints'],
        params: Type.Object({ id: Uuid, finger: FingerSchema }),
        produces: ['image/png'],
        // Fastify sends a Buffer as is (no serialiser runs on it); the schema documents the binary body.
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'image/png, 8-bit grey' }),
          400: ErrorSchema,
          401: ErrorSchema,
          404: ErrorSchema,
          500: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      // Officers sign in on this appliance only (auth/ holds this post's officers), so a session is "an officer of this post".
      const officer = requireOfficer(request);
      const png = service.image(request.params.id, request.params.finger, officer.officerId);
      return reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').type('image/png').send(png);
    },
  );

  app.post(
    '/api/registrations/:id/fingerprints/capture',
    route('officer', {
      summary: 'Start capturing the plan\'s fingers (or the ones named) in the background; 409 DEVICE_BUSY while another runs',
      description:
        'Each finger: place → capture (image upload, quality score, template extracted on the sensor) → lift, retried below the office\'s minimum quality up to its attempts; the best attempt is kept, encrypted. At 57600 baud each capture takes about 7 s of image upload.',
      params: IdParams,
      // Null when the POST has no body (Fastify validates a missing body as null): capture the whole plan.
      body: Type.Union([
        Type.Object({ fingers: Type.Optional(Type.Array(FingerSchema, { minItems: 1, maxItems: 10 })) }, { additionalProperties: false }),
        Type.Null(),
      ]),
      response: { 202: WorkflowSchema },
    }),
    async (request, reply) => {
      const officer = requireOfficer(request);
      const status = service.startCapture(request.params.id, officer.officerId, request.body?.fingers);
      return reply.status(202).send(status);
    },
  );

  app.post(
    '/api/registrations/:id/fingerprints/cancel',
    route('officer', { summary: 'Cancel the running capture or verification of this registration', params: IdParams, response: { 202: WorkflowSchema } }),
    async (request, reply) => reply.status(202).send(service.cancel(request.params.id)),
  );

  app.post(
    '/api/registrations/:id/fingerprints/exceptions',
    route('officer', {
      summary: 'Record a finger that is missing or cannot be captured; needs a supervisor (403 otherwise)',
      params: IdParams,
      body: Type.Object({ finger: FingerSchema, reason: Reason }, { additionalProperties: false }),
      response: { 201: FingerViewSchema },
    }),
    async (request, reply) => {
      const officer = requireOfficer(request);
      const { officerId: approvedBy } = requireRole(request, 'supervisor');
      const { id } = request.params;
      service.recordException({ registrationId: id, finger: request.body.finger, reason: request.body.reason, approvedBy, actor: officer.officerId });
      const view = orNotFound(service.status(id).fingers.find((f) => f.finger === request.body.finger), 'the exception was recorded but cannot be read back');
      return reply.status(201).send(view);
    },
  );

  app.post(
    '/api/registrations/:id/fingerprints/verify',
    route('officer', {
      summary: 'Returning migrant: capture live and match on the sensor against an earlier registration of the same document',
      description: 'Answers when done (one live capture per finger until a match). Audited with decision and scores, without biometric data.',
      params: IdParams,
      response: { 200: VerificationSchema },
    }),
    async (request) => service.verify(request.params.id, requireOfficer(request).officerId),
  );

  const simulator = () => simulatorOf(feature.simulator, 'the fingerprint reader is real hardware here: ask the person to place the finger');

  app.post(
    '/api/simulator/fingerprint/place',
    simulatorRoute('officer', {
      summary: 'Simulated reader only: a person puts a finger on the glass (same person + finger = same print)',
      body: Type.Object(
        {
          personId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
          finger: FingerSchema,
          condition: Type.Optional(literalUnion(CONDITIONS, { default: 'normal' })),
        },
        { additionalProperties: false },
      ),
      response: { 202: Type.Object({ fingerPresent: Type.Boolean() }) },
    }),
    async (request, reply) => {
      const { personId, finger, condition } = request.body;
      simulator().placeFinger(personId, finger, condition ?? 'normal');
      return reply.status(202).send({ fingerPresent: true });
    },
  );

  app.post(
    '/api/simulator/fingerprint/lift',
    simulatorRoute('officer', { summary: 'Simulated reader only: the finger leaves the glass', response: { 202: Type.Object({ fingerPresent: Type.Boolean() }) } }),
    async (_request, reply) => {
      simulator().liftFinger();
      return reply.status(202).send({ fingerPresent: false });
    },
  );
};
