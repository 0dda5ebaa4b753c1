/**
 * Recruitment at the counter (issue #17 items 2–4): the migrant's work profile, the ranked vacancies, the
 * candidacies (interest in a vacancy) and the recruitment costs the migrant reports. Every change is one
 * IMMEDIATE transaction with its audit row and the event for the central (recruitment-outbox.ts): all three
 * commit or none does. The audit keeps kinds and ids only, never amounts, names or phone numbers.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { CERTIFICATE_CODES, COST_PAID_TO, COST_PURPOSES, type CostPaidTo, type CostPurpose, SKILL_CODES, isProtectionConcern } from '@lmc/protocol/recruitment.ts';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { localDate } from '../reference/queries.ts';
import { DetailsRepository } from '../registrations-details/details-repository.ts';
import { DESTINATION_PROVINCES } from '../registrations-details/details-rules.ts';
import { ageOn } from '../registrations/registration-rules.ts';
import { appendAudit } from '../store/audit-chain.ts';
import type { RegistrationView, Store } from '../store/index.ts';
import { type Exclusion, type VacancyMatch, type WorkProfile, exclusionOf, rankVacancies } from './matching.ts';
import { type RecruitmentOutbox, createRecruitmentOutbox } from './recruitment-outbox.ts';
import { type CandidacyView, readCandidacies } from './candidacies.ts';
import { type VacancyReader, type VacancyView, createVacancyReader } from './vacancy-view.ts';

export type { CandidacyView };

export interface WorkProfileInput {
  experienceSeasons: number;
  skills: string[];
  certificates: string[];
  destinationProvinces: string[];
  destinationDistricts: string[];
}

export interface StoredWorkProfile extends WorkProfileInput {
  registrationId: string;
  occupationIsco: string;
  occupationTitle: string | null;
  age: number | null;
  /** false: not saved yet; the destination comes from the details. */
  saved: boolean;
  updatedAt: string | null;
}

export interface CostInput {
  amountMinor: number;
  currency: string;
  paidTo: CostPaidTo;
  purpose: CostPurpose;
  paidOn: string;
  vacancyId?: string | null;
}

export interface CostView extends Required<CostInput> {
  costId: string;
  registrationId: string;
  /** Paid to a recruiter or an agent: a protection concern the officer is told about and the central follows up. */
  protectionFlag: boolean;
  recordedAt: string;
  recordedBy: string;
}

export interface MatchAnswer {
  profile: StoredWorkProfile;
  today: string;
  matches: VacancyMatch<VacancyView>[];
  /** Vacancies already chosen (their candidacy), so the screen marks them. */
  candidacies: CandidacyView[];
}

/** ISO 4217 currencies a migrant at a Zimbabwean border post reports in; anything else is refused as a typo. */
export const COST_CURRENCIES = ['USD', 'ZAR', 'ZWG', 'BWP', 'MZN', 'ZMW', 'GBP', 'EUR'] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const invalid = (field: string, message: string) => new ApplianceError(ApplianceErrors.RECRUITMENT_INVALID.code, `${field}: ${message}`, { field });

function codes(field: string, values: unknown, allowed: readonly string[], max: number): string[] {
  if (!Array.isArray(values) || values.length > max) throw invalid(field, `must be a list of at most ${max}`);
  const out = [...new Set(values.map(String))];
  const bad = out.find((v) => !allowed.includes(v));
  if (bad !== undefined) throw invalid(field, `'${bad.slice(0, 40)}' is not one of the codes`);
  return out;
}

interface CostRow {
  cost_id: string;
  registration_id: string;
  vacancy_id: string | null;
  amount_minor: number;
  currency: string;
  paid_to: CostPaidTo;
  purpose: CostPurpose;
  paid_on: string;
  protection_flag: number;
  recorded_at: string;
  recorded_by: string;
}

const toCost = (r: CostRow): CostView => ({
  costId: r.cost_id,
  registrationId: r.registration_id,
  vacancyId: r.vacancy_id,
  amountMinor: r.amount_minor,
  currency: r.currency,
  paidTo: r.paid_to,
  purpose: r.purpose,
  paidOn: r.paid_on,
  protectionFlag: r.protection_flag === 1,
  recordedAt: r.recorded_at,
  recordedBy: r.recorded_by,
});

