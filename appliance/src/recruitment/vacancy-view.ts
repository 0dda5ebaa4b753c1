/**
 * Vacancies as the counter shows them: the local reference copy (ref_vacancies with its employer and
 * occupation, issue #17 terms included) read into one typed view that the ranking (matching.ts), the screen and
 * the slip share. Read-only and local: answers the same with the central unreachable.
 */
import type { Database } from 'better-sqlite3';
import { type EmployerTerms, monthlyWageZarCents, type VacancyRow } from '@lmc/protocol/recruitment.ts';
import { guard } from '../store/errors.ts';
import type { MatchableVacancy } from './matching.ts';

/** The terms of the job, camel-cased from the feed (protocol/src/recruitment.ts VacancyTerms); null where the central has none. */
export interface VacancyTermsView {
  workplaceDistrict: string | null;
  wageZarCents: number | null;
  wagePeriod: string | null;
  /** The wage as a monthly amount (ZAR cents), for comparing vacancies; null when the terms do not say enough. */
  monthlyWageZarCents: number | null;
  hoursPerWeek: number | null;
  daysPerWeek: number | null;
  contractMonths: number | null;
  accommodation: string | null;
  transport: string | null;
  startDate: string | null;
  recruitmentCostPayer: string | null;
  travelCostPayer: string | null;
  requiredCertificates: string[];
  termsNote: string | null;
}

export interface VacancyView extends MatchableVacancy {
  title: string | null;
  occupationTitle: string | null;
  employerName: string;
  employerRegistrationNo: string | null;
  /** Fictional demonstration data: the screen and the slip say so. */
  demo: boolean;
  terms: VacancyTermsView;
  /** The central's flags (worker_pays_recruitment, terms_incomplete…): shown to the officer. */
  flags: string[];
}

/** How the mirror holds a feed row (reference/apply.ts): booleans as 0/1, text[] as JSON text. */
type Mirrored<T> = { [K in keyof T]: T[K] extends boolean ? number : T[K] extends readonly string[] | null ? Extract<T[K], null> | string : T[K] };

interface Row extends Mirrored<VacancyRow>, Pick<EmployerTerms, 'sa_registration_no' | 'compliance_status'> {
  occupation_title: string | null;
  employer_name: string | null;
  employer_demo: number | null;
}

const SELECT = `
SELECT v.*, o.title AS occupation_title, e.name AS employer_name, e.demo AS employer_demo,
       e.sa_registration_no, e.compliance_status
FROM ref_vacancies v
LEFT JOIN ref_employers e ON e.employer_id = v.employer_id
LEFT JOIN ref_occupations o ON o.isco_code = v.occupation_isco`;

const list = (json: string | null): string[] => {
  if (json === null) return [];
  const v = JSON.parse(json) as unknown;
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
};

function toView(r: Row): VacancyView {
  const flags = list(r.flags);
  const monthly = monthlyWageZarCents({
    wage_zar_cents: r.wage_zar_cents,
    wage_period: r.wage_period,
    hours_per_week: r.hours_per_week,
    days_per_week: r.days_per_week,
  });
  const places = r.places_left === null ? r.positions : Math.min(r.positions, Math.max(0, r.places_left));
  return {
    vacancyId: r.vacancy_id,
    employerId: r.employer_id,
    status: r.status,
    // The employer's own status, or the central's flag on the vacancy: either closes it at the counter.
    employerStatus: flags.includes('employer_suspended') ? 'suspended' : r.compliance_status,
    occupationIsco: r.occupation_isco,
    destinationProvince: r.destination_province,
    district: r.workplace_district,
    positions: r.positions,
    positionsFilled: r.positions - places,
    opensOn: r.opens_on,
    closesOn: r.closes_on,
    minExperienceSeasons: r.min_experience_seasons ?? 0,
    requiredSkills: list(r.required_skills),
    requiredCertificates: list(r.required_certificates),
    minAge: Math.max(18, r.min_age ?? 18),
    title: r.title,
    occupationTitle: r.occupation_title,
    employerName: r.employer_name ?? r.employer_id,
    employerRegistrationNo: r.sa_registration_no,
    demo: r.demo === 1 || r.employer_demo === 1,
    terms: {
      workplaceDistrict: r.workplace_district,
      wageZarCents: r.wage_zar_cents,
      wagePeriod: r.wage_period,
      monthlyWageZarCents: monthly ?? null,
      hoursPerWeek: r.hours_per_week,
      daysPerWeek: r.days_per_week,
      contractMonths: r.contract_months,
      accommodation: r.accommodation,
      transport: r.transport,
      startDate: r.start_date,
      recruitmentCostPayer: r.recruitment_cost_payer,
      travelCostPayer: r.travel_cost_payer,
      requiredCertificates: list(r.required_certificates),
      termsNote: r.terms_note,
    },
    flags,
  };
}

export interface VacancyReader {
  /** Every vacancy of the copy whose status is open (the ranking applies the dates, places and employer rules). */
  open(): VacancyView[];
  byId(vacancyId: string): VacancyView | undefined;
}

export function createVacancyReader(db: Database): VacancyReader {
  const open = db.prepare<[], Row>(`${SELECT} WHERE v.status = 'open'`);
  const one = db.prepare<[string], Row>(`${SELECT} WHERE v.vacancy_id = ?`);
  return {
    open: () => guard('recruitment.vacancies', () => open.all().map(toView)),
    byId: (id) =>
      guard('recruitment.vacancy', () => {
        const r = one.get(id);
        return r ? toView(r) : undefined;
      }),
  };
}
