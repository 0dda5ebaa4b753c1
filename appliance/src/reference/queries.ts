/**
 * Read-only queries over the local reference copy for the officers' UI. They never touch the
 * network: they answer the same with the central unreachable for days (the copy is as of the
 * last pull; the status route says how old).
 */
import type { Database } from 'better-sqlite3';
import { guard } from '../store/errors.ts';

export interface Province {
  code: string;
  name: string;
}

export interface District {
  code: string;
  provinceCode: string;
  name: string;
}

export interface Occupation {
  iscoCode: string;
  title: string;
  /** ISCO-08 level: 1 major group … 4 unit group. */
  level: number;
  parentCode: string | null;
  /** 'farm' | 'construction' | 'transport' for the jobs most registrations name, else null. */
  commonSector: string | null;
}

export interface Office {
  code: string;
  name: string;
  provinceCode: string;
  districtCode: string | null;
  destinationProvinces: string[];
}

export interface Vacancy {
  vacancyId: string;
  occupationIsco: string;
  occupationTitle: string | null;
  destinationProvince: string;
  title: string | null;
  positions: number;
  opensOn: string | null;
  closesOn: string | null;
}

export interface Employer {
  employerId: string;
  name: string;
  country: string;
  province: string;
  town: string | null;
  sector: string;
  /** Fictional demonstration data: the UI must mark it. */
  demo: boolean;
  openVacancies: Vacancy[];
}

export interface ReferenceQueries {
  provinces(): Province[];
  districts(province?: string): District[];
  occupations(q?: string, limit?: number): Occupation[];
  employers(options?: { q?: string; limit?: number; withOpenVacanciesOnly?: boolean }): Employer[];
  offices(): Office[];
  /** Row counts per table, for the status route. */
  counts(): Record<string, number>;
}

export const MAX_RESULTS = 200;

/** LIKE pattern matching `q` literally anywhere (% and _ escaped; used with ESCAPE '\'). */
export function containsPattern(q: string): string {
  return `%${escapeLike(q)}%`;
}

function escapeLike(q: string): string {
  return q.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Today's date (YYYY-MM-DD) where the office is: a vacancy closing "today" is open all that day. */
export function localDate(now: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

const clampLimit = (limit: number | undefined, fallback: number) => Math.min(Math.max(1, Math.floor(limit ?? fallback)), MAX_RESULTS);

export function createReferenceQueries(db: Database, now: () => Date = () => new Date(), timeZone = 'Africa/Harare'): ReferenceQueries {
  const provinces = db.prepare<[], Province>('SELECT code, name FROM ref_provinces ORDER BY name');
  const allDistricts = db.prepare<[], District>('SELECT code, province_code AS provinceCode, name FROM ref_districts ORDER BY name');
  // The province by code (ZW-MS) or by name (Matabeleland South), as the UI has either.
  const districtsOf = db.prepare<[string, string], District>(
    `SELECT d.code, d.province_code AS provinceCode, d.name FROM ref_districts d
     WHERE d.province_code = ? OR d.province_code IN (SELECT code FROM ref_provinces WHERE name = ? COLLATE NOCASE)
     ORDER BY d.name`,
  );
  // Common jobs first (their curated rank), then the rest by code; unit groups are what gets recorded.
  const occupations = db.prepare<[string, string, number], Occupation>(
    `SELECT isco_code AS iscoCode, title, level, parent_code AS parentCode, common_sector AS commonSector
     FROM ref_occupations
     WHERE title LIKE ? ESCAPE '\\' OR isco_code LIKE ? ESCAPE '\\'
     ORDER BY common_rank IS NULL, common_rank, level DESC, isco_code
     LIMIT ?`,
  );
  const employers = db.prepare<[string, number, string, string, number], Omit<Employer, 'openVacancies' | 'demo'> & { demo: number }>(
    `SELECT e.employer_id AS employerId, e.name, e.country, e.province, e.town, e.sector, e.demo
     FROM ref_employers e
     WHERE e.name LIKE ? ESCAPE '\\'
       AND (? = 0 OR EXISTS (
         SELECT 1 FROM ref_vacancies v WHERE v.employer_id = e.employer_id AND v.status = 'open'
           AND (v.opens_on IS NULL OR v.opens_on <= ?) AND (v.closes_on IS NULL OR v.closes_on >= ?)))
     ORDER BY e.name COLLATE NOCASE
     LIMIT ?`,
  );
  const vacanciesOf = db.prepare<[string, string, string], Vacancy>(
    `SELECT v.vacancy_id AS vacancyId, v.occupation_isco AS occupationIsco, o.title AS occupationTitle,
            v.destination_province AS destinationProvince, v.title, v.positions, v.opens_on AS opensOn, v.closes_on AS closesOn
     FROM ref_vacancies v LEFT JOIN ref_occupations o ON o.isco_code = v.occupation_isco
     WHERE v.employer_id = ? AND v.status = 'open'
       AND (v.opens_on IS NULL OR v.opens_on <= ?) AND (v.closes_on IS NULL OR v.closes_on >= ?)
     ORDER BY v.closes_on IS NULL, v.closes_on, v.vacancy_id`,
  );
  const offices = db.prepare<[], Omit<Office, 'destinationProvinces'> & { destinationProvinces: string }>(
    `SELECT code, name, province_code AS provinceCode, district_code AS districtCode, destination_provinces AS destinationProvinces
     FROM ref_offices ORDER BY code`,
  );
  const counts = db.prepare<[], Record<string, number>>(
    `SELECT (SELECT count(*) FROM ref_provinces) AS provinces, (SELECT count(*) FROM ref_districts) AS districts,
            (SELECT count(*) FROM ref_occupations) AS occupations, (SELECT count(*) FROM ref_offices) AS offices,
            (SELECT count(*) FROM ref_officers) AS officers, (SELECT count(*) FROM ref_employers) AS employers,
            (SELECT count(*) FROM ref_vacancies) AS vacancies`,
  );

  return {
    provinces: () => guard('reference.provinces', () => provinces.all()),
    districts: (province) =>
      guard('reference.districts', () => (province ? districtsOf.all(province, province) : allDistricts.all())),
    occupations: (q = '', limit) =>
      guard('reference.occupations', () => occupations.all(containsPattern(q.trim()), `${escapeLike(q.trim())}%`, clampLimit(limit, 50))),
    employers: (o = {}) =>
      guard('reference.employers', () => {
        const today = localDate(now(), timeZone);
        const onlyOpen = o.withOpenVacanciesOnly ?? true;
        return employers.all(containsPattern((o.q ?? '').trim()), onlyOpen ? 1 : 0, today, today, clampLimit(o.limit, 50)).map((e) => ({
          ...e,
          demo: e.demo === 1,
          openVacancies: vacanciesOf.all(e.employerId, today, today),
        }));
      }),
    offices: () =>
      guard('reference.offices', () => offices.all().map((o) => ({ ...o, destinationProvinces: JSON.parse(o.destinationProvinces) as string[] }))),
    counts: () => guard('reference.counts', () => counts.get() ?? {}),
  };
}
