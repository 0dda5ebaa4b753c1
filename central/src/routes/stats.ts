/**
 * GET /api/v1/stats/registrations and …/registrations.csv: grouped registration counts for
 * statisticians and admins (access 'statistician').
 *
 * Published tables by default (publication=true): small cells hidden with complementary
 * suppression (stats/suppression.ts), for one calendar year (year=YYYY, required): the periods of
 * published tables never overlap, so one cannot be subtracted from another. Unsuppressed counts
 * (publication=false, any from/to) only for the admin role: the microdata view.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { StaffRole } from '../auth/staff-store.ts';
import type { Db } from '../db/db.ts';
import { CentralErrorCodes, centralError } from '../errors.ts';
import { ErrorResponseSchema } from '@lmc/protocol/batch-schema.ts';
import { isoDateOrNull } from '../ingest/extract.ts';
import { toCsv } from '../stats/csv.ts';
import { countRegistrations, DIMENSION_NAMES, type Dimension } from '../stats/registration-stats.ts';
import { microdataCells, PUBLICATION_THRESHOLD, publishCells, type PublishedCell } from '../stats/suppression.ts';
import { INDICATOR_COLUMNS, indicatorFeed } from '../stats/indicators.ts';

export const STATS_PATH = '/api/v1/stats/registrations';
/** The year's published tables as one tidy table (stats/indicators.ts): JSON, and CSV at INDICATORS_PATH.csv. */
export const INDICATORS_PATH = '/api/v1/stats/indicators';

const IndicatorQuerySchema = Type.Object(
  { year: Type.Integer({ minimum: 2000, maximum: 2100, description: 'Calendar year (Africa/Harare)' }) },
  { additionalProperties: false },
);

const IndicatorRowSchema = Type.Object({
  ref_area: Type.String(),
  source: Type.String(),
  indicator: Type.String(),
  sex: Type.String(),
  classif1: Type.String(),
  time: Type.String(),
  obs_value: Type.Union([Type.Integer(), Type.Null()]),
  obs_status: Type.Union([Type.Literal(''), Type.Literal('C')]),
});

const dimensionAlternation = `(${DIMENSION_NAMES.join('|')})`;

const StatsQuerySchema = Type.Object(
  {
    groupBy: Type.Optional(
      Type.String({
        maxLength: 200,
        pattern: `^${dimensionAlternation}(,${dimensionAlternation})*$`,
        description: `Comma-separated: ${DIMENSION_NAMES.join(', ')}`,
      }),
    ),
    year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: 'Calendar year (Africa/Harare); required for published tables' })),
    from: Type.Optional(Type.String({ maxLength: 10, description: 'Inclusive local (Africa/Harare) date; microdata only' })),
    to: Type.Optional(Type.String({ maxLength: 10, description: 'Inclusive local (Africa/Harare) date; microdata only' })),
    publication: Type.Boolean({
      default: true,
      description: `Published table: cells under ${PUBLICATION_THRESHOLD} hidden with complementary suppression. false = microdata, admin only`,
    }),
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
  year: Nullable(Type.Integer()),
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

interface ResolvedQuery {
  groupBy: Dimension[];
  year: number | null;
  from: string | null;
  to: string | null;
  cells: PublishedCell[];
}

function invalid(message: string): never {
  throw centralError(CentralErrorCodes.RequestInvalid, message);
}

