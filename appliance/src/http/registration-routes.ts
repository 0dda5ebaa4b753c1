import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { parseMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { requireOfficer } from '../auth/index.ts';
import type { ScanCache } from '../devices/scan-cache.ts';
import type { EventBus, RegistrationChangedEvent } from '../events/event-bus.ts';
import { type FinalizeService, createFinalizeService } from '../registrations/finalize-service.ts';
import type { Store } from '../store/index.ts';
import { DocumentSchema, ErrorSchema, RegistrationSchema, RegistrationStatus, Uuid } from './schemas.ts';
import type { CounterService } from '../registrations/counter-service.ts';
import { APPROVAL_HEADER, type SupervisorApprovals } from '../registrations-details/supervisor-approvals.ts';
import { MissingSchema } from '../registrations-details/details-http-schema.ts';
import { orNotFound, routeOptions } from './route-options.ts';

export interface RegistrationRoutesOptions {
  store: Store;
  bus: EventBus;
  scans: ScanCache;
  officeCode: string;
  now?: () => Date;
  /**
   * Throws (REGISTRATION_INCOMPLETE, 409) while the registration lacks what finalizing needs beyond a valid
   * document: its details and consent, and its fingerprint plan (registrations-details/completeness.ts).
   */
  finalizeCheck?: (registrationId: string) => void;
  /** Finalize (registrations/finalize-service.ts); default: the service over `store` and its connection. */
  finalizer?: FinalizeService;
  /** The counter's rules and working state (registrations/counter-service.ts): review, approval, drafts, language. */
  counter: CounterService;
  /** The one-time supervisor approvals of the officer's screen (the fingerprint exceptions' too). */
  approvals: SupervisorApprovals;
  /** How often stale drafts are expired (audited); 0 turns the sweep off (tests). Default 10 minutes. */
  expirySweepMs?: number;
}

export const EXPIRY_SWEEP_MS = 10 * 60_000;

const WarningSchema = Type.Object({ code: Type.String(), field: Type.Optional(Type.String()), message: Type.String(), blocking: Type.Boolean() });
const ApprovalSchema = Type.Union([Type.Object({ supervisorId: Type.String(), at: Type.String(), warnings: Type.Array(Type.String()) }), Type.Null()]);
export const ReviewSchema = Type.Object({
  registrationNumber: Type.String(),
  age: Type.Union([Type.Integer(), Type.Null()], { description: "the holder's age in completed years on the office's day" }),
  minimumAge: Type.Integer(),
  warnings: Type.Array(WarningSchema, { description: 'every warning about the document; blocking ones need a supervisor' }),
  approvalRequired: Type.Boolean(),
  approval: ApprovalSchema,
  missing: Type.Array(MissingSchema),
  ready: Type.Boolean(),
});
const PreviousSchema = Type.Object({
  id: Uuid,
  registrationNumber: Type.String(),
  finalizedAt: Type.Union([Type.String(), Type.Null()]),
  officeCode: Type.String(),
  officeName: Type.Union([Type.String(), Type.Null()]),
  homeDistrict: Type.Union([Type.String(), Type.Null()]),
  homeDistrictName: Type.Union([Type.String(), Type.Null()]),
  occupationIsco: Type.Union([Type.String(), Type.Null()]),
  occupationTitle: Type.Union([Type.String(), Type.Null()]),
  employerId: Type.Union([Type.String(), Type.Null()]),
  employerName: Type.Union([Type.String(), Type.Null()]),
  vacancyId: Type.Union([Type.String(), Type.Null()]),
  vacancyTitle: Type.Union([Type.String(), Type.Null()]),
});
export const ReturningSchema = Type.Object({
  returning: Type.Boolean(),
  previous: Type.Array(PreviousSchema, { description: 'earlier finalized registrations of this document, newest first: when, where, what' }),
  prefill: Type.Record(Type.String(), Type.Unknown(), { description: 'the latest earlier details as a PUT /details body, without consent or job offer' }),
});
const Language = Type.Union([Type.Literal('en'), Type.Literal('sn'), Type.Literal('nd')]);
const DiscardReason = Type.Union(['migrant-left', 'duplicate', 'wrong-document', 'training', 'other'].map((r) => Type.Literal(r)));
const ErrorWithContext = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  message: Type.String(),
  attached: Type.Optional(Type.Array(Type.String())),
  warnings: Type.Optional(Type.Array(Type.String())),
  missing: Type.Optional(Type.Array(MissingSchema)),
});

