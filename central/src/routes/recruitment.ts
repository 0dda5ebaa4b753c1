/**
 * Recruitment and selection routes (#17).
 *
 * Device (signed like a reference pull, central/src/reference/request-auth.ts; the query carries the
 * body's SHA-256 so the signature covers the body; the 200 answer is signed, purpose 'recruitment-events'):
 *   POST /api/v1/recruitment/events?sha256=<hex>         candidacies, withdrawals, cost reports
 *
 * Admin session or admin token ('admin-or-token'), every change audited (recruitment_audit):
 *   GET  /api/v1/admin/recruitment/vocabulary             skill and certificate codes, periods, provisions, payers
 *   GET  /api/v1/admin/recruitment/employers              employers with compliance status
 *   PUT  /api/v1/admin/recruitment/employers/:id          create/change an employer (suspended ⇒ its vacancies close)
 *   GET  /api/v1/admin/recruitment/vacancies              vacancies with terms, flags, places left
 *   PUT  /api/v1/admin/recruitment/vacancies/:id          create/change a vacancy (terms checked, discrimination refused)
 *   GET  /api/v1/recruitment/candidates[.csv]             candidates across offices, filterable; CSV = the employer's export
 *   POST /api/v1/recruitment/candidacies/:id/outcome      shortlisted | selected | not_selected | withdrew, with the date
 *   POST /api/v1/recruitment/candidacies/:id/contract     the contract offered, compared with the vacancy
 *   POST /api/v1/recruitment/candidacies/:id/orientation  pre-departure orientation attended
 *   POST /api/v1/recruitment/candidacies/:id/departure    departure date (contract first; flags reviewed)
 *   GET  /api/v1/recruitment/candidacies/:id/audit        the candidacy's history
 *   GET  /api/v1/recruitment/protection-cases             payments to recruiters/agents to follow up
 *   POST /api/v1/recruitment/protection-cases/:id/follow-up
 *   GET|PUT /api/v1/recruitment/exchange-rates            ZAR per unit, for 10.7.1
 * Statistician or admin:
 *   GET  /api/v1/recruitment/stats?year=YYYY[&groupBy=office,sex,occupation,employer]
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, type TObject, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/db.ts';
import type { DeviceDirectory } from '../devices/device-directory.ts';
import { type CentralKey, lazyCentralKey } from '../enrolment/central-key.ts';
import { ErrorResponseSchema } from '@lmc/protocol/batch-schema.ts';
import { HEADER_CENTRAL_SIGNATURE, sha256Hex, signAnswer } from '@lmc/protocol/batch-envelope.ts';
import { HEADER_SIGNATURE } from '@lmc/protocol/reference-feed.ts';
import {
  CERTIFICATE_CODES,
  COMPLIANCE_STATUSES,
  COST_PAYERS,
  MAX_EVENTS_PER_REQUEST,
  MINIMUM_AGE,
  PROVISIONS,
  RECRUITMENT_ANSWER_PURPOSE,
  RECRUITMENT_EVENTS_PATH,
  SKILL_CODES,
  WAGE_PERIODS,
} from '@lmc/protocol/recruitment.ts';
import { applyReferenceEdits } from '../reference/admin.ts';
import { authenticateDeviceRequest, DEFAULT_MAX_SKEW_MS } from '../reference/request-auth.ts';
import { followUpProtectionCase, listExchangeRates, listProtectionCases, upsertExchangeRates } from '../recruitment/costs.ts';
import { centralError } from '../errors.ts';
import { receiveRecruitmentEvents } from '../recruitment/events.ts';
import { audit, recordContract, recordDeparture, recordOrientation, setOutcome } from '../recruitment/selection.ts';
import { employerCsv, listCandidates } from '../recruitment/shortlist.ts';
import {
  candidatesPerVacancy,
  contractFlags,
  indicatorTable,
  indicatorWorkers,
  parseIndicatorGroupBy,
  selectionRates,
  timeToSelection,
  vacancyTable,
} from '../recruitment/statistics.ts';

const gzipAsync = promisify(gzip);

export const RECRUITMENT_ADMIN_PATH = '/api/v1/admin/recruitment';
export const RECRUITMENT_PATH = '/api/v1/recruitment';

export interface RecruitmentRoutesOptions {
  db: Db;
  devices: DeviceDirectory;
  centralKey?: () => CentralKey;
  maxSkewMs?: number;
  now?: () => number;
}

/** Who made a staff change, for the audit: the signed-in user, or the admin token. */
const actorOf = (request: FastifyRequest) => (request.staff ? `staff:${request.staff.username}` : 'admin-token');

