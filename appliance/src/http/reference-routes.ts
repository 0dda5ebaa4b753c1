import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ReferenceSync } from '../reference/reference-sync.ts';
import { ErrorSchema, LinkState, NullableString } from './schemas.ts';

export interface ReferenceRoutesOptions {
  reference: Pick<ReferenceSync, 'status' | 'queries' | 'syncNow'>;
}

const Q = Type.String({ maxLength: 100, description: 'part of the name or title, or the start of a code' });
const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50 });

export const ReferenceStatusSchema = Type.Object({
  at: Type.String(),
  linkState: LinkState,
  version: Type.Integer(),
  headVersion: Type.Integer(),
  lagVersions: Type.Integer(),
  lastSyncAt: NullableString,
  lastSyncAgeSeconds: Type.Union([Type.Integer(), Type.Null()]),
  lastAttemptAt: NullableString,
  lastError: NullableString,
  nextAttemptAt: NullableString,
  rows: Type.Record(Type.String(), Type.Integer()),
});

const DistrictSchema = Type.Object({ code: Type.String(), provinceCode: Type.String(), name: Type.String() });
const OccupationSchema = Type.Object({
  iscoCode: Type.String(),
  title: Type.String(),
  level: Type.Integer(),
  parentCode: NullableString,
  commonSector: NullableString,
});
const VacancySchema = Type.Object({
  vacancyId: Type.String(),
  occupationIsco: Type.String(),
  occupationTitle: NullableString,
  destinationProvince: Type.String(),
  title: NullableString,
  positions: Type.Integer(),
  opensOn: NullableString,
  closesOn: NullableString,
});
const EmployerSchema = Type.Object({
  employerId: Type.String(),
  name: Type.String(),
  country: Type.String(),
  province: Type.String(),
  town: NullableString,
  sector: Type.String(),
  demo: Type.Boolean({ description: 'fictional demonstration data' }),
  openVacancies: Type.Array(VacancySchema),
});
const OfficeSchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  provinceCode: Type.String(),
  districtCode: NullableString,
  destinationProvinces: Type.Array(Type.String()),
});

/**
 * Reference data for the registration form, read from the local copy only: these routes answer
 * the same with the central unreachable. Sign-in applies (the auth plugin covers every /api route).
 */
export const referenceRoutes: FastifyPluginAsyncTypebox<ReferenceRoutesOptions> = async (app, opts) => {
  const { reference } = opts;
  const tags = ['reference'];

  app.get(
    '/api/reference/status',
    { config: { access: 'officer' }, schema: { summary: 'Local reference copy: version, last sync, lag behind the central', tags, response: { 200: ReferenceStatusSchema } } },
    async () => reference.status(),
  );

  app.post(
    '/api/reference/sync',
    { config: { access: 'officer' }, schema: { summary: 'Pull reference data from the central now', tags, response: { 202: Type.Object({ requested: Type.Boolean() }) } } },
    async (_request, reply) => {
      reference.syncNow();
      return reply.status(202).send({ requested: true });
    },
  );

  app.get(
    '/api/reference/provinces',
    { config: { access: 'officer' }, schema: { summary: 'Provinces of Zimbabwe', tags, response: { 200: Type.Object({ items: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })) }) } } },
    async () => ({ items: reference.queries.provinces() }),
  );

  app.get(
    '/api/reference/districts',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'Districts, optionally of one province (code ZW-MS or name)',
        tags,
        querystring: Type.Object({ province: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(DistrictSchema) }), 400: ErrorSchema },
      },
    },
    async (request) => ({ items: reference.queries.districts(request.query.province) }),
  );

  app.get(
    '/api/reference/occupations',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'ISCO-08 occupations; the common farm, construction and transport jobs first',
        tags,
        querystring: Type.Object({ q: Type.Optional(Q), limit: Limit }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(OccupationSchema) }), 400: ErrorSchema },
      },
    },
    async (request) => ({ items: reference.queries.occupations(request.query.q, request.query.limit) }),
  );

  app.get(
    '/api/reference/employers',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'Registered employers with their open vacancies (only those with one, unless all=true)',
        tags,
        querystring: Type.Object({ q: Type.Optional(Q), limit: Limit, all: Type.Boolean({ default: false }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(EmployerSchema) }), 400: ErrorSchema },
      },
    },
    async (request) => ({
      items: reference.queries.employers({
        ...(request.query.q !== undefined ? { q: request.query.q } : {}),
        limit: request.query.limit,
        withOpenVacanciesOnly: !request.query.all,
      }),
    }),
  );

  app.get(
    '/api/reference/offices',
    { config: { access: 'officer' }, schema: { summary: 'The Labour Migration Centres', tags, response: { 200: Type.Object({ items: Type.Array(OfficeSchema) }) } } },
    async () => ({ items: reference.queries.offices() }),
  );
};
