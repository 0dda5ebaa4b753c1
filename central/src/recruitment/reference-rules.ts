/**
 * Recruitment rules on the reference tables `employers` and `vacancies` (#17), run by the reference
 * admin path (reference/admin.ts applyEditsIn) inside its transaction, so the generic admin route,
 * the seed and the recruitment routes all refuse and derive the same things:
 *
 * - rows are checked with protocol/src/recruitment.ts employerProblems / vacancyProblems: closed
 *   vocabularies for skills and certificates (structured requirements), the free text (title,
 *   terms_note) screened for prohibited grounds, minimum age ≥ 18, every term of an OPEN vacancy;
 * - derived columns are computed here, never taken from the caller: `flags` (who pays recruitment
 *   and travel, incomplete terms, suspended employer), `places_left` (positions − selected);
 * - a suspended employer's open vacancies are closed (status 'closed', flag 'employer_suspended')
 *   in the same transaction, so the closure reaches every appliance with the next pull; an open
 *   vacancy with no place left becomes 'filled' (staff reopen it if a selection is undone: a
 *   'filled' or 'closed' set by staff is never changed back here).
 */
import type { Queryable } from '../db/db.ts';
import { employerProblems, vacancyFlags, vacancyProblems } from '@lmc/protocol/recruitment.ts';
import { centralError } from '../errors.ts';

async function employerStatuses(tx: Queryable, ids: readonly string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.query<{ employer_id: string; compliance_status: string | null }>(
    'SELECT employer_id, compliance_status FROM ref_employers WHERE employer_id IN (SELECT jsonb_array_elements_text($1::text::jsonb))',
    [JSON.stringify([...new Set(ids)])],
  );
  return new Map(rows.map((r) => [r.employer_id, r.compliance_status]));
}

async function selectedCounts(tx: Queryable, vacancyIds: readonly string[]): Promise<Map<string, number>> {
  if (vacancyIds.length === 0) return new Map();
  const rows = await tx.query<{ vacancy_id: string; n: number }>(
    `SELECT vacancy_id, count(*)::int AS n FROM recruitment_candidacies
     WHERE status = 'selected' AND vacancy_id IN (SELECT jsonb_array_elements_text($1::text::jsonb)) GROUP BY vacancy_id`,
    [JSON.stringify([...new Set(vacancyIds)])],
  );
  return new Map(rows.map((r) => [r.vacancy_id, r.n]));
}

/** status, places_left and flags of a vacancy as the rules make them. */
export function derivedVacancy(row: Record<string, unknown>, employerStatus: string | null, selected: number): { status: string; places_left: number; flags: string[] } {
  const positions = Number.isSafeInteger(row.positions) ? (row.positions as number) : 0;
  const placesLeft = Math.max(0, positions - selected);
  let status = String(row.status);
  if (employerStatus === 'suspended' && status === 'open') status = 'closed';
  else if (status === 'open' && positions > 0 && placesLeft === 0) status = 'filled';
  return { status, places_left: placesLeft, flags: vacancyFlags(row, employerStatus) };
}

/**
 * Checks and completes the rows of one edit before they are written (throws RECRUITMENT_TERMS_INVALID
 * with every problem). Rows of other tables pass untouched.
 */
export async function prepareReferenceRows(tx: Queryable, table: string, rows: Record<string, unknown>[]): Promise<void> {
  if (table !== 'employers' && table !== 'vacancies') return;
  const check = table === 'employers' ? employerProblems : vacancyProblems;
  const problems = rows.flatMap((r, i) => check(r).map((p) => `upsert[${i}] ${String(r[table === 'employers' ? 'employer_id' : 'vacancy_id'])}: ${p}`));
  if (problems.length > 0) {
    throw centralError('RECRUITMENT_TERMS_INVALID', problems.slice(0, 8).join('; '), { table, problems: problems.length });
  }
  if (table !== 'vacancies') return;
  const statuses = await employerStatuses(
    tx,
    rows.map((r) => String(r.employer_id)),
  );
  const selected = await selectedCounts(
    tx,
    rows.map((r) => String(r.vacancy_id)),
  );
  for (const r of rows) {
    const d = derivedVacancy(r, statuses.get(String(r.employer_id)) ?? null, selected.get(String(r.vacancy_id)) ?? 0);
    r.places_left = d.places_left;
    r.flags = d.flags;
    // An admin's 'closed' or 'filled' stands; 'open' yields to a suspension or to no place left.
    if (r.status === 'open') r.status = d.status;
  }
}

/**
 * Recomputes the derived columns of stored vacancies (after an employer's status changed, or a
 * selection), writing only rows that change. `where` picks them: an employer or a vacancy.
 */
export async function refreshVacancies(tx: Queryable, where: { employerId: string } | { vacancyId: string }): Promise<number> {
  const [col, value] = 'employerId' in where ? ['v.employer_id', where.employerId] : ['v.vacancy_id', where.vacancyId];
  const rows = await tx.query<{ row: string; compliance_status: string | null; selected: number }>(
    `SELECT to_jsonb(v)::text AS row, e.compliance_status,
            (SELECT count(*)::int FROM recruitment_candidacies c WHERE c.vacancy_id = v.vacancy_id AND c.status = 'selected') AS selected
     FROM ref_vacancies v LEFT JOIN ref_employers e ON e.employer_id = v.employer_id
     WHERE ${col} = $1 FOR UPDATE OF v`,
    [value],
  );
  let changed = 0;
  for (const r of rows) {
    const row = JSON.parse(r.row) as Record<string, unknown>;
    const d = derivedVacancy(row, r.compliance_status, r.selected);
    const out = await tx.query(
      `UPDATE ref_vacancies SET status = $2, places_left = $3, flags = ARRAY(SELECT jsonb_array_elements_text($4::text::jsonb))
       WHERE vacancy_id = $1 AND (status, places_left, flags) IS DISTINCT FROM ($2, $3::integer, ARRAY(SELECT jsonb_array_elements_text($4::text::jsonb)))
       RETURNING 1 AS changed`,
      [String(row.vacancy_id), d.status, d.places_left, JSON.stringify(d.flags)],
    );
    changed += out.length;
  }
  return changed;
}

/** After an employers edit: their vacancies follow their compliance status. */
export async function afterReferenceEdits(tx: Queryable, table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  if (table !== 'employers') return;
  for (const r of rows) await refreshVacancies(tx, { employerId: String(r.employer_id) });
}
