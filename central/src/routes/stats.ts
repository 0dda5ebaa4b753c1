/**
 * GET /api/v1/stats/registrations and …/registrations.csv: grouped registration counts, with
 * small-cell suppression when publication=true.
 *
 * NOTE: no authentication yet. Unsuppressed counts (publication=false) are for the ministry's own
 * analysts; put these routes behind an authenticating proxy until the centre has user accounts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { Db } from '../db/db.ts';
import { CentralErrorCodes, centralError } from '../errors.ts';
import { ErrorResponseSchema } from '../protocol/batch-schema.ts';
import { toCsv } from '../stats/csv.ts';
import { countRegistrations, DIMENSION_NAMES, type Dimension } from '../stats/registration-stats.ts';
import { PUBLICATION_THRESHOLD, publishCells, type PublishedCell } from '../stats/suppression.ts';

export const STATS_PATH = '/api/v1/stats/registrations';

const dimensionAlternation = `(${DIMENSION_NAMES.join('|')})`;

const StatsQuerySchema = Type.Object(
  {
    groupBy: Type.Optional(
      Type.String({
        pattern: `^${dimensionAlternation}(,${dimensionAlternation})*$`,
        description: `Comma-separated: ${DIMENSION_NAMES.join(', ')}`,
      }),
    ),
    from: Type.Optional(Type.String({ format: 'date', description: 'Inclusive, local (Africa/Harare) date' })),
    to: Type.Optional(Type.String({ format: 'date', description: 'Inclusive, local (Africa/Harare) date' })),
    publication: Type.Boolean({ default: false, description: `Suppress cells under ${PUBLICATION_THRESHOLD}` }),
  },
  { additionalProperties: false },
);
type StatsQueryString = Static<typeof StatsQuerySchema>;

const Nullable = <T extends ReturnType<typeof Type.Integer> | ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const RowSchema = Type.Object({
  ...Object.fromEntries(DIMENSION_NAMES.map((d) => [d, Type.Optional(Nullable(Type.String()))])),
  count: Nullable(Type.Integer()),
  returning: Nullable(Type.Integer()),
  suppressed: Type.Boolean(),
  returningSuppressed: Type.Boolean(),
});

const StatsResponseSchema = Type.Object({
  groupBy: Type.Array(Type.String()),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  publication: Type.Boolean(),
  threshold: Nullable(Type.Integer()),
  rows: Type.Array(RowSchema),
});

function parseGroupBy(raw: string | undefined): Dimension[] {
  const dims = (raw ?? '').split(',').filter((d) => d !== '') as Dimension[];
  const seen = new Set<string>();
  for (const d of dims) {
    if (seen.has(d)) throw centralError(CentralErrorCodes.RequestInvalid, `groupBy names ${d} twice`);
    seen.add(d);
  }
  return dims;
}

async function runQuery(db: Db, q: StatsQueryString): Promise<{ groupBy: Dimension[]; cells: PublishedCell[] }> {
  const groupBy = parseGroupBy(q.groupBy);
  if (q.from && q.to && q.from > q.to) throw centralError(CentralErrorCodes.RequestInvalid, 'from is after to');
  const cells = await countRegistrations(db, { groupBy, from: q.from, to: q.to });
  return { groupBy, cells: publishCells(cells, q.publication) };
}

export const statsRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    STATS_PATH,
    { schema: { querystring: StatsQuerySchema, response: { 200: StatsResponseSchema, '4xx': ErrorResponseSchema } } },
    async (request) => {
      const q = request.query;
      const { groupBy, cells } = await runQuery(db, q);
      return {
        groupBy,
        from: q.from ?? null,
        to: q.to ?? null,
        publication: q.publication,
        threshold: q.publication ? PUBLICATION_THRESHOLD : null,
        rows: cells.map((c) => ({
          ...c.keys,
          count: c.count,
          returning: c.returning,
          suppressed: c.suppressed,
          returningSuppressed: c.returningSuppressed,
        })),
      };
    },
  );

  app.get(
    `${STATS_PATH}.csv`,
    { schema: { querystring: StatsQuerySchema, response: { 200: Type.String(), '4xx': ErrorResponseSchema } } },
    async (request, reply) => {
      const { groupBy, cells } = await runQuery(db, request.query);
      const header = [...groupBy, 'count', 'returning', 'suppressed', 'returningSuppressed'];
      const rows = cells.map((c) => [...groupBy.map((d) => c.keys[d]), c.count, c.returning, c.suppressed, c.returningSuppressed]);
      reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', 'attachment; filename="registrations.csv"');
      return toCsv(header, rows);
    },
  );
};