async function runQuery(db: Db, q: StatsQueryString, role: StaffRole | undefined): Promise<ResolvedQuery> {
  const groupBy = parseGroupBy(q.groupBy);
  if (!q.publication && role !== 'admin') {
    throw centralError(CentralErrorCodes.StatsMicrodataForbidden, 'Unsuppressed counts (publication=false) are for the admin role only');
  }
  for (const [name, v] of [['from', q.from], ['to', q.to]] as const) {
    if (v !== undefined && isoDateOrNull(v) !== v) invalid(`${name} must be a date YYYY-MM-DD`);
  }
  let from = q.from ?? null;
  let to = q.to ?? null;
  if (q.publication) {
    // Overlapping periods could be subtracted from each other (a day, a month, the rest of a year):
    // published tables cover exactly one calendar year.
    if (from !== null || to !== null) invalid('Published tables cover one calendar year: use year=YYYY, not from/to');
    if (q.year === undefined) invalid('Published tables need year=YYYY (one calendar year)');
  }
  if (q.year !== undefined) {
    if (from !== null || to !== null) invalid('Give year or from/to, not both');
    from = `${q.year}-01-01`;
    to = `${q.year}-12-31`;
  }
  if (from && to && from > to) invalid('from is after to');
  const counted = await countRegistrations(db, { groupBy, from: from ?? undefined, to: to ?? undefined });
  let cells: PublishedCell[];
  if (q.publication) {
    const published = publishCells(counted, groupBy);
    if (!published.ok) {
      throw centralError(CentralErrorCodes.StatsTooDetailed, `This table is too detailed to publish safely (${published.reason}): group by fewer dimensions`);
    }
    cells = published.cells;
  } else {
    cells = microdataCells(counted);
  }
  return { groupBy, year: q.year ?? null, from: q.year === undefined ? from : null, to: q.year === undefined ? to : null, cells };
}

export const statsRoutes: FastifyPluginAsyncTypebox<{ db: Db; perMinute: number }> = async (app, { db, perMinute }) => {
  const config = { centralAccess: 'statistician' as const, rateLimit: { max: perMinute, timeWindow: 60_000 } };
  app.get(
    STATS_PATH,
    { config, schema: { querystring: StatsQuerySchema, response: { 200: StatsResponseSchema, '4xx': ErrorResponseSchema } } },
    async (request) => {
      const q = request.query;
      const { groupBy, year, from, to, cells } = await runQuery(db, q, request.staff?.role);
      return {
        groupBy,
        year,
        from,
        to,
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
    INDICATORS_PATH,
    {
      config,
      schema: {
        summary: 'Indicator feed: the published tables of one year as a tidy table (ILOSTAT bulk layout)',
        querystring: IndicatorQuerySchema,
        response: {
          200: Type.Object({ year: Type.Integer(), threshold: Type.Integer(), columns: Type.Array(Type.String()), omitted: Type.Array(Type.String()), rows: Type.Array(IndicatorRowSchema) }),
          '4xx': ErrorResponseSchema,
        },
      },
    },
    async (request) => {
      const feed = await indicatorFeed(db, request.query.year);
      return { ...feed, threshold: PUBLICATION_THRESHOLD, columns: [...INDICATOR_COLUMNS] };
    },
  );

  app.get(
    `${INDICATORS_PATH}.csv`,
    { config, schema: { summary: 'Indicator feed as CSV (columns: README "Indicator feed")', querystring: IndicatorQuerySchema, response: { 200: Type.String(), '4xx': ErrorResponseSchema } } },
    async (request, reply) => {
      const feed = await indicatorFeed(db, request.query.year);
      reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="lmc-indicators-${feed.year}.csv"`);
      return toCsv(INDICATOR_COLUMNS, feed.rows.map((r) => INDICATOR_COLUMNS.map((c) => r[c])));
    },
  );

  app.get(
    `${STATS_PATH}.csv`,
    { config, schema: { querystring: StatsQuerySchema, response: { 200: Type.String(), '4xx': ErrorResponseSchema } } },
    async (request, reply) => {
      const { groupBy, cells } = await runQuery(db, request.query, request.staff?.role);
      const header = [...groupBy, 'count', 'returning', 'suppressed', 'returningSuppressed'];
      const rows = cells.map((c) => [...groupBy.map((d) => c.keys[d]), c.count, c.returning, c.suppressed, c.returningSuppressed]);
      reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', 'attachment; filename="registrations.csv"');
      return toCsv(header, rows);
    },
  );
};