const OfficerId = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9._-]+$' });
const IdParams = Type.Object({ id: Uuid });
const ReplacePerson = Type.Boolean({ description: "the officer confirmed: clear the first person's details, consent, fingerprints and approval" });
export const Step = Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9-]*$', description: 'the UI step id, e.g. document, fingerprints, details, review' });
export const Field = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9.]*$', description: 'the focused field, e.g. nextOfKin.name' });
const route = routeOptions({ tags: ['registrations'], errors: { 400: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorWithContext, 422: ErrorSchema, 507: ErrorSchema } });

/**
 * Registration lifecycle: draft → captured (document attached) → finalized (outbox row written in the same
 * transaction). The officer is the signed-in session's (auth/), never the body or a header.
 */
export const registrationRoutes: FastifyPluginAsyncTypebox<RegistrationRoutesOptions> = async (app, opts) => {
  const { store, bus, scans, counter, approvals } = opts;
  const now = opts.now ?? (() => new Date());
  const finalizer = opts.finalizer ?? createFinalizeService({ store });
  const sweepMs = opts.expirySweepMs ?? EXPIRY_SWEEP_MS;
  /** Tells the screens (socket.io) and the other listeners that a registration changed, and returns it. */
  const changed = <R extends RegistrationChangedEvent['registration']>(registration: R, change: RegistrationChangedEvent['change']): R => {
    bus.publish('registration.changed', { registration, change });
    return registration;
  };
  const expire = () => {
    try {
      for (const registration of counter.expireStale()) changed(registration, 'expired');
    } catch (err) {
      app.log.warn({ err }, 'expiring stale drafts failed; the next sweep tries again');
    }
  };
  if (sweepMs > 0) {
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      timer = setInterval(expire, sweepMs);
      timer.unref();
    });
    app.addHook('onClose', async () => clearInterval(timer));
  }

  app.post(
    '/api/registrations',
    route('officer', {
      summary: 'Start a registration (a draft) at this post',
      // officerId is accepted for older clients but ignored: the officer is the signed-in session's.
      body: Type.Optional(Type.Object({ officerId: Type.Optional(OfficerId) }, { additionalProperties: false })),
      response: { 201: RegistrationSchema },
    }),
    async (request, reply) => {
      const registration = store.registrations.create({ officeCode: opts.officeCode, officerId: requireOfficer(request).officerId });
      return reply.status(201).send(changed(registration, 'created'));
    },
  );

  app.get(
    '/api/registrations',
    route('officer', {
      summary: 'List registrations at this post, newest first, with keyset paging',
      querystring: Type.Object(
        {
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          status: Type.Optional(RegistrationStatus),
          includeDiscarded: Type.Boolean({ default: false, description: 'also list discarded and expired drafts' }),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ items: Type.Array(RegistrationSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
    }),
    async (request) => {
      const { limit, cursor, status, includeDiscarded } = request.query;
      return store.registrations.list({ limit, ...(cursor ? { cursor } : {}), ...(status ? { status } : {}), ...(includeDiscarded ? {} : { discarded: false }) });
    },
  );

  app.get(
    '/api/registrations/:id',
    route('officer', { summary: 'Read one registration', params: IdParams, response: { 200: RegistrationSchema } }),
    async (request) => {
      return orNotFound(store.registrations.get(request.params.id), `no registration ${request.params.id} at this post`);
    },
  );

  app.put(
    '/api/registrations/:id/document',
    route('officer', {
      summary: 'Attach the scanned document (by scan id) or a manually entered MRZ',
      description:
        'Parses and validates the MRZ (ICAO 9303). A document whose check digits fail is stored with valid=false and its warnings, and cannot be finalized until it is rescanned or corrected. ' +
        "Another person's document (different number, nationality or birth date) on a draft that already holds details, consent, fingerprints or an approval is refused " +
        '409 DOCUMENT_PERSON_CHANGED (`attached` lists them) unless `replacePerson: true`, which clears them (audited). A returning migrant\'s details are prefilled into the autosaved draft.',
      params: IdParams,
      body: Type.Union([
        Type.Object({ scanId: Uuid, replacePerson: Type.Optional(ReplacePerson) }, { additionalProperties: false }),
        Type.Object(
          { lines: Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { minItems: 2, maxItems: 3 }), replacePerson: Type.Optional(ReplacePerson) },
          { additionalProperties: false },
        ),
      ]),
      response: {
        200: Type.Object({
          registration: RegistrationSchema,
          document: DocumentSchema,
          previousRegistrations: Type.Array(Uuid, { description: 'earlier registrations of the same document: the returning-migrant path' }),
          returning: ReturningSchema,
          review: ReviewSchema,
        }),
      },
    }),
    async (request) => {
      const { id } = request.params;
      counter.requireOpen(id);
      let lines: string[];
      if ('scanId' in request.body) {
        const scan = scans.get(request.body.scanId);
        if (!scan) throw new ApplianceError('SCAN_NOT_FOUND', 'that scan is no longer available: place the passport on the reader again');
        lines = scan.lines;
      } else {
        lines = request.body.lines.map((l) => l.trim().toUpperCase());
      }
      const document = parseMrz(lines, { now: now() });
      const actor = requireOfficer(request).officerId;
      const registration = changed(counter.attachDocument(id, { ...document }, actor, { replacePerson: request.body.replacePerson === true }), 'document-attached');
      const previousRegistrations = store.registrations.previousRegistrations(id);
      return { registration, document, previousRegistrations, returning: counter.returning(id), review: counter.review(id) };
    },
  );

  app.post(
    '/api/registrations/:id/finalize',
    route('officer', {
      summary: 'Finalize: the officer\'s "saved". Durable (synchronous=FULL) and queued for forwarding to the central database',
      description:
        'Needs a valid document, the details with the migrant\'s consent (PUT /details), and every finger of the office\'s capture plan captured at the plan\'s quality or excused by an approved exception (none on an appliance without a fingerprint reader). ' +
        '409 REGISTRATION_INCOMPLETE names what is missing (GET /completeness lists it). ' +
        'A holder under the minimum age, an expired, specimen (UTO) or unknown-state document, or a warning the office marks blocking needs a supervisor\'s approval of this registration: ' +
        '409 SUPERVISOR_APPROVAL_REQUIRED (`warnings` names them) until POST /approval recorded one, or send the one-time token as `x-supervisor-approval` to approve and finalize in one transaction. ' +
        '409 REGISTRATION_DISCARDED for a discarded or expired draft.',
      params: IdParams,
      response: { 200: RegistrationSchema },
    }),
    async (request) => {
      const { id } = request.params;
      const existing = orNotFound(store.registrations.get(id), `no registration ${id} at this post`);
      if (existing.status !== 'finalized' && existing.discarded) counter.requireOpen(id);
      if (existing.status !== 'finalized' && existing.document && existing.document.valid === false) {
        throw new ApplianceError(
          'DOCUMENT_CHECK_FAILED',
          'the document failed its check digits: rescan the passport or correct the MRZ before finalizing',
        );
      }
      const officer = requireOfficer(request);
      const token = request.headers[APPROVAL_HEADER];
      // One transaction: the checks, a supervisor's approval carried by this request, the finalize and their audit rows.
      const registration = store.transaction('registrations.finalize', () => {
        if (existing.status === 'captured') {
          opts.finalizeCheck?.(id);
          if (typeof token === 'string' && token.length > 0 && counter.review(id).approvalRequired) {
            const { supervisorId } = approvals.consume(token, officer.officerId, id);
            counter.approve(id, supervisorId, officer.officerId);
          }
          counter.assertApproved(id);
        }
        return finalizer.finalize(id, officer.officerId);
      });
      return existing.status === 'finalized' ? registration : changed(registration, 'finalized');
    },
  );

  app.get(
    '/api/registrations/:id/review',
    route('officer', {
      summary: "Review: the holder's age, every warning (blocking ones need a supervisor), the approval and what is still missing",
      params: IdParams,
      response: { 200: ReviewSchema },
    }),
    async (request) => counter.review(request.params.id),
  );

  app.post(
    '/api/registrations/:id/approval',
    route('officer', {
      summary: "A supervisor approves this registration's blocking warnings (minor, expired, specimen, unknown state, office rules)",
      description:
        "From the officer's screen: send the one-time token of POST /api/auth/supervisor-approval as `x-supervisor-approval`. From the supervisor's own session (the queue, " +
        'GET /api/approvals/pending): no token; a supervisor cannot approve a registration they made. Audited with the supervisor as actor. ' +
        'The approval is void once another document is attached. 409 APPROVAL_NOT_NEEDED when nothing blocks.',
      params: IdParams,
      response: { 200: ReviewSchema },
    }),
    async (request) => {
      const { id } = request.params;
      const officer = requireOfficer(request);
      const registration = counter.requireOpen(id);
      const token = request.headers[APPROVAL_HEADER];
      let supervisorId: string;
      if (typeof token === 'string' && token.length > 0) {
        supervisorId = approvals.consume(token, officer.officerId, id).supervisorId;
      } else if (officer.role === 'supervisor') {
        if (registration.officerId === officer.officerId) {
          throw new ApplianceError(ApplianceErrors.AUTH_FORBIDDEN.code, 'Another supervisor must approve: you made this registration.');
        }
        supervisorId = officer.officerId;
      } else {
        throw new ApplianceError(ApplianceErrors.AUTH_FORBIDDEN.code, "this needs a supervisor's approval: ask a supervisor to approve it on this screen");
      }
      const review = counter.approve(id, supervisorId, officer.officerId);
      changed(counter.get(id), 'approved');
      return review;
    },
  );

  app.get(
    '/api/approvals/pending',
    route('supervisor', {
      summary: "The supervisor's queue: open registrations waiting for a supervisor's approval, oldest first",
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          items: Type.Array(
            Type.Object({ registration: RegistrationSchema, age: Type.Union([Type.Integer(), Type.Null()]), warnings: Type.Array(WarningSchema), waitingSince: Type.String() }),
          ),
        }),
      },
    }),
    async (request) => ({ items: counter.awaitingApproval(request.query.limit) }),
  );

  app.get(
    '/api/registrations/drafts',
    route('officer', {
      summary: 'Open drafts (not finalized, not discarded), latest activity first: name, number, time, step',
      description: 'Drafts idle for longer than office.registrationRules.draftExpiryHours are expired (audited) first.',
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(RegistrationSchema) }) },
    }),
    async (request) => {
      expire();
      return { items: counter.drafts(request.query.limit) };
    },
  );

  app.post(
    '/api/registrations/:id/discard',
    route('officer', {
      summary: 'Discard a draft, with a reason (audited); it can no longer change',
      params: IdParams,
      body: Type.Object(
        { reason: DiscardReason, note: Type.Optional(Type.String({ maxLength: 200, description: 'kept with the draft, not in the audit log' })) },
        { additionalProperties: false },
      ),
      response: { 200: RegistrationSchema },
    }),
    async (request) => {
      const note = request.body.note?.trim() || null;
      return changed(counter.discard(request.params.id, request.body.reason as Parameters<CounterService['discard']>[1], note, requireOfficer(request).officerId), 'discarded');
    },
  );

  app.put(
    '/api/registrations/:id/progress',
    route('officer', {
      summary: 'Where the officer is (step and field): a reload, crash or idle logout resumes there',
      params: IdParams,
      body: Type.Object({ step: Step, field: Type.Optional(Type.Union([Field, Type.Null()])) }, { additionalProperties: false }),
      response: { 200: Type.Object({ progress: RegistrationSchema.properties.progress }) },
    }),
    async (request) => ({ progress: counter.setProgress(request.params.id, request.body.step, request.body.field ?? null) }),
  );

  app.put(
    '/api/registrations/:id/language',
    route('officer', {
      summary: "The migrant's one language: consent text, receipt and slip (the screen stays in the officer's)",
      description: 'Changing it after consent was given in another language withdraws that consent (audited): read it again.',
      params: IdParams,
      body: Type.Object({ language: Language }, { additionalProperties: false }),
      response: { 200: RegistrationSchema },
    }),
    async (request) => changed(counter.setLanguage(request.params.id, request.body.language, requireOfficer(request).officerId), 'language-set'),
  );

  app.get(
    '/api/registrations/:id/returning',
    route('officer', {
      summary: 'A returning migrant: earlier registrations of this document (when, where, what) and the details to prefill',
      params: IdParams,
      response: { 200: ReturningSchema },
    }),
    async (request) => {
      counter.get(request.params.id);
      return counter.returning(request.params.id);
    },
  );
};
