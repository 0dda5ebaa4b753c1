/**
 * Candidates across all offices (#17 item 3): the staff view and the employer's export.
 *
 * Filters are the ones a fair shortlist needs (vacancy, employer, status, office, occupation match,
 * minimum age met). There is deliberately no filter, column or export by sex, age beyond "meets the
 * minimum age", nationality or origin: the shortlist is made on the job's requirements.
 *
 * The employer's CSV carries only what the employer needs to interview and offer a contract: the
 * candidacy reference, the name on the travel document, the office, the status and its date, the
 * occupation the migrant registered and whether the minimum age is met. Never the sex, birth date,
 * nationality, document number, origin, biometrics, the registration id, costs reported or
 * protection flags.
 */
import type { Db, DbParam } from '../db/db.ts';
import { toCsv } from '../stats/csv.ts';

export interface CandidateFilter {
  vacancyId?: string | undefined;
  employerId?: string | undefined;
  status?: string | undefined;
  office?: string | undefined;
  /** Only candidates whose registered occupation is the vacancy's (ISCO-08 unit group). */
  occupationMatches?: boolean | undefined;
  /** Only candidates old enough on the vacancy's start date (or today). */
  meetsMinimumAge?: boolean | undefined;
  limit?: number | undefined;
}

export interface CandidateRow {
  candidacyId: string;
  registrationId: string;
  vacancyId: string;
  employerId: string;
  officeCode: string;
  officeName: string | null;
  status: string;
  statusOn: string;
  recordedAt: string;
  surname: string | null;
  givenNames: string | null;
  occupationIsco: string | null;
  occupationMatches: boolean;
  meetsMinimumAge: boolean | null;
  shortlistedOn: string | null;
  selectedOn: string | null;
  contractRecorded: boolean;
  contractFlags: string[];
  orientationOn: string | null;
  departureOn: string | null;
  /** Payments to recruiters or agents reported and not yet followed up (staff only, never exported). */
  openProtectionFlags: number;
}

interface RawRow extends Omit<CandidateRow, 'contractFlags'> {
  contractFlags: string;
}

export async function listCandidates(db: Db, f: CandidateFilter): Promise<CandidateRow[]> {
  const params: DbParam[] = [f.vacancyId ?? null, f.employerId ?? null, f.status ?? null, f.office ?? null, f.occupationMatches ?? null, f.meetsMinimumAge ?? null, f.limit ?? 1000];
  const rows = await db.query<RawRow>(
    `WITH c AS (
       SELECT c.*, v.employer_id, v.occupation_isco AS vacancy_isco, coalesce(v.min_age, 18) AS min_age, coalesce(v.start_date, current_date) AS age_on,
              r.payload -> 'registration' -> 'document' AS doc, r.payload AS flat, r.occupation_isco AS reg_isco, r.birth_date
       FROM recruitment_candidacies c
       JOIN ref_vacancies v ON v.vacancy_id = c.vacancy_id
       LEFT JOIN registrations r ON r.id = c.registration_id
     )
     SELECT c.candidacy_id::text AS "candidacyId", c.registration_id::text AS "registrationId", c.vacancy_id AS "vacancyId", c.employer_id AS "employerId",
            c.office_code AS "officeCode", o.name AS "officeName", c.status, to_char(c.status_on, 'YYYY-MM-DD') AS "statusOn",
            to_char(c.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "recordedAt",
            coalesce(c.doc ->> 'surname', c.flat ->> 'surname') AS surname, coalesce(c.doc ->> 'givenNames', c.flat ->> 'givenNames') AS "givenNames",
            c.reg_isco AS "occupationIsco",
            coalesce(c.reg_isco = c.vacancy_isco, false) AS "occupationMatches",
            CASE WHEN c.birth_date IS NULL THEN NULL ELSE c.birth_date <= (c.age_on - make_interval(years => c.min_age))::date END AS "meetsMinimumAge",
            to_char(c.shortlisted_on, 'YYYY-MM-DD') AS "shortlistedOn", to_char(c.selected_on, 'YYYY-MM-DD') AS "selectedOn",
            c.contract IS NOT NULL AS "contractRecorded", to_jsonb(c.contract_flags)::text AS "contractFlags",
            to_char(c.orientation_on, 'YYYY-MM-DD') AS "orientationOn", to_char(c.departure_on, 'YYYY-MM-DD') AS "departureOn",
            (SELECT count(*)::int FROM recruitment_costs k WHERE k.registration_id = c.registration_id AND k.protection_flag AND k.followed_up_at IS NULL) AS "openProtectionFlags"
     FROM c LEFT JOIN ref_offices o ON o.code = c.office_code
     WHERE ($1::text IS NULL OR c.vacancy_id = $1) AND ($2::text IS NULL OR c.employer_id = $2)
       AND ($3::text IS NULL OR c.status = $3) AND ($4::text IS NULL OR c.office_code = $4)
       AND ($5::boolean IS NULL OR coalesce(c.reg_isco = c.vacancy_isco, false) = $5)
       AND ($6::boolean IS NULL OR (c.birth_date IS NOT NULL AND c.birth_date <= (c.age_on - make_interval(years => c.min_age))::date) = $6)
     ORDER BY c.vacancy_id, c.recorded_at, c.candidacy_id
     LIMIT $7`,
    params,
  );
  return rows.map((r) => ({ ...r, contractFlags: JSON.parse(r.contractFlags) as string[] }));
}

export const EMPLOYER_CSV_HEADER = ['reference', 'vacancy', 'surname', 'given_names', 'office', 'status', 'status_date', 'registered_occupation_isco', 'meets_minimum_age'] as const;

/** The employer's export: see the file comment for what it leaves out. */
export function employerCsv(rows: readonly CandidateRow[]): string {
  return toCsv(
    EMPLOYER_CSV_HEADER,
    rows.map((r) => [
      r.candidacyId,
      r.vacancyId,
      r.surname,
      r.givenNames,
      r.officeName ?? r.officeCode,
      r.status,
      r.statusOn,
      r.occupationIsco,
      r.meetsMinimumAge === null ? 'unknown' : r.meetsMinimumAge ? 'yes' : 'no',
    ]),
  );
}
