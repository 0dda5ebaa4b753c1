/**
 * The counter's recruitment routes (issue #17): matching, the work profile, candidacies, recruitment costs,
 * outcome notices and the forwarding status. Every route is for signed-in staff (`access: 'officer'`, checked by
 * http/access.ts); every change is audited by the service in the transaction that makes it.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CERTIFICATE_CODES, COST_PAID_TO, COST_PURPOSES, SKILL_CODES } from '@lmc/protocol/recruitment.ts';
import { requireOfficer } from '../auth/index.ts';
import { orNotFound, routeOptions } from '../http/route-options.ts';
import { Uuid } from '../http/schemas.ts';
import type { Notifications } from '../notifications/index.ts';
import { DESTINATION_PROVINCES } from '../registrations-details/details-rules.ts';
import { outcomeNoticePdf } from './outcome-notice-pdf.ts';
import { NOTICE_STATUSES, type OutcomeNotices } from './outcome-notices.ts';
import type { RecruitmentRelay } from './recruitment-relay.ts';
import { COST_CURRENCIES, type RecruitmentService } from './recruitment-service.ts';

export interface RecruitmentRoutesOptions {
  service: RecruitmentService;
  notices: OutcomeNotices;
  relay: Pick<RecruitmentRelay, 'linkState' | 'kick'>;
  notifications: Pick<Notifications, 'outbox' | 'channel'>;
  officeName: string;
  now?: () => Date;
}

const Open = <T extends Parameters<typeof Type.Object>[0]>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: true, ...(description ? { description } : {}) });
const S = Type.String();
const NS = Type.Union([Type.String(), Type.Null()]);
const NI = Type.Union([Type.Integer(), Type.Null()]);
const Err = Open({ statusCode: Type.Integer(), code: S, message: S, field: Type.Optional(S), vacancyId: Type.Optional(S), reason: Type.Optional(S) });
const IdParams = Type.Object({ id: Uuid });
const route = routeOptions({ tags: ['recruitment'], errors: { 400: Err, 401: Err, 403: Err, 404: Err, 409: Err, 507: Err } });

const Enum = <T extends readonly string[]>(values: T, description?: string) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

const ProfileBody = Type.Object(
  {
    experienceSeasons: Type.Integer({ minimum: 0, maximum: 40, description: 'seasons (or years) worked in the occupation' }),
    skills: Type.Array(Enum(SKILL_CODES), { maxItems: SKILL_CODES.length, default: [] }),
    certificates: Type.Array(Enum(CERTIFICATE_CODES), { maxItems: CERTIFICATE_CODES.length, default: [] }),
    destinationProvinces: Type.Array(Enum(DESTINATION_PROVINCES), { maxItems: DESTINATION_PROVINCES.length, description: 'ISO 3166-2:ZA; empty = anywhere' }),
    destinationDistricts: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10, default: [] }),
  },
  { additionalProperties: false },
);

const Profile = Open({
  registrationId: S,
  occupationIsco: S,
  occupationTitle: NS,
  age: NI,
  experienceSeasons: Type.Integer(),
  skills: Type.Array(S),
  certificates: Type.Array(S),
  destinationProvinces: Type.Array(S),
  destinationDistricts: Type.Array(S),
  saved: Type.Boolean(),
  updatedAt: NS,
});

const Vacancy = Open(
  {
    vacancyId: S,
    employerId: S,
    employerName: S,
    title: NS,
    occupationIsco: S,
    occupationTitle: NS,
    destinationProvince: S,
    district: NS,
    positions: Type.Integer(),
    positionsFilled: Type.Integer(),
    closesOn: NS,
    demo: Type.Boolean(),
    terms: Open({}, 'wage (ZAR cents and period), hours, contract months, accommodation, transport, start date, who pays recruitment and travel'),
    flags: Type.Array(S),
  },
  'a vacancy of the local reference copy with its terms (issue #17)',
);
const Reason = Open({ code: S }, 'occupation-exact | occupation-related | experience-met | experience-short | skills-met | skills-missing | certificates-met | certificates-missing | destination-preferred | destination-other | district-preferred | places-left | closes-soon, with its parameters');
const Match = Open({ vacancy: Vacancy, score: Type.Integer(), meetsRequirements: Type.Boolean(), placesLeft: Type.Integer(), reasons: Type.Array(Reason), summary: S });
const Candidacy = Open({
  candidacyId: S,
  registrationId: S,
  vacancyId: S,
  status: Type.String({ description: "candidate | withdrew here; the central's shortlisted | selected | not_selected once it arrives" }),
  statusOn: NS,
  recordedAt: S,
  recordedBy: S,
  vacancy: Vacancy,
  match: Type.Union([Open({ score: Type.Integer(), summary: S }), Type.Null()]),
  contractFlags: Type.Array(S),
});
const CostBody = Type.Object(
  {
    amountMinor: Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'amount in minor units (cents) of `currency`' }),
    currency: Enum(COST_CURRENCIES, 'ISO 4217: the currency the migrant paid in'),
    paidTo: Enum(COST_PAID_TO, 'to whom: recruiter and agent raise a protection flag'),
    purpose: Enum(COST_PURPOSES, 'for what'),
    paidOn: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD, as the migrant remembers it' }),
    vacancyId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  },
  { additionalProperties: false },
);
const Cost = Open({
  costId: S,
  registrationId: S,
  vacancyId: NS,
  amountMinor: Type.Integer(),
  currency: S,
  paidTo: S,
  purpose: S,
  paidOn: S,
  protectionFlag: Type.Boolean({ description: 'paid to a recruiter or an agent: the officer is shown the protection notice; the central follows it up' }),
  recordedAt: S,
  recordedBy: S,
});
const Notice = Open({ candidacyId: S, status: S, statusOn: S, registrationId: S, registrationNumber: S, vacancyId: S, language: S, noticedAt: S, slipPrintedAt: NS, messageQueued: Type.Boolean(), vacancy: Type.Union([Vacancy, Type.Null()]) });

export const recruitmentRoutes: FastifyPluginAsyncTypebox<RecruitmentRoutesOptions> = async (app, opts) => {
  const { service, notices, relay, notifications } = opts;
  const now = opts.now ?? (() => new Date());
  /** What a change recorded for the central: the relay is woken to send it now. */
  const forwarded = <T>(result: T): T => {
    relay.kick();
    return result;
  };

  app.get(
    '/api/recruitment/vocabulary',
    route('officer', {
      summary: 'The codes the matching and cost screens offer (skills, certificates, currencies, payees, purposes)',
      response: { 200: Open({ skills: Type.Array(S), certificates: Type.Array(S), currencies: Type.Array(S), paidTo: Type.Array(S), purposes: Type.Array(S), destinations: Type.Array(S) }) },
    }),
    async () => ({
      skills: [...SKILL_CODES],
      certificates: [...CERTIFICATE_CODES],
      currencies: [...COST_CURRENCIES],
      paidTo: [...COST_PAID_TO],
      purposes: [...COST_PURPOSES],
      destinations: [...DESTINATION_PROVINCES],
    }),
  );

  app.get(
    '/api/registrations/:id/vacancy-matches',
    route('officer', {
      summary: 'Open vacancies matching the migrant, best first, with reasons',
      description:
        "From the local reference copy (works offline). Ranks by occupation (ISCO-08 unit, minor or sub-major group), experience, skills, certificates and destination preference; never lists a vacancy that is closed, filled, past its closing date, not yet open, without a place left, of a suspended employer, or whose minimum age the migrant is under. 409 RECRUITMENT_DETAILS_MISSING before the details are saved.",
      params: IdParams,
      response: { 200: Open({ profile: Profile, today: S, matches: Type.Array(Match), candidacies: Type.Array(Candidacy) }) },
    }),
    async (request) => service.matches(request.params.id),
  );

  app.get(
    '/api/registrations/:id/work-profile',
    route('officer', { summary: "The migrant's work profile for matching (defaults from the details when not saved)", params: IdParams, response: { 200: Profile } }),
    async (request) => service.profile(request.params.id),
  );

  app.put(
    '/api/registrations/:id/work-profile',
    route('officer', { summary: "Save the migrant's experience, skills, certificates and destination preference (audited)", params: IdParams, body: ProfileBody, response: { 200: Profile } }),
    async (request) => service.saveProfile(request.params.id, request.body as never, requireOfficer(request).officerId),
  );

  app.get(
    '/api/registrations/:id/candidacies',
    route('officer', { summary: 'Vacancies the migrant asked for, with the outcome once the central decides', params: IdParams, response: { 200: Open({ items: Type.Array(Candidacy) }) } }),
    async (request) => ({ items: service.candidacies(request.params.id) }),
  );

  app.post(
    '/api/registrations/:id/candidacies',
    route('officer', {
      summary: "Record the migrant's interest in one or more vacancies (all or none; audited; forwarded to the central)",
      description: 'Idempotent per vacancy. 409 VACANCY_NOT_OFFERED (vacancyId, reason) when a vacancy may not be offered today; nothing is recorded then.',
      params: IdParams,
      body: Type.Object({ vacancyIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 20 }) }, { additionalProperties: false }),
      response: { 200: Open({ items: Type.Array(Candidacy) }) },
    }),
    async (request) => ({ items: forwarded(service.addCandidacies(request.params.id, request.body.vacancyIds, requireOfficer(request).officerId)) }),
  );

  app.post(
    '/api/registrations/:id/candidacies/:candidacyId/withdraw',
    route('officer', { summary: 'The migrant no longer wants this vacancy (audited; forwarded)', params: Type.Object({ id: Uuid, candidacyId: Uuid }), response: { 200: Candidacy } }),
    async (request) => forwarded(service.withdraw(request.params.id, request.params.candidacyId, requireOfficer(request).officerId)),
  );

  app.get(
    '/api/registrations/:id/recruitment-costs',
    route('officer', { summary: 'Recruitment costs the migrant reported', params: IdParams, response: { 200: Open({ items: Type.Array(Cost) }) } }),
    async (request) => ({ items: service.costs(request.params.id) }),
  );

  app.post(
    '/api/registrations/:id/recruitment-costs',
    route('officer', {
      summary: 'Record what the migrant paid, to whom and for what (audited; forwarded to the central for SDG 10.7.1)',
      description: 'At registration or any later visit (also on a finalized registration). A payment to a recruiter or an agent answers protectionFlag: true — the screen shows the protection notice.',
      params: IdParams,
      body: CostBody,
      response: { 201: Cost },
    }),
    async (request, reply) => reply.code(201).send(forwarded(service.addCost(request.params.id, request.body as never, requireOfficer(request).officerId))),
  );

  app.get(
    '/api/recruitment/notices',
    route('officer', {
      summary: 'Shortlisted and selected outcomes from the central, newest first (slips to hand over)',
      querystring: Type.Object({ unprinted: Type.Optional(Type.Boolean()), registrationId: Type.Optional(Uuid) }, { additionalProperties: false }),
      response: { 200: Open({ items: Type.Array(Notice) }) },
    }),
    async (request) => ({ items: notices.list({ ...(request.query.unprinted ? { unprinted: true } : {}), ...(request.query.registrationId ? { registrationId: request.query.registrationId } : {}) }) }),
  );

  const NoticeParams = Type.Object({ candidacyId: Uuid, status: Type.Union(NOTICE_STATUSES.map((v) => Type.Literal(v))) });
  const noticeOf = (candidacyId: string, status: string) => {
    return orNotFound(notices.get(candidacyId, status), 'No such notice at this post.', { id: candidacyId });
  };

  app.get(
    '/api/recruitment/notices/:candidacyId/:status/notice.pdf',
    route('officer', {
      summary: "The printed notice (A4 PDF) in the migrant's language, with the vacancy's terms", params: NoticeParams, produces: ['application/pdf'], response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' }) },
    }),
    async (request, reply) => {
      const pdf = await outcomeNoticePdf(noticeOf(request.params.candidacyId, request.params.status), { officeName: opts.officeName, generatedAt: now().toISOString() });
      return reply.type('application/pdf').header('cache-control', 'no-store').send(pdf);
    },
  );

  app.post(
    '/api/recruitment/notices/:candidacyId/:status/printed',
    route('officer', { summary: 'The notice was printed and handed over (audited)', params: NoticeParams, response: { 200: Notice } }),
    async (request) => {
      noticeOf(request.params.candidacyId, request.params.status);
      notices.markPrinted(request.params.candidacyId, request.params.status, requireOfficer(request).officerId);
      return noticeOf(request.params.candidacyId, request.params.status);
    },
  );

  app.get(
    '/api/recruitment/status',
    route('officer', {
      summary: 'Forwarding of candidacies and costs, and messages to migrants (numbers masked)',
      response: {
        200: Open({
          linkState: S,
          outbox: Open({ pending: Type.Integer(), due: Type.Integer(), rejected: Type.Integer(), lastSentAt: NS, lastError: NS, oldestPendingAt: NS }),
          notifications: Open({ channel: S, queued: Type.Integer(), sent: Type.Integer(), failed: Type.Integer(), recent: Type.Array(Open({ notificationId: S, recipientMasked: S, state: S })) }),
        }),
      },
    }),
    async () => ({
      linkState: relay.linkState,
      outbox: service.outbox.status(),
      notifications: { channel: notifications.channel.name, ...notifications.outbox.counts(), recent: notifications.outbox.recent(20) },
    }),
  );
};
