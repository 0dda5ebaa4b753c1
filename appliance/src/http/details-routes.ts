import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { DEFAULT_LOCKOUT, type LockoutPolicy, requireOfficer } from '../auth/index.ts';
import { authenticate } from '../auth/authenticator.ts';
import { OfficerIdSchema } from '../auth/auth-routes.ts';
import { PIN_MAX_LENGTH } from '../auth/pin-hash.ts';
import type { Completeness } from '../registrations-details/completeness.ts';
import { DetailsBody, DetailsErrorSchema, MissingSchema, StoredDetailsSchema } from '../registrations-details/details-http-schema.ts';
import type { DetailsRepository } from '../registrations-details/details-repository.ts';
import { type DetailsInput, validateDetails } from '../registrations-details/details-validator.ts';
import type { SupervisorApprovals } from '../registrations-details/supervisor-approvals.ts';
import type { Store } from '../store/index.ts';
import { Uuid } from './schemas.ts';
import type { CounterService } from '../registrations/counter-service.ts';
import { invalidField } from '../registrations-details/details-errors.ts';
import { Field, Step } from './registration-routes.ts';
import { orNotFound, routeOptions } from './route-options.ts';

export interface DetailsRoutesOptions {
  store: Store;
  details: DetailsRepository;
  completeness: Completeness;
  approvals: SupervisorApprovals;
  /** The counter's working state: the autosaved draft, the migrant language, discarded drafts. */
  counter: CounterService;
  lockout?: LockoutPolicy;
  now?: () => Date;
}

const IdParams = Type.Object({ id: Uuid });
const route = routeOptions({
  tags: ['registrations'],
  errors: { 400: DetailsErrorSchema, 401: DetailsErrorSchema, 403: DetailsErrorSchema, 404: DetailsErrorSchema, 409: DetailsErrorSchema, 423: DetailsErrorSchema, 507: DetailsErrorSchema },
});

/**
 * The registration's details step (phone, home district, education, occupation, employer/vacancy or job offer,
 * destination, next of kin, language, consent), what still blocks finalizing, and the supervisor's approval
 * on the officer's screen. Details of a finalized registration are frozen (409).
 */
