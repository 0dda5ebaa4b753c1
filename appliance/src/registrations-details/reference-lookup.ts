/**
 * Exact look-ups in the local reference copy (reference/reference-schema.ts) for validating details. Read
 * only. A table with no rows yet (no central has ever answered, nothing seeded) validates nothing: the
 * caller then accepts any well-formed code, as the brief of the details says.
 */
import type { Database } from 'better-sqlite3';
import { localDate } from '../reference/queries.ts';
import { guard } from '../store/errors.ts';

export interface RefVacancy {
  vacancyId: string;
  employerId: string;
  occupationIsco: string;
  destinationProvince: string;
  title: string | null;
  status: string;
  opensOn: string | null;
  closesOn: string | null;
}

export interface ReferenceLookup {
  /** Rows per table, read once per validation. */
  counts(): { provinces: number; districts: number; occupations: number; employers: number; vacancies: number };
  province(code: string): { code: string; name: string } | undefined;
  district(code: string): { code: string; provinceCode: string; name: string } | undefined;
  occupation(code: string): { iscoCode: string; title: string } | undefined;
  employer(id: string): { employerId: string; name: string; demo: boolean } | undefined;
  vacancy(id: string): RefVacancy | undefined;
  /** The office's calendar day, for "is the vacancy still open". */
  today(): string;
}

export function createReferenceLookup(db: Database, now: () => Date, timeZone = 'Africa/Harare'): ReferenceLookup {
  const counts = db.prepare<[], { provinces: number; districts: number; occupations: number; employers: number; vacancies: number }>(
    `SELECT (SELECT count(*) FROM ref_provinces) AS provinces, (SELECT count(*) FROM ref_districts) AS districts,
            (SELECT count(*) FROM ref_occupations) AS occupations, (SELECT count(*) FROM ref_employers) AS employers,
            (SELECT count(*) FROM ref_vacancies) AS vacancies`,
  );
  const province = db.prepare<[string], { code: string; name: string }>('SELECT code, name FROM ref_provinces WHERE code = ?');
  const district = db.prepare<[string], { code: string; provinceCode: string; name: string }>(
    'SELECT code, province_code AS provinceCode, name FROM ref_districts WHERE code = ?',
  );
  const occupation = db.prepare<[string], { iscoCode: string; title: string }>('SELECT isco_code AS iscoCode, title FROM ref_occupations WHERE isco_code = ?');
  const employer = db.prepare<[string], { employerId: string; name: string; demo: number }>(
    'SELECT employer_id AS employerId, name, demo FROM ref_employers WHERE employer_id = ?',
  );
  const vacancy = db.prepare<[string], RefVacancy>(
    `SELECT vacancy_id AS vacancyId, employer_id AS employerId, occupation_isco AS occupationIsco,
            destination_province AS destinationProvince, title, status, opens_on AS opensOn, closes_on AS closesOn
     FROM ref_vacancies WHERE vacancy_id = ?`,
  );
  return {
    counts: () => guard('details.reference.counts', () => counts.get() ?? { provinces: 0, districts: 0, occupations: 0, employers: 0, vacancies: 0 }),
    province: (code) => guard('details.reference.province', () => province.get(code)),
    district: (code) => guard('details.reference.district', () => district.get(code)),
    occupation: (code) => guard('details.reference.occupation', () => occupation.get(code)),
    employer: (id) =>
      guard('details.reference.employer', () => {
        const row = employer.get(id);
        return row ? { employerId: row.employerId, name: row.name, demo: row.demo === 1 } : undefined;
      }),
    vacancy: (id) => guard('details.reference.vacancy', () => vacancy.get(id)),
    today: () => localDate(now(), timeZone),
  };
}
