/**
 * Test support for the recruitment tests: a real store file with reference vacancies carrying #17 terms (written
 * straight into the mirror tables, as the applier would), a registration with a document and saved details.
 * Import only from tests.
 */
import type { Database } from 'better-sqlite3';
import { DetailsRepository } from '../registrations-details/details-repository.ts';
import type { RegistrationDetails } from '../registrations-details/details-validator.ts';
import { SAVED_DETAILS as DETAILS } from '../registrations-details/test-support.ts';
import { openApplianceStore } from '../schema.ts';
import type { Store } from '../store/index.ts';
import { passport, tempDir } from '../store/test-support.ts';

export const OFFICER = 'BBR-020';

export interface VacancyRow {
  vacancy_id: string;
  employer_id?: string;
  occupation_isco?: string;
  destination_province?: string;
  title?: string | null;
  positions?: number;
  opens_on?: string | null;
  closes_on?: string | null;
  status?: string;
  workplace_district?: string | null;
  wage_zar_cents?: number | null;
  wage_period?: string | null;
  hours_per_week?: number | null;
  contract_months?: number | null;
  accommodation?: string | null;
  transport?: string | null;
  start_date?: string | null;
  recruitment_cost_payer?: string | null;
  travel_cost_payer?: string | null;
  min_experience_seasons?: number | null;
  required_skills?: string[] | null;
  required_certificates?: string[] | null;
  places_left?: number | null;
  flags?: string[] | null;
}

export function putEmployer(db: Database, id: string, name: string, compliance: string | null = 'compliant'): void {
  db.prepare(
    `INSERT OR REPLACE INTO ref_employers (employer_id, name, country, province, town, sector, demo, compliance_status) VALUES (?, ?, 'ZA', 'ZA-LP', 'Musina', 'farm', 0, ?)`,
  ).run(id, name, compliance);
}

export function putVacancy(db: Database, v: VacancyRow): void {
  const row = {
    employer_id: 'EMP-1',
    occupation_isco: '9211',
    destination_province: 'ZA-LP',
    title: null,
    positions: 40,
    opens_on: '2026-10-01',
    closes_on: '2027-06-30',
    status: 'open',
    workplace_district: 'Vhembe',
    wage_zar_cents: 2_750,
    wage_period: 'hour',
    hours_per_week: 45,
    contract_months: 8,
    accommodation: 'provided_free',
    transport: 'provided_free',
    start_date: '2027-01-10',
    recruitment_cost_payer: 'employer',
    travel_cost_payer: 'employer',
    min_experience_seasons: 0,
    required_skills: [],
    required_certificates: [],
    places_left: null,
    flags: [],
    ...v,
  };
  db.prepare(
    `INSERT OR REPLACE INTO ref_vacancies (vacancy_id, employer_id, occupation_isco, destination_province, title, positions, opens_on, closes_on, status, demo,
       workplace_district, wage_zar_cents, wage_period, hours_per_week, contract_months, accommodation, transport, start_date,
       recruitment_cost_payer, travel_cost_payer, min_experience_seasons, required_skills, required_certificates, places_left, flags)
     VALUES (@vacancy_id, @employer_id, @occupation_isco, @destination_province, @title, @positions, @opens_on, @closes_on, @status, 0,
       @workplace_district, @wage_zar_cents, @wage_period, @hours_per_week, @contract_months, @accommodation, @transport, @start_date,
       @recruitment_cost_payer, @travel_cost_payer, @min_experience_seasons, @required_skills, @required_certificates, @places_left, @flags)`,
  ).run({ ...row, required_skills: JSON.stringify(row.required_skills ?? []), required_certificates: JSON.stringify(row.required_certificates ?? []), flags: JSON.stringify(row.flags ?? []) });
}

export interface RecruitmentFixture {
  store: Store;
  dir: string;
  /** A registration with a passport and saved details (Shona, phone given). */
  registration(documentNumber?: string, details?: Partial<RegistrationDetails>): string;
  close(): void;
}

export function openRecruitmentFixture(now: () => Date, vacancies: readonly VacancyRow[] = []): RecruitmentFixture {
  const tmp = tempDir('recruitment-');
  const store = openApplianceStore({ dataDir: tmp.dir, now });
  const details = new DetailsRepository({ db: store.connection, now });
  putEmployer(store.connection, 'EMP-1', 'Mopane Citrus Estates');
  putEmployer(store.connection, 'EMP-SUSPENDED', 'Suspended Farms', 'suspended');
  store.connection.prepare(`INSERT OR REPLACE INTO ref_occupations (isco_code, title, level) VALUES ('9211', 'Crop farm labourers', 4), ('8341', 'Mobile farm plant operators', 4)`).run();
  for (const v of vacancies) putVacancy(store.connection, v);
  return {
    store,
    dir: tmp.dir,
    registration(documentNumber = 'FN123456', over = {}) {
      const r = store.registrations.create({ officeCode: 'BBR', officerId: OFFICER });
      store.registrations.attachDocument(r.id, passport(documentNumber, { birthDate: '1995-03-14', issuingState: 'ZWE', nationality: 'ZWE' }), OFFICER);
      details.save(r.id, { ...DETAILS, ...over }, OFFICER);
      return r.id;
    },
    close() {
      store.close();
      tmp.remove();
    },
  };
}