export const detailsRoutes: FastifyPluginAsyncTypebox<DetailsRoutesOptions> = async (app, opts) => {
  const { store, details, completeness, approvals, counter } = opts;
  const now = opts.now ?? (() => new Date());
  const lockout = opts.lockout ?? DEFAULT_LOCKOUT;

  // Schema failures of these routes name the field the officer must fix (the app's one error handler answers,
  // with `field` in the body as BAD_REQUEST's declaration exposes it).
  app.setSchemaErrorFormatter((failures) => {
    const first = failures[0] as { instancePath?: string; message?: string; params?: Record<string, unknown> } | undefined;
    // Name the field also for an unknown or missing member (Ajv puts those in params).
    const path = (first?.instancePath ?? '').split('/').filter(Boolean);
    const member = first?.params?.additionalProperty ?? first?.params?.missingProperty;
    if (typeof member === 'string') path.push(member);
    const field = path.join('.');
    const what = first?.params?.additionalProperty ? 'is not a known field' : (first?.message ?? 'is invalid');
    return new ApplianceError(ApplianceErrors.BAD_REQUEST.code, `${field || 'body'}: ${what}`, field ? { field } : {});
  });

  const registration = (id: string) => {
    return orNotFound(store.registrations.get(id), `no registration ${id} at this post`);
  };

  app.put(
    '/api/registrations/:id/details',
    route('officer', {
      summary: "Record the migrant's details and consent (replaces the previous save)",
      description:
        'Phone numbers are normalised to E.164. Province, district, occupation, employer and vacancy are checked against the local reference copy once it holds data. ' +
        'A job-offer QR (ZLMCJOB1) is decoded and kept; an offer by a registered employer fills employerId. 400 names the field; 409 once finalized or discarded. ' +
        "`language` is the migrant's one language (it becomes the registration's migrantLanguage): consent given in another language is refused (400, field consent.language). " +
        'The autosaved draft (PATCH /details-draft) is folded in: it is emptied by this save.',
      params: IdParams,
      body: DetailsBody,
      response: { 200: StoredDetailsSchema },
    }),
    async (request) => {
      const { id } = request.params;
      const officer = requireOfficer(request);
      counter.requireOpen(id);
      const valid = validateDetails(request.body as DetailsInput, details.reference, now());
      if (valid.consent.given && valid.consent.language !== valid.language) {
        throw invalidField('consent.language', "the consent must be read in the migrant's language: read it again in that language");
      }
      // The save, its audit row and the migrant language (the details' language) in one transaction.
      return store.transaction('details.save', () => {
        const saved = details.save(id, valid, officer.officerId);
        counter.afterDetailsSaved(id, valid.language);
        return saved;
      });
    },
  );

  app.get(
    '/api/registrations/:id/details',
    route('officer', { summary: "The registration's details (404 until recorded)", params: IdParams, response: { 200: StoredDetailsSchema } }),
    async (request) => {
      registration(request.params.id);
      return orNotFound(details.get(request.params.id), 'no details recorded for this registration yet');
    },
  );

  app.get(
    '/api/registrations/:id/completeness',
    route('officer', {
      summary: 'What still blocks finalizing: details, consent, fingerprints of the plan',
      params: IdParams,
      response: { 200: Type.Object({ ready: Type.Boolean(), missing: Type.Array(MissingSchema) }) },
    }),
    async (request) => {
      const r = registration(request.params.id);
      const missing = r.status === 'finalized' ? [] : completeness.missing(r.id);
      return { ready: missing.length === 0, missing };
    },
  );

  app.post(
    '/api/auth/supervisor-approval',
    route('officer', {
      summary: "A supervisor approves one action on the officer's screen: checks their PIN, returns a 2-minute single-use token",
      description:
        'The officer\'s session stays as it is. The token is bound to this registration and this officer\'s session; send it as ' +
        '`x-supervisor-approval` with the approved request (e.g. POST /fingerprints/exceptions). Wrong PINs count toward the supervisor\'s lockout.',
      tags: ['auth'],
      body: Type.Object(
        { officerId: OfficerIdSchema, pin: Type.String({ minLength: 1, maxLength: PIN_MAX_LENGTH }), registrationId: Uuid },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ token: Type.String(), expiresAt: Type.String(), supervisor: Type.Object({ officerId: Type.String(), displayName: Type.String() }) }) },
    }),
    async (request) => {
      const officer = requireOfficer(request);
      const supervisorId = request.body.officerId.toUpperCase();
      const { registrationId } = request.body;
      registration(registrationId);
      // The typed id is recorded only when it names a real officer: a PIN typed into the id field must never reach
      // the append-only audit log. An unknown id is audited under the officer at the desk, without the text.
      const known = app.auth.officers.get(supervisorId) !== undefined;
      const audit = (action: string, extra: Record<string, unknown> = {}) =>
        store.audit.append({
          actor: known ? supervisorId : officer.officerId,
          action,
          entityType: 'registration',
          entityId: registrationId,
          details: { officerId: officer.officerId, ...(known ? {} : { supervisorId: 'unknown' }), ...extra },
        });
      const result = await authenticate(app.auth.officers, supervisorId, request.body.pin, lockout, now);
      if (!result.ok) {
        audit('auth.supervisor-approval-failed', { reason: result.reason });
        if (result.reason === 'locked') {
          throw new ApplianceError(ApplianceErrors.AUTH_LOCKED.code, `Too many wrong PINs: ${supervisorId} is locked until ${result.lockedUntil}.`);
        }
        throw new ApplianceError(ApplianceErrors.AUTH_INVALID_CREDENTIALS.code, 'Wrong supervisor id or PIN.');
      }
      if (result.officer.role !== 'supervisor') {
        audit('auth.supervisor-approval-failed', { reason: 'not-a-supervisor' });
        throw new ApplianceError(ApplianceErrors.AUTH_FORBIDDEN.code, `${supervisorId} is not a supervisor.`);
      }
      if (result.officer.officerId === officer.officerId) {
        // Four eyes: the officer at the desk cannot approve their own exception through the modal.
        audit('auth.supervisor-approval-failed', { reason: 'self-approval' });
        throw new ApplianceError(ApplianceErrors.AUTH_FORBIDDEN.code, 'Another supervisor must approve: you are signed in at this desk.');
      }
      const issued = approvals.issue({ supervisorId: result.officer.officerId, officerId: officer.officerId, registrationId });
      audit('auth.supervisor-approval');
      return { ...issued, supervisor: { officerId: result.officer.officerId, displayName: result.officer.displayName } };
    },
  );

  const DraftFields = Type.Partial(
    Type.Object(
      Object.fromEntries(
        Object.entries(DetailsBody.properties).map(([k, v]) => [
          k,
          // Each member may be null (removes it from the draft); nested objects are saved member by member.
          Type.Union([k === 'nextOfKin' || k === 'consent' ? Type.Partial(v as typeof DetailsBody.properties.nextOfKin) : v, Type.Null()]),
        ]),
      ),
      { additionalProperties: false },
    ),
  );
  const DraftSchema = Type.Object({
    fields: Type.Record(Type.String(), Type.Unknown(), { description: 'the details as typed so far: the saved details overlaid by the draft' }),
    progress: Type.Union([Type.Object({ step: Type.String(), field: Type.Union([Type.String(), Type.Null()]), at: Type.String() }), Type.Null()]),
    prefilledFields: Type.Array(Type.String(), { description: "fields prefilled from the returning migrant's latest registration, for the officer to confirm" }),
  });

  app.patch(
    '/api/registrations/:id/details-draft',
    route('officer', {
      summary: 'Autosave: the details as they are typed, field by field, and where the officer is (step, field)',
      description:
        'Members are merged into the draft (null removes one; nextOfKin and consent merge member by member). Shapes are checked here, the rest at PUT /details. ' +
        'A reload, crash or idle logout resumes from GET /details-draft and the registration\'s progress. Audited with the field names only.',
      params: IdParams,
      body: Type.Object(
        { fields: Type.Optional(DraftFields), step: Type.Optional(Step), field: Type.Optional(Type.Union([Field, Type.Null()])) },
        { additionalProperties: false },
      ),
      response: { 200: DraftSchema },
    }),
    async (request) => {
      const { fields, step, field } = request.body;
      return counter.saveDraft(
        request.params.id,
        { ...(fields ? { fields: fields as Record<string, unknown> } : {}), ...(step !== undefined ? { step } : {}), ...(field !== undefined ? { field } : {}) },
        requireOfficer(request).officerId,
      );
    },
  );

  app.get(
    '/api/registrations/:id/details-draft',
    route('officer', {
      summary: 'The details as typed so far (saved details overlaid by the autosaved draft), where the officer was, and what was prefilled',
      params: IdParams,
      response: { 200: DraftSchema },
    }),
    async (request) => counter.draft(request.params.id),
  );
};
