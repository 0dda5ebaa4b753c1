/**
 * The person index for central staff (issue #16 items 1 and 5). Every read of personal data is recorded in the
 * access audit (central_access_audit) in the same transaction as the read; auditors review it.
 *
 * GET  /api/v1/persons/search?q=&birthDate=&sex=&office=&limit=&offset=   admin        persons matching a name prefix or document number
 * GET  /api/v1/persons/:personId                                          admin        one person: documents, registrations, candidate links, history
 * GET  /api/v1/persons/candidates?status=pending&limit=                   admin        candidate links (a new passport of a known person) to review
 * POST /api/v1/persons/candidates/:id/accept   {note?}                    admin        merge the newer person into the known one
 * POST /api/v1/persons/candidates/:id/reject   {note?}                    admin        keep them apart
 * GET  /api/v1/audit/access?actor=&action=&personId=&from=&to=&before=&limit=  auditor  the access audit, newest first
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Db } from '../db/db.ts';
import { ErrorResponseSchema } from '@lmc/protocol/batch-schema.ts';
import { isoDateOrNull } from '@lmc/protocol/statistics.ts';
import { type AccessRecord, readAccessAudit, recordAccess } from '../persons/access-audit.ts';
import { centralError } from '../errors.ts';
import { listCandidates, readPerson, searchPersons } from '../persons/queries.ts';
import { decideCandidate } from '../persons/review.ts';

export const PERSONS_PATH = '/api/v1/persons';
export const ACCESS_AUDIT_PATH = '/api/v1/audit/access';

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()]);
const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });

export const PersonSummarySchema = Type.Object({
  personId: Type.String(),
  surname: Nullable(Type.String()),
  givenNames: Nullable(Type.String()),
  sex: Nullable(Type.String()),
  birthDate: Nullable(Type.String()),
  nationality: Nullable(Type.String()),
  documents: Type.Array(Type.Object({ documentCode: Nullable(Type.String()), issuingState: Nullable(Type.String()), documentNumber: Nullable(Type.String()) })),
  registrations: Type.Integer({ description: 'registrations linked to this person, at every office' }),
  offices: Type.Array(Type.String()),
  firstSeenAt: Nullable(Type.String()),
  lastSeenAt: Nullable(Type.String()),
  pendingCandidates: Type.Integer({ description: 'candidate links naming this person still to review' }),
});

const CandidateSchema = Type.Object({
  id: Type.Integer(),
  personId: Type.String({ description: 'the known person' }),
  otherPersonId: Type.String({ description: 'the person a new document made' }),
  reason: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('rejected')]),
  createdAt: Type.String(),
  decidedAt: Nullable(Type.String()),
  decidedBy: Nullable(Type.String()),
  note: Nullable(Type.String()),
});

const PersonViewSchema = Type.Object({
  person: Type.Intersect([PersonSummarySchema, Type.Object({ mergedInto: Nullable(Type.String()) })]),
  registrations: Type.Array(
    Type.Object({
      registrationId: Type.String(),
      officeCode: Type.String(),
      finalizedAt: Type.String(),
      version: Type.Integer({ description: 'latest version received (corrections)' }),
      versions: Type.Integer({ description: 'versions kept' }),
      returning: Type.Boolean({ description: 'an earlier registration of this person exists at any office' }),
      corrects: Nullable(Type.String()),
      occupationIsco: Nullable(Type.String()),
      employerId: Nullable(Type.String()),
      destinationProvince: Nullable(Type.String()),
      districtOfOrigin: Nullable(Type.String()),
    }),
  ),
  candidates: Type.Array(CandidateSchema),
  history: Type.Array(
    Type.Object({ at: Type.String(), actor: Type.String(), action: Type.String(), otherPersonId: Nullable(Type.String()), registrationId: Nullable(Type.String()), details: Type.Unknown() }),
  ),
});

const AuditRowSchema = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  actorKind: Type.String(),
  actor: Type.String(),
  role: Nullable(Type.String()),
  action: Type.String(),
  personId: Nullable(Type.String()),
  registrationId: Nullable(Type.String()),
  query: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  resultCount: Nullable(Type.Integer()),
  client: Nullable(Type.String()),
});

const DecisionBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false });

function staffActor(request: FastifyRequest): Pick<AccessRecord, 'actorKind' | 'actor' | 'role' | 'client'> {
  return { actorKind: 'staff', actor: request.staff?.username ?? 'admin-token', role: request.staff?.role ?? null, client: request.ip };
}

export const personRoutes: FastifyPluginAsyncTypebox<{ db: Db; perMinute: number }> = async (app, { db, perMinute }) => {
  const admin = { centralAccess: 'admin' as const, rateLimit: { max: perMinute, timeWindow: 60_000 } };

  app.get(
    `${PERSONS_PATH}/search`,
    {
      config: admin,
      schema: {
        summary: 'Search persons by name prefix or document number (audited)',
        querystring: Type.Object(
          {
            q: Type.String({ minLength: 2, maxLength: 100, description: 'surname or given name (prefix, any case) or a document number (exact)' }),
            birthDate: Type.Optional(Type.String({ maxLength: 10, description: 'YYYY-MM-DD' })),
            sex: Type.Optional(Type.Union([Type.Literal('M'), Type.Literal('F'), Type.Literal('X')])),
            office: Type.Optional(Type.String({ pattern: '^[A-Z0-9]{2,8}$', description: 'registered at least once at this office' })),
            limit: Type.Integer({ minimum: 1, maximum: 100, default: 25 }),
            offset: Type.Integer({ minimum: 0, maximum: 10_000, default: 0 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ persons: Type.Array(PersonSummarySchema), limit: Type.Integer(), offset: Type.Integer() }), '4xx': ErrorResponseSchema },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.q.trim().length < 2) throw centralError('PERSON_SEARCH_INVALID', 'Give at least 2 characters of a name or a document number');
      if (q.birthDate !== undefined && isoDateOrNull(q.birthDate) !== q.birthDate) throw centralError('PERSON_SEARCH_INVALID', 'birthDate must be a date YYYY-MM-DD');
      const persons = await db.transaction(async (tx) => {
        const found = await searchPersons(tx, { q: q.q, birthDate: q.birthDate, sex: q.sex, office: q.office, limit: q.limit, offset: q.offset });
        await recordAccess(tx, { ...staffActor(request), action: 'person.search', query: { ...q }, resultCount: found.length });
        return found;
      });
      return { persons, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    `${PERSONS_PATH}/candidates`,
    {
      config: admin,
      schema: {
        summary: 'Candidate links to review: a new document whose holder has the same names, birth date and sex as a known person (audited)',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('rejected')])),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ candidates: Type.Array(Type.Intersect([CandidateSchema, Type.Object({ person: PersonSummarySchema, other: PersonSummarySchema })])) }),
          '4xx': ErrorResponseSchema,
        },
      },
    },
    async (request) => {
      const status = request.query.status ?? 'pending';
      const candidates = await db.transaction(async (tx) => {
        const list = await listCandidates(tx, status, request.query.limit);
        await recordAccess(tx, { ...staffActor(request), action: 'candidate.list', query: { status }, resultCount: list.length });
        return list;
      });
      return { candidates };
    },
  );

  for (const decision of ['accept', 'reject'] as const) {
    app.post(
      `${PERSONS_PATH}/candidates/:id/${decision}`,
      {
        config: admin,
        schema: {
          summary: decision === 'accept' ? 'Accept a candidate link: the newer person is merged into the known one (audited)' : 'Reject a candidate link: the two stay apart (audited)',
          params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
          body: Type.Optional(DecisionBody),
          response: { 200: CandidateSchema, '4xx': ErrorResponseSchema },
        },
      },
      async (request) => {
        const reviewer = request.staff?.username ?? 'admin-token';
        return db.transaction(async (tx) => {
          const decided = await decideCandidate(tx, request.params.id, decision, reviewer, request.body?.note ?? null);
          await recordAccess(tx, { ...staffActor(request), action: decision === 'accept' ? 'candidate.accept' : 'candidate.reject', personId: decided.personId, query: { candidateId: decided.id } });
          request.log.info({ candidateId: decided.id, decision, reviewer }, 'candidate link decided');
          return decided;
        });
      },
    );
  }

  app.get(
    `${PERSONS_PATH}/:personId`,
    {
      config: admin,
      schema: {
        summary: 'One person: documents, registrations at every office (with versions), candidate links and link history (audited)',
        params: Type.Object({ personId: Uuid }),
        response: { 200: PersonViewSchema, '4xx': ErrorResponseSchema },
      },
    },
    async (request) => {
      return db.transaction(async (tx) => {
        const view = await readPerson(tx, request.params.personId);
        await recordAccess(tx, { ...staffActor(request), action: 'person.view', personId: view ? request.params.personId : null, query: { personId: request.params.personId }, resultCount: view ? 1 : 0 });
        if (!view) throw centralError('PERSON_NOT_FOUND', 'No such person');
        return view;
      });
    },
  );

  app.get(
    ACCESS_AUDIT_PATH,
    {
      config: { centralAccess: 'auditor', rateLimit: { max: perMinute, timeWindow: 60_000 } },
      schema: {
        summary: 'The access audit of personal data at the central (staff searches and views, device lookups), newest first',
        querystring: Type.Object(
          {
            actor: Type.Optional(Type.String({ maxLength: 128 })),
            action: Type.Optional(Type.String({ maxLength: 64 })),
            personId: Type.Optional(Uuid),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
            before: Type.Optional(Type.Integer({ minimum: 1, description: 'rows with id below this (the next page)' })),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ rows: Type.Array(AuditRowSchema) }), '4xx': ErrorResponseSchema },
      },
    },
    async (request) => {
      return db.transaction(async (tx) => {
        const rows = await readAccessAudit(tx, request.query);
        // Reading the audit is itself recorded (the auditors' own trail).
        await recordAccess(tx, { ...staffActor(request), action: 'audit.view', query: { ...request.query }, resultCount: rows.length });
        return { rows };
      });
    },
  );
};
