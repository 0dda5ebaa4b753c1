/**
 * The counter's cross-office lookup over the appliance's HTTP API (issue #16 item 2):
 *
 * GET /api/registrations/:id/network-lookup   officer   earlier registrations of this registration's document at
 *                                                       every office (the central within 2 s, else the offline
 *                                                       index), this post's own, and details to prefill
 * GET /api/lookup/status                      officer   the offline index: version, documents, age, file size
 *
 * Each lookup is audited on the appliance (lookup.network: source, count, time; never the document or a hash).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { ErrorSchema, Uuid } from '../http/schemas.ts';
import type { Store } from '../store/index.ts';
import type { NetworkLookup } from './network-lookup.ts';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const Source = Type.Union([Type.Literal('central'), Type.Literal('index'), Type.Literal('local')]);

const IndexStatusSchema = Type.Object({
  epoch: NullableString,
  keyId: NullableString,
  version: Type.Integer(),
  documents: Type.Integer({ description: 'documents (keyed-hash prefixes) in the offline index' }),
  updatedAt: NullableString,
  fileBytes: Type.Integer(),
});

export const NetworkLookupSchema = Type.Object({
  source: Source,
  online: Type.Boolean({ description: 'the central answered within the budget' }),
  returning: Type.Boolean(),
  previous: Type.Array(
    Type.Object({
      registrationId: NullableString,
      registrationNumber: NullableString,
      officeCode: Type.String(),
      officeName: NullableString,
      date: Type.String({ description: 'YYYY-MM-DD, local day' }),
      finalizedAt: NullableString,
      status: Type.Union([Type.Literal('finalized'), Type.Literal('corrected'), Type.Literal('registered')]),
      occupationIsco: NullableString,
      occupationTitle: NullableString,
      employerName: NullableString,
      vacancyTitle: NullableString,
      source: Source,
    }),
  ),
  prefill: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'details to prefill (central answers only), filtered to what this post can save' }),
  elapsedMs: Type.Number(),
  offlineReason: NullableString,
  index: IndexStatusSchema,
});

export const lookupRoutes: FastifyPluginAsyncTypebox<{ lookup: NetworkLookup; store: Store }> = async (app, { lookup, store }) => {
  app.get(
    '/api/registrations/:id/network-lookup',
    {
      config: { access: 'officer' },
      schema: {
        summary: "A returning migrant across offices: this document's earlier registrations at every office (central within 2 s, else the offline index) and the details to prefill",
        tags: ['registrations'],
        params: Type.Object({ id: Uuid }),
        response: { 200: NetworkLookupSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const id = request.params.id;
      if (!store.registrations.get(id)) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, `no registration ${id} at this post`, { id });
      const result = await lookup.lookup(id);
      store.audit.append({
        actor: request.officer?.officerId ?? 'officer',
        action: 'lookup.network',
        entityType: 'registration',
        entityId: id,
        details: { source: result.source, online: result.online, found: result.previous.length, elapsedMs: result.elapsedMs, offlineReason: result.offlineReason },
      });
      return result;
    },
  );

  app.get(
    '/api/lookup/status',
    {
      config: { access: 'officer' },
      schema: { summary: 'The offline index of registered persons: version, documents, last update, size', tags: ['registrations'], response: { 200: IndexStatusSchema } },
    },
    async () => lookup.index.status(),
  );
};
