/**
 * Recruitment and selection (#17): the contract the appliance (counter) and the central speak.
 * Pure, imported by both ends and by the console's bundle (reference-tables.ts reads its column lists): node:crypto is
 * used only inside a function, never at import, and no module with import-time Node globals (Buffer) is imported.
 *
 * Three flows:
 *
 * 1. Vacancy terms, central → appliances, in the reference feed (reference-tables.ts): the columns
 *    of `employers` and `vacancies` named in EMPLOYER_TERM_COLUMNS / VACANCY_TERM_COLUMNS. Every term
 *    column is nullable on the wire (demonstration rows and vacancies entered before #17 have none);
 *    the central refuses an OPEN vacancy without its terms (vacancyProblems) and flags the rest
 *    (vacancyFlags, carried in `vacancies.flags`).
 *
 * 2. Recruitment events, appliance → central: `POST /api/v1/recruitment/events?sha256=<hex>` with a
 *    JSON body { events: RecruitmentEvent[] }. Signed like a reference pull (reference-feed.ts
 *    signRequest: x-device-id, x-timestamp, x-signature over method, RECRUITMENT_EVENTS_PATH, the
 *    query string and the device id): the query carries the SHA-256 of the exact body bytes, so the
 *    signature covers the body; the central refuses a body whose hash differs
 *    (RECRUITMENT_BODY_HASH_MISMATCH). The answer (RecruitmentEventsAnswer) is signed with
 *    batch-envelope.ts signAnswer, purpose 'recruitment-events', requestTag = the request's
 *    x-signature, batchId '', contentSha256 = the body's hash. Each event is idempotent by eventId:
 *    resending an event already stored answers it as a duplicate; an event id reused with other
 *    content is refused for that event only (EVENT_CONFLICT) and must not be resent.
 *
 * 3. Outcomes, central → appliances: the reference table `recruitment_outcomes`, scoped to the
 *    office the candidacy was recorded at (scope 'office'), one row per candidacy with its current
 *    status, dates and contract flags.
 *
 * Money is integer minor units (cents) everywhere: no floating point between the two ends.
 */
import { createHash } from 'node:crypto';
import type { ColumnType } from './reference-tables.ts';

export const RECRUITMENT_EVENTS_PATH = '/api/v1/recruitment/events';
/** Events per request: the appliance sends more in several requests. */
export const MAX_EVENTS_PER_REQUEST = 500;
/** The answer signature's purpose tag (batch-envelope.ts AnswerPurpose). */
export const RECRUITMENT_ANSWER_PURPOSE = 'recruitment-events' as const;