export interface RecruitmentServiceOptions {
  store: Store;
  now?: () => Date;
  /** The office's time zone: decides which day a vacancy closes on (reference.timeZone). */
  timeZone?: string;
}

export class RecruitmentService {
  readonly #store: Store;
  readonly #db: Database;
  readonly #now: () => Date;
  readonly #timeZone: string;
  readonly #details: DetailsRepository;
  readonly vacancies: VacancyReader;
  readonly outbox: RecruitmentOutbox;

  constructor(o: RecruitmentServiceOptions) {
    this.#store = o.store;
    this.#db = o.store.connection;
    this.#now = o.now ?? (() => new Date());
    this.#timeZone = o.timeZone ?? 'Africa/Harare';
    this.#details = new DetailsRepository({ db: this.#db, now: this.#now });
    this.vacancies = createVacancyReader(this.#db);
    this.outbox = createRecruitmentOutbox(this.#db);
  }

  today(): string {
    return localDate(this.#now(), this.#timeZone);
  }

  /** The registration, refused when unknown (404) or discarded (409). Finalized is fine: a later visit. */
  #registration(id: string): RegistrationView {
    const r = this.#store.registrations.get(id);
    if (!r) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'No registration with that id.', { id });
    if (r.discarded) throw new ApplianceError(ApplianceErrors.REGISTRATION_DISCARDED.code, 'This draft was discarded; start a new registration.', { id });
    return r;
  }

  #details_(id: string) {
    const d = this.#details.recorded(id);
    if (!d) throw new ApplianceError(ApplianceErrors.RECRUITMENT_DETAILS_MISSING.code, 'Save the details first: matching needs the occupation and destination.', { id });
    return d;
  }

  profile(registrationId: string): StoredWorkProfile {
    const reg = this.#registration(registrationId);
    const details = this.#details_(registrationId);
    const row = this.#db.prepare('SELECT * FROM recruitment_profiles WHERE registration_id = ?').get(registrationId) as
      | { experience_seasons: number; skills: string; certificates: string; destination_provinces: string; destination_districts: string; updated_at: string }
      | undefined;
    const age = ageOn(reg.document?.birthDate, this.today()) ?? null;
    const base = { registrationId, occupationIsco: details.occupationIsco, occupationTitle: details.occupationTitle, age };
    if (!row) {
      return { ...base, experienceSeasons: 0, skills: [], certificates: [], destinationProvinces: [details.destinationProvince], destinationDistricts: [], saved: false, updatedAt: null };
    }
    return {
      ...base,
      experienceSeasons: row.experience_seasons,
      skills: JSON.parse(row.skills) as string[],
      certificates: JSON.parse(row.certificates) as string[],
      destinationProvinces: JSON.parse(row.destination_provinces) as string[],
      destinationDistricts: JSON.parse(row.destination_districts) as string[],
      saved: true,
      updatedAt: row.updated_at,
    };
  }