const DateString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const Id = Type.String({ minLength: 1, maxLength: 64 });
const RowBody = Type.Object({}, { additionalProperties: true });
/** JSON answers are typed in their modules (recruitment/*.ts) and documented in central/openapi.yaml. */
const ANSWERS = { 200: Type.Unknown(), '4xx': ErrorResponseSchema };
const OkEdit = Type.Object({ table: Type.String(), upserted: Type.Integer(), unchanged: Type.Integer(), deleted: Type.Integer(), version: Type.Integer() });
/** The options of a staff route of this file: admin session or admin token, tagged recruitment, JSON answers. */
const staffRoute = <S extends object = object>(summary: string, schema?: S) => ({
  config: { centralAccess: 'admin-or-token' as const },
  schema: { tags: ['recruitment'], summary, ...(schema as S), response: ANSWERS },
});

/** The device route, in its own scope: its JSON parser keeps the exact body bytes for the hash check. */
const deviceEventsRoute: FastifyPluginAsyncTypebox<RecruitmentRoutesOptions> = async (app, opts) => {
  const now = opts.now ?? Date.now;
  const centralKey = opts.centralKey ?? lazyCentralKey(undefined);
  const maxSkewMs = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    request.recruitmentRawBody = body as Buffer;
    try {
      done(null, JSON.parse((body as Buffer).toString('utf8')));
    } catch {
      done(centralError('RECRUITMENT_EVENTS_INVALID', 'The body is not JSON'), undefined);
    }
  });
  app.decorateRequest('recruitmentRawBody', null);
  app.decorateRequest('recruitmentDevice', null);

  app.post(
    RECRUITMENT_EVENTS_PATH,
    {
      config: { centralAccess: 'device' },
      schema: {
        tags: ['recruitment'],
        summary: 'Recruitment events from an appliance (candidacies, withdrawals, cost reports); signed request with the body hash in the query, signed answer',
        querystring: Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) }, { additionalProperties: false }),
        body: Type.Object({ events: Type.Array(Type.Unknown()) }, { additionalProperties: false }),
        response: { 200: Type.Unknown({ description: 'RecruitmentEventsAnswer (protocol/src/recruitment.ts), signed' }), '4xx': ErrorResponseSchema },
      },
      onRequest: async (request) => {
        request.recruitmentDevice = await authenticateDeviceRequest(request, { devices: opts.devices, path: RECRUITMENT_EVENTS_PATH, maxSkewMs, now });
      },
    },
    async (request, reply) => {
      const device = request.recruitmentDevice;
      const raw = request.recruitmentRawBody;
      if (!device || !raw) throw centralError('RECRUITMENT_EVENTS_INVALID', 'Request was not authenticated');
      const contentSha256 = sha256Hex(raw);
      if (contentSha256 !== request.query.sha256) {
        throw centralError('RECRUITMENT_BODY_HASH_MISMATCH', 'The body is not the one the signed query names');
      }
      if (request.body.events.length > MAX_EVENTS_PER_REQUEST) {
        throw centralError('RECRUITMENT_TOO_MANY_EVENTS', `At most ${MAX_EVENTS_PER_REQUEST} events per request`);
      }
      const answer = await receiveRecruitmentEvents(opts.db, request.body.events, { deviceId: device.deviceId, officeCode: device.officeCode });
      request.log.info({ deviceId: device.deviceId, accepted: answer.accepted.length, duplicates: answer.duplicates.length, rejected: answer.rejected.length }, 'recruitment events');
      const json = Buffer.from(JSON.stringify(answer), 'utf8');
      const gzipped = /\bgzip\b/i.test(String(request.headers['accept-encoding'] ?? ''));
      const bytes = gzipped ? await gzipAsync(json) : json;
      if (gzipped) void reply.header('content-encoding', 'gzip');
      const binding = { purpose: RECRUITMENT_ANSWER_PURPOSE, deviceId: device.deviceId, requestTag: String(request.headers[HEADER_SIGNATURE] ?? ''), batchId: '', contentSha256 };
      return reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('cache-control', 'no-store')
        .header(HEADER_CENTRAL_SIGNATURE, signAnswer(binding, 200, bytes, centralKey().privateKey))
        .send(bytes);
    },
  );
};

const CandidateQuery = Type.Object(
  {
    vacancyId: Type.Optional(Id),
    employerId: Type.Optional(Id),
    status: Type.Optional(Type.Union(['candidate', 'shortlisted', 'selected', 'not_selected', 'withdrew'].map((s) => Type.Literal(s)))),
    office: Type.Optional(Type.String({ pattern: '^[A-Z0-9]{2,8}$' })),
    occupationMatches: Type.Optional(Type.Boolean()),
    meetsMinimumAge: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
  },
  { additionalProperties: false },
);

