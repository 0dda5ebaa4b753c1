import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApplianceError } from '../errors.ts';
import { parseMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { requireOfficer } from '../auth/index.ts';
import type { ScanCache } from '../devices/scan-cache.ts';
import type { EventBus } from '../events/event-bus.ts';
import { type FinalizeService, createFinalizeService } from '../registrations/finalize-service.ts';
import type { Store } from '../store/index.ts';
import { DocumentSchema, ErrorSchema, RegistrationSchema, RegistrationStatus, Uuid } from './schemas.ts';

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
}

const OfficerId = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9._-]+$' });
const IdParams = Type.Object({ id: Uuid });
const errors = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema, 507: ErrorSchema };

/**
 * Registration lifecycle: draft → captured (document attached) → finalized (outbox row written in the same
 * transaction). The officer is the signed-in session's (auth/), never the body or a header.
 */
export const registrationRoutes: FastifyPluginAsyncTypebox<RegistrationRoutesOptions> = async (app, opts) => {
  const { store, bus, scans } = opts;
  const now = opts.now ?? (() => new Date());
  const finalizer = opts.finalizer ?? createFinalizeService({ store });

  app.post(
    '/api/registrations',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'Start a registration (a draft) at this post',
        tags: ['registrations'],
        // officerId is accepted for older clients but ignored: the officer is the signed-in session's.
        body: Type.Optional(Type.Object({ officerId: Type.Optional(OfficerId) }, { additionalProperties: false })),
        response: { 201: RegistrationSchema, ...errors },
      },
    },
    async (request, reply) => {
      const registration = store.registrations.create({ officeCode: opts.officeCode, officerId: requireOfficer(request).officerId });
      bus.publish('registration.changed', { registration, change: 'created' });
      return reply.status(201).send(registration);
    },
  );

  app.get(
    '/api/registrations',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'List registrations at this post, newest first, with keyset paging',
        tags: ['registrations'],
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
            cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            status: Type.Optional(RegistrationStatus),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(RegistrationSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      return store.registrations.list({ limit, ...(cursor ? { cursor } : {}), ...(status ? { status } : {}) });
    },
  );

  app.get(
    '/api/registrations/:id',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'Read one registration',
        tags: ['registrations'],
        params: IdParams,
        response: { 200: RegistrationSchema, ...errors },
      },
    },
    async (request) => {
      const registration = store.registrations.get(request.params.id);
      if (!registration) throw new ApplianceError('NOT_FOUND', `no registration ${request.params.id} at this post`);
      return registration;
    },
  );

  app.put(
    '/api/registrations/:id/document',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'Attach the scanned document (by scan id) or a manually entered MRZ',
        description:
          'Parses and validates the MRZ (ICAO 9303). A document whose check digits fail is stored with valid=false and its warnings, and cannot be finalized until it is rescanned or corrected.',
        tags: ['registrations'],
        params: IdParams,
        body: Type.Union([
          Type.Object({ scanId: Uuid }, { additionalProperties: false }),
          Type.Object(
            { lines: Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { minItems: 2, maxItems: 3 }) },
            { additionalProperties: false },
          ),
        ]),
        response: {
          200: Type.Object({
            registration: RegistrationSchema,
            document: DocumentSchema,
            previousRegistrations: Type.Array(Uuid, { description: 'earlier registrations of the same document: the returning-migrant path' }),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const existing = store.registrations.get(id);
      if (!existing) throw new ApplianceError('NOT_FOUND', `no registration ${id} at this post`);
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
      const registration = store.registrations.attachDocument(id, { ...document }, actor);
      bus.publish('registration.changed', { registration, change: 'document-attached' });
      const previousRegistrations = store.registrations.previousRegistrations(id);
      return { registration, document, previousRegistrations };
    },
  );

  app.post(
    '/api/registrations/:id/finalize',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'Finalize: the officer\'s "saved". Durable (synchronous=FULL) and queued for forwarding to the central database',
        description:
          'Needs a valid document, the details with the migrant\'s consent (PUT /details), and every finger of the office\'s capture plan captured at the plan\'s quality or excused by an approved exception (none on an appliance without a fingerprint reader). ' +
          '409 REGISTRATION_INCOMPLETE names what is missing (GET /completeness lists it).',
        tags: ['registrations'],
        params: IdParams,
        response: { 200: RegistrationSchema, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const existing = store.registrations.get(id);
      if (!existing) throw new ApplianceError('NOT_FOUND', `no registration ${id} at this post`);
      if (existing.status !== 'finalized' && existing.document && existing.document.valid === false) {
        throw new ApplianceError(
          'DOCUMENT_CHECK_FAILED',
          'the document failed its check digits: rescan the passport or correct the MRZ before finalizing',
        );
      }
      // Synchronous up to the store's finalize transaction: no capture or details save can land in between.
      if (existing.status === 'captured') opts.finalizeCheck?.(id);
      const registration = finalizer.finalize(id, requireOfficer(request).officerId);
      if (existing.status !== 'finalized') bus.publish('registration.changed', { registration, change: 'finalized' });
      return registration;
    },
  );
};