  saveProfile(registrationId: string, input: WorkProfileInput, actor: string): StoredWorkProfile {
    const seasons = input.experienceSeasons;
    if (!Number.isSafeInteger(seasons) || seasons < 0 || seasons > 40) throw invalid('experienceSeasons', 'must be a whole number from 0 to 40');
    const skills = codes('skills', input.skills, SKILL_CODES, SKILL_CODES.length);
    const certificates = codes('certificates', input.certificates, CERTIFICATE_CODES, CERTIFICATE_CODES.length);
    const provinces = codes('destinationProvinces', input.destinationProvinces, DESTINATION_PROVINCES, DESTINATION_PROVINCES.length);
    if (!Array.isArray(input.destinationDistricts) || input.destinationDistricts.length > 10 || input.destinationDistricts.some((d) => typeof d !== 'string' || d.length < 1 || d.length > 64)) {
      throw invalid('destinationDistricts', 'must be at most 10 district names');
    }
    this.#store.transaction('recruitment.profile', () => {
      this.#registration(registrationId);
      this.#details_(registrationId);
      const at = this.#now().toISOString();
      this.#db
        .prepare(
          `INSERT INTO recruitment_profiles (registration_id, experience_seasons, skills, certificates, destination_provinces, destination_districts, updated_at, updated_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (registration_id) DO UPDATE SET experience_seasons = excluded.experience_seasons, skills = excluded.skills,
             certificates = excluded.certificates, destination_provinces = excluded.destination_provinces,
             destination_districts = excluded.destination_districts, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run(registrationId, seasons, JSON.stringify(skills), JSON.stringify(certificates), JSON.stringify(provinces), JSON.stringify(input.destinationDistricts), at, actor);
      appendAudit(this.#db, { actor, action: 'recruitment.profile_saved', entityType: 'registration', entityId: registrationId, details: { skills: skills.length, certificates: certificates.length } }, at);
    });
    return this.profile(registrationId);
  }

  #workProfile(p: StoredWorkProfile): WorkProfile {
    return {
      occupationIsco: p.occupationIsco,
      experienceSeasons: p.experienceSeasons,
      skills: p.skills,
      certificates: p.certificates,
      destinationProvinces: p.destinationProvinces,
      destinationDistricts: p.destinationDistricts,
      age: p.age,
    };
  }

  /** The open vacancies for this migrant, best first, from the local copy (works offline). */
  matches(registrationId: string): MatchAnswer {
    const profile = this.profile(registrationId);
    const today = this.today();
    return { profile, today, matches: rankVacancies(this.#workProfile(profile), this.vacancies.open(), today), candidacies: this.candidacies(registrationId) };
  }

  candidacies(registrationId: string): CandidacyView[] {
    return readCandidacies(this.#db, { registrationId });
  }

  candidacy(candidacyId: string): CandidacyView | undefined {
    return readCandidacies(this.#db, { candidacyId })[0];
  }

  /**
   * Records the migrant's interest in each vacancy, all or none: a vacancy the counter may not offer today
   * refuses the whole request (409 VACANCY_NOT_OFFERED naming it). Interest already recorded is kept as it is
   * (idempotent); interest withdrawn earlier is recorded anew.
   */
  addCandidacies(registrationId: string, vacancyIds: readonly string[], actor: string): CandidacyView[] {
    const ids = [...new Set(vacancyIds)];
    if (ids.length === 0 || ids.length > 20 || ids.some((v) => typeof v !== 'string' || v.length < 1 || v.length > 64)) throw invalid('vacancyIds', 'name 1 to 20 vacancies');
    this.#store.transaction('recruitment.candidacies', () => {
      const reg = this.#registration(registrationId);
      const profile = this.profile(registrationId);
      const today = this.today();
      const ranked = new Map(rankVacancies(this.#workProfile(profile), this.vacancies.open(), today).map((m) => [m.vacancy.vacancyId, m]));
      const at = this.#now().toISOString();
      for (const vacancyId of ids) {
        const existing = this.#db.prepare('SELECT candidacy_id, status FROM recruitment_candidacies WHERE registration_id = ? AND vacancy_id = ?').get(registrationId, vacancyId) as
          | { candidacy_id: string; status: string }
          | undefined;
        if (existing?.status === 'candidate') continue;
        const vacancy = this.vacancies.byId(vacancyId);
        const why: Exclusion | 'unknown' | undefined = vacancy ? exclusionOf(vacancy, today, ageOn(reg.document?.birthDate, today) ?? null) : 'unknown';
        if (why !== undefined || !vacancy) {
          throw new ApplianceError(ApplianceErrors.VACANCY_NOT_OFFERED.code, `Vacancy ${vacancyId} cannot be offered today (${why ?? 'unknown'}).`, { vacancyId, reason: why ?? 'unknown' });
        }
        const match = ranked.get(vacancyId);
        const candidacyId = randomUUID();
        // A candidacy withdrawn earlier keeps its row (and the central its id); the new interest is a new candidacy.
        if (existing) this.#db.prepare('DELETE FROM recruitment_candidacies WHERE candidacy_id = ?').run(existing.candidacy_id);
        this.#db
          .prepare(
            `INSERT INTO recruitment_candidacies (candidacy_id, registration_id, vacancy_id, status, terms_json, match_json, recorded_at, recorded_by)
             VALUES (?, ?, ?, 'candidate', ?, ?, ?, ?)`,
          )
          .run(candidacyId, registrationId, vacancyId, JSON.stringify(vacancy), match ? JSON.stringify({ score: match.score, summary: match.summary, reasons: match.reasons }) : null, at, actor);
        this.outbox.enqueue(registrationId, { kind: 'candidacy', eventId: randomUUID(), candidacyId, registrationId, vacancyId, recordedAt: at, officerId: actor }, at);
        appendAudit(this.#db, { actor, action: 'recruitment.candidacy_recorded', entityType: 'registration', entityId: registrationId, details: { candidacyId, vacancyId } }, at);
      }
    });
    return this.candidacies(registrationId);
  }

  withdraw(registrationId: string, candidacyId: string, actor: string): CandidacyView {
    this.#store.transaction('recruitment.withdraw', () => {
      this.#registration(registrationId);
      const row = this.#db.prepare('SELECT status FROM recruitment_candidacies WHERE candidacy_id = ? AND registration_id = ?').get(candidacyId, registrationId) as { status: string } | undefined;
      if (!row) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'No such candidacy for this registration.', { id: candidacyId });
      if (row.status === 'withdrew') return;
      const at = this.#now().toISOString();
      this.#db.prepare(`UPDATE recruitment_candidacies SET status = 'withdrew', withdrawn_at = ? WHERE candidacy_id = ?`).run(at, candidacyId);
      this.outbox.enqueue(registrationId, { kind: 'candidacy-withdrawn', eventId: randomUUID(), candidacyId, recordedAt: at, officerId: actor }, at);
      appendAudit(this.#db, { actor, action: 'recruitment.candidacy_withdrawn', entityType: 'registration', entityId: registrationId, details: { candidacyId } }, at);
    });
    return this.candidacy(candidacyId) as CandidacyView;
  }

  costs(registrationId: string): CostView[] {
    this.#registration(registrationId);
    return (this.#db.prepare('SELECT * FROM recruitment_costs WHERE registration_id = ? ORDER BY paid_on, recorded_at, rowid').all(registrationId) as CostRow[]).map(toCost);
  }

  /** One payment the migrant reports, at registration or at any later visit. */
  addCost(registrationId: string, input: CostInput, actor: string): CostView {
    if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor < 0 || input.amountMinor > 10_000_000_00) throw invalid('amountMinor', 'must be a whole number of cents from 0');
    if (!(COST_CURRENCIES as readonly string[]).includes(input.currency)) throw invalid('currency', `must be one of ${COST_CURRENCIES.join(', ')}`);
    if (!(COST_PAID_TO as readonly string[]).includes(input.paidTo)) throw invalid('paidTo', `must be one of ${COST_PAID_TO.join(', ')}`);
    if (!(COST_PURPOSES as readonly string[]).includes(input.purpose)) throw invalid('purpose', `must be one of ${COST_PURPOSES.join(', ')}`);
    if (typeof input.paidOn !== 'string' || !DATE.test(input.paidOn) || Number.isNaN(Date.parse(input.paidOn))) throw invalid('paidOn', 'must be a date YYYY-MM-DD');
    if (input.paidOn > this.today()) throw invalid('paidOn', 'is in the future');
    if (input.paidOn < '2000-01-01') throw invalid('paidOn', 'is too long ago');
    const vacancyId = input.vacancyId ?? null;
    if (vacancyId !== null && (typeof vacancyId !== 'string' || vacancyId.length < 1 || vacancyId.length > 64)) throw invalid('vacancyId', 'must be a vacancy id or null');
    const costId = randomUUID();
    const protectionFlag = isProtectionConcern(input.paidTo);
    this.#store.transaction('recruitment.cost', () => {
      this.#registration(registrationId);
      const at = this.#now().toISOString();
      this.#db
        .prepare(
          `INSERT INTO recruitment_costs (cost_id, registration_id, vacancy_id, amount_minor, currency, paid_to, purpose, paid_on, protection_flag, recorded_at, recorded_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(costId, registrationId, vacancyId, input.amountMinor, input.currency, input.paidTo, input.purpose, input.paidOn, protectionFlag ? 1 : 0, at, actor);
      this.outbox.enqueue(
        registrationId,
        { kind: 'cost-report', eventId: costId, registrationId, vacancyId, amountMinor: input.amountMinor, currency: input.currency, paidTo: input.paidTo, purpose: input.purpose, paidOn: input.paidOn, recordedAt: at, officerId: actor },
        at,
      );
      appendAudit(this.#db, { actor, action: 'recruitment.cost_recorded', entityType: 'registration', entityId: registrationId, details: { costId, paidTo: input.paidTo, purpose: input.purpose, protectionFlag } }, at);
    });
    return toCost(this.#db.prepare('SELECT * FROM recruitment_costs WHERE cost_id = ?').get(costId) as CostRow);
  }
}