export const recruitmentRoutes: FastifyPluginAsyncTypebox<RecruitmentRoutesOptions> = async (app, opts) => {
  const { db } = opts;
  await app.register(deviceEventsRoute, opts);

  // ---- employers and vacancies (reference data with the recruitment rules of reference-rules.ts) ----
  app.get(
    `${RECRUITMENT_ADMIN_PATH}/vocabulary`,
    staffRoute('The closed lists a vacancy is written with (the console builds its forms from them)'),
    async () => ({
      complianceStatuses: COMPLIANCE_STATUSES,
      wagePeriods: WAGE_PERIODS,
      provisions: PROVISIONS,
      costPayers: COST_PAYERS,
      skills: SKILL_CODES,
      certificates: CERTIFICATE_CODES,
      minimumAge: MINIMUM_AGE,
    }),
  );
  for (const [kind, table, key] of [
    ['employers', 'employers', 'employer_id'],
    ['vacancies', 'vacancies', 'vacancy_id'],
  ] as const) {
    app.get(`${RECRUITMENT_ADMIN_PATH}/${kind}`, staffRoute(`All ${kind} with their recruitment terms`), async () => {
      const rows = await db.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM ref_${table} t ORDER BY ${key}`);
      return { [kind]: rows.map((r) => JSON.parse(r.row) as Record<string, unknown>) };
    });
    app.put(
      `${RECRUITMENT_ADMIN_PATH}/${kind}/:id`,
      {
        config: { centralAccess: 'admin-or-token' },
        schema: {
          tags: ['recruitment'], 
          summary: `Create or change one of the ${kind} (recruitment rules checked; audited)`,
          params: Type.Object({ id: Id }),
          body: RowBody,
          response: { 200: OkEdit, '4xx': ErrorResponseSchema },
        },
      },
      async (request) => {
        const row = { ...request.body, [key]: request.params.id };
        const result = await applyReferenceEdits(db, table, { upsert: [row] });
        await audit(db, {
          actor: actorOf(request),
          action: `${table}.put`,
          ...(table === 'employers' ? { employerId: request.params.id } : { vacancyId: request.params.id }),
          detail: { row, upserted: result.upserted },
        });
        return result;
      },
    );
  }

  // ---- shortlists and selection ----
  app.get(
    `${RECRUITMENT_PATH}/candidates`,
    staffRoute('Candidates across offices, filterable (audited view)', { querystring: CandidateQuery }),
    async (request) => {
      const candidates = await listCandidates(db, request.query);
      await audit(db, { actor: actorOf(request), action: 'candidates.view', vacancyId: request.query.vacancyId ?? null, detail: { query: request.query, rows: candidates.length } });
      return { candidates };
    },
  );
  app.get(
    `${RECRUITMENT_PATH}/candidates.csv`,
    staffRoute("The employer's CSV export of candidates (no sex, birth date, nationality, document or costs)", { querystring: CandidateQuery }),
    async (request, reply) => {
      const candidates = await listCandidates(db, request.query);
      await audit(db, { actor: actorOf(request), action: 'candidates.export', vacancyId: request.query.vacancyId ?? null, detail: { query: request.query, rows: candidates.length } });
      const name = `candidates-${(request.query.vacancyId ?? 'all').replace(/[^A-Za-z0-9_-]/g, '_')}.csv`;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send(employerCsv(candidates));
    },
  );

  const CandidacyParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-fA-F-]{36}$' }) });
  /** A staff decision on one candidacy or protection case (the UUID in the path): a POST with a closed JSON body, audited by `decide`. */
  const decisionRoute = <B extends TObject>(path: string, summary: string, body: B, decide: (id: string, body: Static<B>, actor: string) => Promise<unknown>) =>
    app.post(path, staffRoute(summary, { params: CandidacyParams, body }), async (request) =>
      decide(request.params.id, request.body as Static<B>, actorOf(request)),
    );
  decisionRoute(
    `${RECRUITMENT_PATH}/candidacies/:id/outcome`,
    'Record an outcome (shortlisted, selected, not selected, withdrew) with its date',
    Type.Object({ status: Type.Union(['shortlisted', 'selected', 'not_selected', 'withdrew'].map((s) => Type.Literal(s))), on: DateString }, { additionalProperties: false }),
    async (id, body, actor) => ({ candidacy: await setOutcome(db, id, { ...body, actor }) }),
  );
  decisionRoute(
    `${RECRUITMENT_PATH}/candidacies/:id/contract`,
    'Record the contract offered; compared term by term with the vacancy, differences flagged',
    Type.Object({ contract: RowBody, on: DateString }, { additionalProperties: false }),
    (id, body, actor) => recordContract(db, id, { contract: body.contract, on: body.on, actor }),
  );
  decisionRoute(
    `${RECRUITMENT_PATH}/candidacies/:id/orientation`,
    'Record pre-departure orientation attended',
    Type.Object({ on: DateString }, { additionalProperties: false }),
    async (id, body, actor) => ({ candidacy: await recordOrientation(db, id, { on: body.on, actor }) }),
  );
  decisionRoute(
    `${RECRUITMENT_PATH}/candidacies/:id/departure`,
    'Record the departure date (needs the contract; a flagged contract needs flagsReviewed)',
    Type.Object({ on: DateString, flagsReviewed: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    async (id, body, actor) => ({ candidacy: await recordDeparture(db, id, { ...body, actor }) }),
  );
  app.get(
    `${RECRUITMENT_PATH}/candidacies/:id/audit`,
    staffRoute("A candidacy's audited history", { params: CandidacyParams }),
    async (request) => ({
      audit: await db.query(
        `SELECT id::int AS id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor, action, detail
         FROM recruitment_audit WHERE candidacy_id = $1::uuid ORDER BY id`,
        [request.params.id],
      ),
    }),
  );

  // ---- costs: protection cases and exchange rates ----
  app.get(
    `${RECRUITMENT_PATH}/protection-cases`,
    staffRoute('Payments to recruiters or agents reported by migrants, for follow-up', {
      querystring: Type.Object({ open: Type.Optional(Type.Boolean()), office: Type.Optional(Type.String({ pattern: '^[A-Z0-9]{2,8}$' })) }, { additionalProperties: false }),
    }),
    async (request) => ({ cases: await listProtectionCases(db, request.query) }),
  );
  decisionRoute(
    `${RECRUITMENT_PATH}/protection-cases/:id/follow-up`,
    'Mark a protection case followed up (audited)',
    Type.Object({ note: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
    async (id, body, actor) => {
      await followUpProtectionCase(db, id, { note: body.note, actor });
      return { followedUp: id };
    },
  );
  app.get(`${RECRUITMENT_PATH}/exchange-rates`, staffRoute('Exchange rates used for SDG 10.7.1'), async () => ({
    rates: await listExchangeRates(db),
  }));
  app.put(
    `${RECRUITMENT_PATH}/exchange-rates`,
    staffRoute('Set exchange rates (ZAR per unit from a date; audited)', {
      body: Type.Object(
        {
          rates: Type.Array(
            Type.Object(
              { currency: Type.String({ maxLength: 3 }), validFrom: DateString, zarPerUnit: Type.String({ maxLength: 20 }), source: Type.String({ minLength: 1, maxLength: 200 }) },
              { additionalProperties: false },
            ),
            { maxItems: 1000 },
          ),
        },
        { additionalProperties: false },
      ),
    }),
    async (request) => ({ upserted: await upsertExchangeRates(db, request.body.rates, actorOf(request)) }),
  );

  // ---- statistics ----
  app.get(
    `${RECRUITMENT_PATH}/stats`,
    {
      config: { centralAccess: 'statistician' },
      schema: {
        tags: ['recruitment'], 
        summary: 'Recruitment statistics of a year: SDG 10.7.1 (suppressed), selection rates by sex and age group, time to selection, vacancies, contracts flagged',
        querystring: Type.Object(
          {
            year: Type.Integer({ minimum: 2000, maximum: 2100 }),
            groupBy: Type.Optional(Type.String({ maxLength: 100, description: 'For 10.7.1: comma-separated office, sex, occupation, employer' })),
          },
          { additionalProperties: false },
        ),
        response: ANSWERS,
      },
    },
    async (request) => {
      const { year } = request.query;
      const dims = parseIndicatorGroupBy(request.query.groupBy);
      const { workers, excluded } = await indicatorWorkers(db, year);
      return {
        year,
        sdg10_7_1: {
          groupBy: dims,
          cells: indicatorTable(workers, dims),
          excluded,
          method: 'mean over selected workers of (reported costs in ZAR at the rate of the payment date) / (contract or vacancy gross monthly wage in ZAR)',
        },
        selectionRates: await selectionRates(db, year),
        timeToSelection: await timeToSelection(db, year),
        vacancies: await vacancyTable(db),
        candidatesPerVacancy: await candidatesPerVacancy(db),
        contracts: await contractFlags(db, year),
      };
    },
  );
};

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes of a recruitment-events body (hashed against the signed query). */
    recruitmentRawBody: Buffer | null;
    /** Set by the recruitment-events onRequest hook once the signed request verified. */
    recruitmentDevice: import('../devices/device-directory.ts').EnrolledDevice | null;
  }
}