/** The query string the appliance signs and sends: the hash of the exact body bytes. */
export function recruitmentEventsQuery(body: Uint8Array | string): string {
  return `sha256=${createHash('sha256').update(body).digest('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// Vocabularies
// ---------------------------------------------------------------------------------------------

export const COMPLIANCE_STATUSES = ['compliant', 'under_review', 'suspended'] as const;
export type ComplianceStatus = (typeof COMPLIANCE_STATUSES)[number];

export const WAGE_PERIODS = ['hour', 'day', 'week', 'fortnight', 'month'] as const;
export type WagePeriod = (typeof WAGE_PERIODS)[number];

/** Accommodation and (daily) transport to the workplace. */
export const PROVISIONS = ['provided_free', 'provided_deducted', 'not_provided'] as const;
export type Provision = (typeof PROVISIONS)[number];

/** Who pays recruitment costs / travel to the workplace: anything but 'employer' flags the vacancy (ILO GPOG principle 7). */
export const COST_PAYERS = ['employer', 'worker', 'shared'] as const;
export type CostPayer = (typeof COST_PAYERS)[number];

/**
 * Requirements are structured: skills and certificates are codes from these closed lists, so no
 * requirement can name a person's sex, religion, union membership, ethnicity, marital status,
 * pregnancy, HIV status or political opinion. The only free text of a vacancy (title, terms_note)
 * is screened (discriminationProblems).
 */
export const SKILL_CODES = [
  // farm
  'fruit_picking', 'vegetable_harvesting', 'pruning', 'packhouse', 'irrigation', 'spraying', 'tractor_driving', 'livestock', 'poultry', 'dairy',
  // construction
  'bricklaying', 'plastering', 'carpentry', 'welding', 'plumbing', 'electrical', 'steel_fixing',
  // transport and machines
  'heavy_vehicle_driving', 'light_vehicle_driving', 'forklift', 'machine_operation',
  // services
  'cooking', 'cleaning', 'security', 'first_aid',
] as const;
export type SkillCode = (typeof SKILL_CODES)[number];

export const CERTIFICATE_CODES = [
  'driving_licence_b',
  'driving_licence_c',
  'driving_licence_ec',
  'professional_driving_permit',
  'forklift_licence',
  'first_aid_level_1',
  'trade_test',
  'pesticide_handling',
  'food_handling',
  'security_grade',
] as const;
export type CertificateCode = (typeof CERTIFICATE_CODES)[number];

/** South African minimum age for this work (Basic Conditions of Employment Act s43; ILO C138 / C182 hazardous work). */
export const MINIMUM_AGE = 18;

/** Flags the central computes and sends with each vacancy (vacancies.flags). */
export const VACANCY_FLAGS = ['worker_pays_recruitment', 'worker_pays_travel', 'terms_incomplete', 'employer_suspended'] as const;
export type VacancyFlag = (typeof VACANCY_FLAGS)[number];

// ---------------------------------------------------------------------------------------------
// Reference-feed columns added by #17 (reference-tables.ts declares them; all nullable on the wire)
// ---------------------------------------------------------------------------------------------

/** employers: registration number (CIPC, YYYY/NNNNNN/NN), contact and compliance status; text on the wire. */
export const EMPLOYER_TERM_COLUMNS = ['sa_registration_no', 'contact_name', 'contact_phone', 'contact_email', 'compliance_status'] as const;

export interface EmployerTerms {
  employer_id: string;
  name: string;
  sa_registration_no: string | null;
  contact_name: string | null;
  contact_phone: string | null;
  contact_email: string | null;
  compliance_status: ComplianceStatus | null;
}

/** vacancies: the terms of the job, as the slip and the contract comparison use them, with their wire types. */
export const VACANCY_TERM_COLUMNS = [
  ['workplace_district', 'text'],
  ['wage_zar_cents', 'integer'],
  ['wage_period', 'text'],
  ['hours_per_week', 'integer'],
  ['days_per_week', 'integer'],
  ['contract_months', 'integer'],
  ['accommodation', 'text'],
  ['transport', 'text'],
  ['start_date', 'date'],
  ['recruitment_cost_payer', 'text'],
  ['travel_cost_payer', 'text'],
  ['min_age', 'integer'],
  ['min_experience_seasons', 'integer'],
  ['required_skills', 'text[]'],
  ['required_certificates', 'text[]'],
  ['terms_note', 'text'],
  ['places_left', 'integer'],
  ['flags', 'text[]'],
] as const satisfies readonly (readonly [keyof VacancyTerms, ColumnType])[];

export interface VacancyTerms {
  /** Free text: a South African district or local municipality ("Vhembe", "Mopani"). */
  workplace_district: string | null;
  /** Gross wage per wage_period, ZAR cents. */
  wage_zar_cents: number | null;
  wage_period: WagePeriod | null;
  hours_per_week: number | null;
  /** Working days a week (converts a daily wage to a monthly one). */
  days_per_week: number | null;
  contract_months: number | null;
  accommodation: Provision | null;
  transport: Provision | null;
  start_date: string | null;
  recruitment_cost_payer: CostPayer | null;
  travel_cost_payer: CostPayer | null;
  min_age: number | null;
  /** Seasons (agriculture) or years of experience in the occupation. */
  min_experience_seasons: number | null;
  required_skills: string[] | null;
  required_certificates: string[] | null;
  /** Optional free text, screened for discrimination. */
  terms_note: string | null;
  /** positions − selected; maintained by the central. */
  places_left: number | null;
  flags: string[] | null;
}

/**
 * One row of the reference feed's `vacancies` table (reference-tables.ts declares its columns; recruitment.test.ts
 * checks the two agree): the vacancy and its terms, as the central serves it and the appliances mirror it.
 */
export interface VacancyRow extends VacancyTerms {
  vacancy_id: string;
  employer_id: string;
  occupation_isco: string;
  /** ISO 3166-2:ZA: the devices of the offices serving this province receive the row. */
  destination_province: string;
  title: string | null;
  positions: number;
  opens_on: string | null;
  closes_on: string | null;
  /** 'open' | 'filled' | 'closed' */
  status: string;
  /** A made-up demonstration row (the shipped seed): never shown as a real vacancy. */
  demo: boolean;
}

/** The terms that must be present on an open vacancy. */
export const REQUIRED_OPEN_TERMS = [
  'wage_zar_cents',
  'wage_period',
  'hours_per_week',
  'contract_months',
  'accommodation',
  'transport',
  'start_date',
  'recruitment_cost_payer',
  'travel_cost_payer',
] as const satisfies readonly (keyof VacancyTerms)[];

/** Average weeks in a month (52/12) and fortnights (26/12), as the ILO–World Bank survey converts earnings. */
const WEEKS_PER_MONTH = 52 / 12;

/**
 * Gross monthly earnings in ZAR cents from a wage and its period (the 10.7.1 denominator), or
 * undefined when the terms do not say enough. Hourly: × hours a week × 52/12; daily: × days a
 * week (hours/8 when days are not given) × 52/12; weekly × 52/12; fortnightly × 26/12.
 */
export function monthlyWageZarCents(t: Pick<VacancyTerms, 'wage_zar_cents' | 'wage_period' | 'hours_per_week' | 'days_per_week'>): number | undefined {
  const w = t.wage_zar_cents;
  if (w === null || w === undefined || w <= 0) return undefined;
  switch (t.wage_period) {
    case null:
      return undefined;
    case 'month':
      return w;
    case 'fortnight':
      return Math.round((w * 26) / 12);
    case 'week':
      return Math.round(w * WEEKS_PER_MONTH);
    case 'day': {
      const days = t.days_per_week ?? (t.hours_per_week ? Math.min(7, t.hours_per_week / 8) : undefined);
      return days ? Math.round(w * days * WEEKS_PER_MONTH) : undefined;
    }
    case 'hour':
      return t.hours_per_week ? Math.round(w * t.hours_per_week * WEEKS_PER_MONTH) : undefined;
  }
}

/**
 * Words that name a prohibited ground of discrimination (ILO C111, C100, C183 and HIV Recommendation
 * R200; South African Employment Equity Act s6; Zimbabwe Labour Act s5), in English, Shona,
 * Ndebele and Afrikaans. A vacancy's free text containing one is refused: a requirement "women
 * only", "no union members", "must be Christian", "unmarried", "HIV negative" cannot be entered.
 * Whole words, case-insensitive. Deliberately broad: an officer rewords a legitimate note.
 */
export const DISCRIMINATION_TERMS: Readonly<Record<string, readonly string[]>> = {
  sex: ['male', 'males', 'female', 'females', 'man', 'men', 'woman', 'women', 'boy', 'boys', 'girl', 'girls', 'gender', 'sex', 'lady', 'ladies', 'murume', 'varume', 'mukadzi', 'vakadzi', 'indoda', 'amadoda', 'umfazi', 'abafazi', 'vrou', 'vroue', 'manlik', 'vroulik'],
  pregnancy: ['pregnant', 'pregnancy', 'pregnancies', 'maternity', 'nursing mother', 'nursing mothers', 'kuzvitakura', 'zwanger', 'swanger'],
  marital_status: ['married', 'unmarried', 'divorced', 'widow', 'widowed', 'marital', 'spouse', 'husband', 'wife', 'children', 'no kids', 'getroud'],
  religion: ['christian', 'christians', 'muslim', 'muslims', 'islam', 'church', 'religion', 'religious', 'apostolic', 'zion', 'zcc', 'jewish', 'hindu', 'kereke', 'kerk', 'godsdiens'],
  union_membership: ['union', 'unions', 'unionised', 'unionized', 'unionist', 'shop steward', 'cosatu', 'fawu', 'bawusa', 'vakbond'],
  ethnicity: ['race', 'racial', 'ethnic', 'ethnicity', 'tribe', 'tribal', 'shona', 'ndebele', 'venda', 'tsonga', 'shangaan', 'zulu', 'xhosa', 'sotho', 'white', 'black', 'coloured', 'indian', 'colour', 'nationality', 'foreigner', 'foreigners', 'swart', 'wit', 'bruin'],
  hiv_status: ['hiv', 'aids', 'positive', 'negative', 'arv', 'arvs', 'status test'],
  political_opinion: ['political', 'politics', 'zanu', 'zanu-pf', 'mdc', 'ccc', 'anc', 'eff', 'opposition', 'politiek'],
  disability: ['disabled', 'disability', 'handicapped', 'cripple'],
  age: ['young', 'youth', 'younger', 'older', 'elderly', 'under 30', 'under 35', 'under 40', 'below 30', 'below 35', 'below 40', 'max age', 'maximum age'],
  sexual_orientation: ['gay', 'lesbian', 'homosexual', 'straight', 'sexual orientation'],
};

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const DISCRIMINATION_RE: ReadonlyArray<[string, RegExp]> = Object.entries(DISCRIMINATION_TERMS).map(([ground, words]) => [
  ground,
  new RegExp(`(?<![\\p{L}\\p{N}])(${words.map(escapeRe).join('|')})(?![\\p{L}\\p{N}])`, 'iu'),
]);

/** The prohibited grounds `text` names ([] when none). */
export function discriminationGrounds(text: string | null | undefined): string[] {
  if (!text) return [];
  return DISCRIMINATION_RE.filter(([, re]) => re.test(text)).map(([g]) => g);
}

const isIn = <T extends string>(list: readonly T[], v: unknown): v is T => typeof v === 'string' && (list as readonly string[]).includes(v);
const intIn = (v: unknown, min: number, max: number) => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

export const SA_REGISTRATION_SHAPE = /^\d{4}\/\d{6}\/\d{2}$/;

/** Why an employer row cannot be stored ([] when it can). `row` has the reference columns. */
export function employerProblems(row: Record<string, unknown>): string[] {
  const p: string[] = [];
  if (row.compliance_status != null && !isIn(COMPLIANCE_STATUSES, row.compliance_status)) p.push(`compliance_status must be one of ${COMPLIANCE_STATUSES.join(', ')}`);
  if (row.sa_registration_no != null && !SA_REGISTRATION_SHAPE.test(String(row.sa_registration_no))) p.push('sa_registration_no must be a CIPC number YYYY/NNNNNN/NN');
  if (row.contact_email != null && !/^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,}$/.test(String(row.contact_email))) p.push('contact_email is not an e-mail address');
  if (row.contact_phone != null && !/^\+?[0-9 ]{7,20}$/.test(String(row.contact_phone))) p.push('contact_phone must be digits, spaces and an optional +');
  if (row.demo !== true && row.compliance_status == null) p.push('compliance_status is required (compliant, under_review or suspended)');
  return p;
}

/** Why a vacancy row cannot be stored ([] when it can): vocabularies, ranges, discrimination, terms of an open vacancy. */
export function vacancyProblems(row: Record<string, unknown>): string[] {
  const p: string[] = [];
  for (const col of ['title', 'terms_note'] as const) {
    const grounds = discriminationGrounds(row[col] as string | null);
    if (grounds.length > 0) p.push(`${col} names a prohibited ground of discrimination (${grounds.join(', ')}): requirements must be about the job`);
  }
  if (row.wage_period != null && !isIn(WAGE_PERIODS, row.wage_period)) p.push(`wage_period must be one of ${WAGE_PERIODS.join(', ')}`);
  if (row.wage_zar_cents != null && !intIn(row.wage_zar_cents, 1, 100_000_000)) p.push('wage_zar_cents must be a positive amount in cents');
  if (row.hours_per_week != null && !intIn(row.hours_per_week, 1, 84)) p.push('hours_per_week must be 1 to 84');
  if (row.days_per_week != null && !intIn(row.days_per_week, 1, 7)) p.push('days_per_week must be 1 to 7');
  if (row.contract_months != null && !intIn(row.contract_months, 1, 60)) p.push('contract_months must be 1 to 60');
  for (const col of ['accommodation', 'transport'] as const) {
    if (row[col] != null && !isIn(PROVISIONS, row[col])) p.push(`${col} must be one of ${PROVISIONS.join(', ')}`);
  }
  for (const col of ['recruitment_cost_payer', 'travel_cost_payer'] as const) {
    if (row[col] != null && !isIn(COST_PAYERS, row[col])) p.push(`${col} must be one of ${COST_PAYERS.join(', ')}`);
  }
  if (row.min_age != null && !intIn(row.min_age, MINIMUM_AGE, 65)) p.push(`min_age must be at least ${MINIMUM_AGE}`);
  if (row.min_experience_seasons != null && !intIn(row.min_experience_seasons, 0, 40)) p.push('min_experience_seasons must be 0 to 40');
  const skills = (row.required_skills as unknown[] | null) ?? [];
  for (const s of skills) if (!isIn(SKILL_CODES, s)) p.push(`required_skills: '${String(s).slice(0, 40)}' is not a skill code (SKILL_CODES)`);
  const certs = (row.required_certificates as unknown[] | null) ?? [];
  for (const c of certs) if (!isIn(CERTIFICATE_CODES, c)) p.push(`required_certificates: '${String(c).slice(0, 40)}' is not a certificate code (CERTIFICATE_CODES)`);
  if (row.places_left != null && Number.isSafeInteger(row.positions) && !intIn(row.places_left, 0, row.positions as number)) p.push('places_left must be 0 to positions');
  if (typeof row.start_date === 'string' && typeof row.closes_on === 'string' && row.closes_on > row.start_date) p.push('closes_on is after start_date');
  if (row.status === 'open' && row.demo !== true) {
    const missing = REQUIRED_OPEN_TERMS.filter((c) => row[c] === null || row[c] === undefined);
    if (missing.length > 0) p.push(`an open vacancy needs ${missing.join(', ')}`);
    if (monthlyWageZarCents(row as unknown as VacancyTerms) === undefined && missing.length === 0) p.push('the wage cannot be converted to a monthly amount (hours or days per week missing)');
  }
  return p;
}

/** The flags the central attaches to a vacancy (vacancies.flags). */
export function vacancyFlags(row: Record<string, unknown>, employerStatus: string | null): VacancyFlag[] {
  const f: VacancyFlag[] = [];
  if (row.recruitment_cost_payer != null && row.recruitment_cost_payer !== 'employer') f.push('worker_pays_recruitment');
  if (row.travel_cost_payer != null && row.travel_cost_payer !== 'employer') f.push('worker_pays_travel');
  if (REQUIRED_OPEN_TERMS.some((c) => row[c] === null || row[c] === undefined)) f.push('terms_incomplete');
  if (employerStatus === 'suspended') f.push('employer_suspended');
  return f;
}

// ---------------------------------------------------------------------------------------------
// Contract offered vs the vacancy (contract substitution)
// ---------------------------------------------------------------------------------------------

/** The contract actually offered to a selected candidate, recorded at the central. */
export interface ContractTerms {
  wage_zar_cents: number;
  wage_period: WagePeriod;
  hours_per_week: number;
  days_per_week: number | null;
  contract_months: number;
  accommodation: Provision;
  transport: Provision;
  recruitment_cost_payer: CostPayer;
  travel_cost_payer: CostPayer;
}

export const CONTRACT_FLAGS = [
  'wage_lower',
  'hours_longer',
  'length_differs',
  'accommodation_worse',
  'transport_worse',
  'worker_pays_recruitment',
  'worker_pays_travel',
  'vacancy_terms_missing',
] as const;
export type ContractFlag = (typeof CONTRACT_FLAGS)[number];

const PROVISION_RANK: Record<Provision, number> = { provided_free: 0, provided_deducted: 1, not_provided: 2 };

/**
 * Term-by-term comparison of the contract offered with the vacancy the worker was recruited for:
 * every term worse for the worker than advertised is a flag (a better wage is not). Wages are
 * compared as monthly amounts, so an hourly offer is compared fairly with a monthly advert.
 */
export function compareContract(vacancy: Partial<VacancyTerms>, contract: ContractTerms): ContractFlag[] {
  const f: ContractFlag[] = [];
  const advertised = monthlyWageZarCents({ wage_zar_cents: vacancy.wage_zar_cents ?? null, wage_period: vacancy.wage_period ?? null, hours_per_week: vacancy.hours_per_week ?? null, days_per_week: vacancy.days_per_week ?? null });
  const offered = monthlyWageZarCents(contract);
  if (advertised === undefined || vacancy.hours_per_week == null || vacancy.contract_months == null) f.push('vacancy_terms_missing');
  if (advertised !== undefined && offered !== undefined && offered < advertised) f.push('wage_lower');
  if (vacancy.hours_per_week != null && contract.hours_per_week > vacancy.hours_per_week) f.push('hours_longer');
  if (vacancy.contract_months != null && contract.contract_months !== vacancy.contract_months) f.push('length_differs');
  if (vacancy.accommodation != null && PROVISION_RANK[contract.accommodation] > PROVISION_RANK[vacancy.accommodation]) f.push('accommodation_worse');
  if (vacancy.transport != null && PROVISION_RANK[contract.transport] > PROVISION_RANK[vacancy.transport]) f.push('transport_worse');
  if (contract.recruitment_cost_payer !== 'employer') f.push('worker_pays_recruitment');
  if (contract.travel_cost_payer !== 'employer') f.push('worker_pays_travel');
  return f;
}

// ---------------------------------------------------------------------------------------------
// Appliance → central events
// ---------------------------------------------------------------------------------------------

export const COST_PAID_TO = ['recruiter', 'agent', 'transport', 'documents', 'medical', 'other'] as const;
export type CostPaidTo = (typeof COST_PAID_TO)[number];

/** What the payment was for (ILO–World Bank recruitment-cost survey categories). */
export const COST_PURPOSES = ['recruitment_fee', 'travel', 'passport_or_permit', 'medical_exam', 'training', 'accommodation', 'bribe_or_gift', 'other'] as const;
export type CostPurpose = (typeof COST_PURPOSES)[number];

/** Paying a recruiter is against the law of both countries and ILO C181 art. 7: a protection case to follow up. */
export function isProtectionConcern(paidTo: string): boolean {
  return paidTo === 'recruiter' || paidTo === 'agent';
}

/** A migrant's interest in a vacancy, recorded at the counter. candidacyId is the outcome row's key. */
export interface CandidacyEvent {
  kind: 'candidacy';
  /** UUID, the idempotency key. */
  eventId: string;
  /** UUID of the candidacy (one per registration and vacancy; the outcome row's key). */
  candidacyId: string;
  registrationId: string;
  vacancyId: string;
  /** ISO 8601 with offset, the appliance's clock. */
  recordedAt: string;
  officerId: string;
}

/** The migrant no longer wants the vacancy (told the officer). */
export interface CandidacyWithdrawnEvent {
  kind: 'candidacy-withdrawn';
  eventId: string;
  candidacyId: string;
  recordedAt: string;
  officerId: string;
}

/** One payment the migrant reports having made, at registration or any later visit. */
export interface CostReportEvent {
  kind: 'cost-report';
  eventId: string;
  registrationId: string;
  /** The vacancy the payment was for, when the migrant knows it. */
  vacancyId: string | null;
  /** Integer minor units of `currency` (cents). */
  amountMinor: number;
  /** ISO 4217 (USD, ZAR, ZWG, BWP, …). */
  currency: string;
  paidTo: CostPaidTo;
  purpose: CostPurpose;
  /** YYYY-MM-DD, as the migrant remembers it. */
  paidOn: string;
  recordedAt: string;
  officerId: string;
}

export type RecruitmentEvent = CandidacyEvent | CandidacyWithdrawnEvent | CostReportEvent;

export interface RecruitmentEventsBody {
  events: RecruitmentEvent[];
}

export type EventRejectionCode = 'EVENT_INVALID' | 'EVENT_CONFLICT' | 'VACANCY_UNKNOWN' | 'CANDIDACY_UNKNOWN';

export interface RecruitmentEventsAnswer {
  /** Stored by this request. */
  accepted: string[];
  /** Already stored with the same content: the appliance marks them sent too. */
  duplicates: string[];
  /** Refused for good: the appliance stops resending them and shows them to a supervisor. */
  rejected: Array<{ eventId: string; code: EventRejectionCode; message: string }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isKey = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 64;
const isInstant = (v: unknown) => typeof v === 'string' && v.length <= 40 && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v));

/** Why `e` is not a valid event (undefined when it is). Both ends run it: the appliance before queueing, the central on receipt. */
export function recruitmentEventProblem(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'event must be an object';
  const o = e as Record<string, unknown>;
  if (typeof o.eventId !== 'string' || !UUID.test(o.eventId)) return 'eventId must be a UUID';
  if (!isInstant(o.recordedAt)) return 'recordedAt must be an ISO 8601 instant';
  if (!isKey(o.officerId)) return 'officerId is required';
  switch (o.kind) {
    case 'candidacy':
      if (typeof o.candidacyId !== 'string' || !UUID.test(o.candidacyId)) return 'candidacyId must be a UUID';
      if (typeof o.registrationId !== 'string' || !UUID.test(o.registrationId)) return 'registrationId must be a UUID';
      if (!isKey(o.vacancyId)) return 'vacancyId is required';
      return undefined;
    case 'candidacy-withdrawn':
      if (typeof o.candidacyId !== 'string' || !UUID.test(o.candidacyId)) return 'candidacyId must be a UUID';
      return undefined;
    case 'cost-report':
      if (typeof o.registrationId !== 'string' || !UUID.test(o.registrationId)) return 'registrationId must be a UUID';
      if (o.vacancyId !== null && o.vacancyId !== undefined && !isKey(o.vacancyId)) return 'vacancyId must be a key or null';
      if (!intIn(o.amountMinor, 0, 100_000_000_00)) return 'amountMinor must be a non-negative integer (minor units)';
      if (typeof o.currency !== 'string' || !/^[A-Z]{3}$/.test(o.currency)) return 'currency must be an ISO 4217 code';
      if (!isIn(COST_PAID_TO, o.paidTo)) return `paidTo must be one of ${COST_PAID_TO.join(', ')}`;
      if (!isIn(COST_PURPOSES, o.purpose)) return `purpose must be one of ${COST_PURPOSES.join(', ')}`;
      if (typeof o.paidOn !== 'string' || !DATE.test(o.paidOn) || Number.isNaN(Date.parse(o.paidOn))) return 'paidOn must be a date YYYY-MM-DD';
      return undefined;
    default:
      return `kind must be candidacy, candidacy-withdrawn or cost-report`;
  }
}

// ---------------------------------------------------------------------------------------------
// Central → appliance outcomes (reference table recruitment_outcomes, scope office)
// ---------------------------------------------------------------------------------------------

export const CANDIDACY_STATUSES = ['candidate', 'shortlisted', 'selected', 'not_selected', 'withdrew'] as const;
export type CandidacyStatus = (typeof CANDIDACY_STATUSES)[number];

/** A row of `recruitment_outcomes` as the appliance receives it. */
export interface RecruitmentOutcomeRow {
  candidacy_id: string;
  registration_id: string;
  vacancy_id: string;
  office_code: string;
  status: CandidacyStatus;
  /** The date the current status was decided. */
  status_on: string;
  /** ContractFlag values; [] when the contract matches the vacancy or none is recorded yet. */
  contract_flags: string[];
  contract_recorded: boolean;
  orientation_on: string | null;
  departure_on: string | null;
}
