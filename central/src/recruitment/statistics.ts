/**
 * Recruitment statistics (#17 items 4 and 6), for one calendar year of selections/candidacies.
 *
 * SDG indicator 10.7.1 — recruitment cost borne by the worker as a proportion of monthly income
 * earned in the country of destination — after the ILO–World Bank methodology (ILO, "Operational
 * manual on recruitment costs – SDG 10.7.1", 2019):
 *   - population: workers selected for a job in the year (one per registration: the latest selection);
 *   - cost: every payment the worker reported (cost-report events: recruiter, agent, transport,
 *     documents, medical, other), converted to a common currency — ZAR, the currency the income is
 *     earned in — at the rate valid on the day of payment (recruitment_exchange_rates: the latest
 *     row with valid_from ≤ paid_on; ZAR is 1). Amounts are minor units; every currency accepted
 *     has two decimals (USD, ZAR, ZWG, BWP, MZN …);
 *   - income: the monthly wage of the contract offered when recorded, else the vacancy's, converted
 *     to a month by protocol/src/recruitment.ts monthlyWageZarCents (hours × 52/12 …), gross;
 *   - indicator: the mean over workers of cost / monthly income (workers who paid nothing count
 *     as 0, as the methodology asks), with the number of workers and of workers who paid.
 *   A worker with a payment in a currency that has no rate, or without a convertible wage, is left
 *   out and counted in `excluded` with the reason.
 *
 * Disclosure control: the same publication rules as the registration statistics
 * (stats/suppression.ts publishCells): the cells are workers (count) and workers who paid
 * (the second count), small cells hidden with complementary suppression; a cell's indicator is
 * published only when both its counts are.
 */
import type { Db } from '../db/db.ts';
import { PUBLICATION_THRESHOLD, type PublishedCell, publishCells } from '../stats/suppression.ts';
import type { StatsCell } from '../stats/registration-stats.ts';
import { monthlyWageZarCents, type VacancyTerms } from '@lmc/protocol/recruitment.ts';
import { centralError } from '../errors.ts';

export const INDICATOR_DIMENSIONS = ['office', 'sex', 'occupation', 'employer'] as const;
export type IndicatorDimension = (typeof INDICATOR_DIMENSIONS)[number];

interface WorkerRow {
  registration_id: string;
  office: string;
  sex: string | null;
  occupation: string;
  employer: string;
  vacancy: string;
  contract: string | null;
  costs_zar_cents: string | null;
  unconverted: number;
}

export interface IndicatorWorker {
  keys: Record<IndicatorDimension, string | null>;
  costZarCents: number;
  monthlyIncomeZarCents: number;
  ratio: number;
}

const yearRange = (year: number) => [`${year}-01-01`, `${year + 1}-01-01`] as const;

/** Each selected worker of the year with cost and income, and the ones left out. */
export async function indicatorWorkers(db: Db, year: number): Promise<{ workers: IndicatorWorker[]; excluded: { noRate: number; noWage: number } }> {
  const [from, to] = yearRange(year);
  const rows = await db.query<WorkerRow>(
    `WITH selected AS (
       SELECT DISTINCT ON (c.registration_id) c.registration_id, c.office_code, c.contract, v.vacancy_id, v.employer_id, v.occupation_isco, to_jsonb(v)::text AS vacancy
       FROM recruitment_candidacies c JOIN ref_vacancies v ON v.vacancy_id = c.vacancy_id
       WHERE c.status = 'selected' AND c.selected_on >= $1::date AND c.selected_on < $2::date
       ORDER BY c.registration_id, c.selected_on DESC, c.candidacy_id
     ),
     costs AS (
       SELECT k.registration_id,
              sum(k.amount_minor * CASE WHEN k.currency = 'ZAR' THEN 1 ELSE rate.zar_per_unit END) AS zar,
              count(*) FILTER (WHERE k.currency <> 'ZAR' AND rate.zar_per_unit IS NULL)::int AS unconverted
       FROM recruitment_costs k
       LEFT JOIN LATERAL (
         SELECT x.zar_per_unit FROM recruitment_exchange_rates x WHERE x.currency = k.currency AND x.valid_from <= k.paid_on ORDER BY x.valid_from DESC LIMIT 1
       ) rate ON true
       WHERE k.registration_id IN (SELECT registration_id FROM selected)
       GROUP BY k.registration_id
     )
     SELECT s.registration_id::text AS registration_id, s.office_code AS office, r.sex, s.occupation_isco AS occupation, s.employer_id AS employer,
            s.vacancy, s.contract::text AS contract, round(coalesce(k.zar, 0))::text AS costs_zar_cents, coalesce(k.unconverted, 0) AS unconverted
     FROM selected s LEFT JOIN registrations r ON r.id = s.registration_id LEFT JOIN costs k ON k.registration_id = s.registration_id`,
    [from, to],
  );
  const workers: IndicatorWorker[] = [];
  const excluded = { noRate: 0, noWage: 0 };
  for (const r of rows) {
    if (r.unconverted > 0) {
      excluded.noRate++;
      continue;
    }
    const terms = (r.contract ? JSON.parse(r.contract) : JSON.parse(r.vacancy)) as VacancyTerms;
    const income = monthlyWageZarCents(terms);
    if (income === undefined) {
      excluded.noWage++;
      continue;
    }
    const cost = Number(r.costs_zar_cents ?? 0);
    workers.push({
      keys: { office: r.office, sex: r.sex, occupation: r.occupation, employer: r.employer },
      costZarCents: cost,
      monthlyIncomeZarCents: income,
      ratio: cost / income,
    });
  }
  return { workers, excluded };
}

export interface IndicatorCell {
  keys: Record<string, string | null>;
  /** Workers in the cell (null when suppressed). */
  workers: number | null;
  /** Workers who paid anything (null when suppressed). */
  workersWhoPaid: number | null;
  /** Mean of cost / monthly income, 4 decimals (null when suppressed). */
  indicator: number | null;
  suppressed: boolean;
}

export function parseIndicatorGroupBy(raw: string | undefined): IndicatorDimension[] {
  const dims = (raw ?? '').split(',').filter((d) => d !== '');
  const seen = new Set<string>();
  for (const d of dims) {
    if (!(INDICATOR_DIMENSIONS as readonly string[]).includes(d) || seen.has(d)) {
      throw centralError('RECRUITMENT_STATS_INVALID', `groupBy takes each of ${INDICATOR_DIMENSIONS.join(', ')} at most once`);
    }
    seen.add(d);
  }
  return dims as IndicatorDimension[];
}

/** The 10.7.1 table grouped by `dims`, published with small-cell suppression. */
export function indicatorTable(workers: readonly IndicatorWorker[], dims: readonly IndicatorDimension[], threshold = PUBLICATION_THRESHOLD): IndicatorCell[] {
  const groups = new Map<string, { keys: Record<string, string | null>; n: number; paid: number; sum: number }>();
  for (const w of workers) {
    const keys = Object.fromEntries(dims.map((d) => [d, w.keys[d] ?? null]));
    const k = JSON.stringify(dims.map((d) => keys[d]));
    const g = groups.get(k) ?? { keys, n: 0, paid: 0, sum: 0 };
    g.n++;
    if (w.costZarCents > 0) g.paid++;
    g.sum += w.ratio;
    groups.set(k, g);
  }
  const cells: StatsCell[] = [...groups.values()].map((g) => ({ keys: g.keys, count: g.n, returning: g.paid }));
  if (dims.length === 0 && cells.length === 0) cells.push({ keys: {}, count: 0, returning: 0 });
  const published = publishCells(cells, dims, threshold);
  if (!published.ok) throw centralError('RECRUITMENT_STATS_INVALID', `This grouping is too detailed to publish safely (${published.reason})`);
  return published.cells.map((c: PublishedCell) => {
    const g = groups.get(JSON.stringify(dims.map((d) => c.keys[d] ?? null)));
    const hidden = c.suppressed || c.returningSuppressed;
    return {
      keys: c.keys,
      workers: c.count,
      workersWhoPaid: c.returning,
      indicator: hidden || !g || g.n === 0 ? null : Math.round((g.sum / g.n) * 10_000) / 10_000,
      suppressed: hidden,
    };
  });
}

const AGE_GROUP = `CASE WHEN r.birth_date IS NULL THEN NULL
  WHEN date_part('year', age(c.recorded_at::date, r.birth_date)) < 25 THEN '18-24'
  WHEN date_part('year', age(c.recorded_at::date, r.birth_date)) < 35 THEN '25-34'
  WHEN date_part('year', age(c.recorded_at::date, r.birth_date)) < 45 THEN '35-44'
  WHEN date_part('year', age(c.recorded_at::date, r.birth_date)) < 55 THEN '45-54'
  ELSE '55+' END`;

/** Candidates (count) and selected (second count) by sex and age group, published with suppression. */
export async function selectionRates(db: Db, year: number, threshold = PUBLICATION_THRESHOLD) {
  const [from, to] = yearRange(year);
  const rows = await db.query<{ sex: string | null; age_group: string | null; n: number; s: number }>(
    `SELECT r.sex, ${AGE_GROUP} AS age_group, count(*)::int AS n, count(*) FILTER (WHERE c.status = 'selected')::int AS s
     FROM recruitment_candidacies c LEFT JOIN registrations r ON r.id = c.registration_id
     WHERE c.recorded_at >= $1::date AND c.recorded_at < $2::date GROUP BY 1, 2`,
    [from, to],
  );
  const cells: StatsCell[] = rows.map((r) => ({ keys: { sex: r.sex, ageGroup: r.age_group }, count: r.n, returning: r.s }));
  const published = publishCells(cells, ['sex', 'ageGroup'], threshold);
  if (!published.ok) throw centralError('RECRUITMENT_STATS_INVALID', published.reason);
  return published.cells.map((c) => ({
    sex: c.keys.sex ?? null,
    ageGroup: c.keys.ageGroup ?? null,
    candidates: c.count,
    selected: c.returning,
    selectionRate: c.count && c.returning !== null ? Math.round((c.returning / c.count) * 10_000) / 10_000 : null,
    suppressed: c.suppressed || c.returningSuppressed,
  }));
}

/** Days from the registration's finalisation to the selection: distribution, hidden under the threshold. */
export async function timeToSelection(db: Db, year: number, threshold = PUBLICATION_THRESHOLD) {
  const [from, to] = yearRange(year);
  const rows = await db.query<{ n: number; mean: string | null; p25: string | null; median: string | null; p75: string | null }>(
    `SELECT count(*)::int AS n, avg(d)::text AS mean,
            percentile_cont(0.25) WITHIN GROUP (ORDER BY d)::text AS p25, percentile_cont(0.5) WITHIN GROUP (ORDER BY d)::text AS median,
            percentile_cont(0.75) WITHIN GROUP (ORDER BY d)::text AS p75
     FROM (SELECT (c.selected_on - (r.finalized_at AT TIME ZONE 'Africa/Harare')::date) AS d
           FROM recruitment_candidacies c JOIN registrations r ON r.id = c.registration_id
           WHERE c.status = 'selected' AND c.selected_on >= $1::date AND c.selected_on < $2::date) x`,
    [from, to],
  );
  const r = rows[0] ?? { n: 0, mean: null, p25: null, median: null, p75: null };
  const hide = r.n > 0 && r.n < threshold;
  const num = (v: string | null) => (hide || v === null ? null : Math.round(Number(v) * 10) / 10);
  return { selections: hide ? null : r.n, meanDays: num(r.mean), p25Days: num(r.p25), medianDays: num(r.median), p75Days: num(r.p75), suppressed: hide };
}

/** Vacancies (not people: no suppression) by occupation and workplace district. */
export async function vacancyTable(db: Db) {
  return db.query<{ occupation: string; district: string | null; open: number; filled: number; closed: number; positions: number; placesLeft: number }>(
    `SELECT occupation_isco AS occupation, workplace_district AS district,
            count(*) FILTER (WHERE status = 'open')::int AS open, count(*) FILTER (WHERE status = 'filled')::int AS filled,
            count(*) FILTER (WHERE status = 'closed')::int AS closed, coalesce(sum(positions), 0)::int AS positions,
            coalesce(sum(coalesce(places_left, positions)), 0)::int AS "placesLeft"
     FROM ref_vacancies WHERE NOT demo GROUP BY 1, 2 ORDER BY 1, 2 NULLS LAST`,
  );
}

/** Candidates per vacancy by status (counts per job advert, for staff). */
export async function candidatesPerVacancy(db: Db) {
  return db.query<{ vacancyId: string; positions: number; candidates: number; shortlisted: number; selected: number; notSelected: number; withdrew: number }>(
    `SELECT v.vacancy_id AS "vacancyId", v.positions, count(c.*)::int AS candidates,
            count(*) FILTER (WHERE c.status = 'shortlisted')::int AS shortlisted, count(*) FILTER (WHERE c.status = 'selected')::int AS selected,
            count(*) FILTER (WHERE c.status = 'not_selected')::int AS "notSelected", count(*) FILTER (WHERE c.status = 'withdrew')::int AS withdrew
     FROM ref_vacancies v LEFT JOIN recruitment_candidacies c ON c.vacancy_id = v.vacancy_id
     WHERE NOT v.demo GROUP BY v.vacancy_id, v.positions ORDER BY v.vacancy_id`,
  );
}

/** Contracts recorded and flagged, by flag and by employer (about employers' offers, not people). */
export async function contractFlags(db: Db, year: number) {
  const [from, to] = yearRange(year);
  const totals = await db.query<{ recorded: number; flagged: number }>(
    `SELECT count(*)::int AS recorded, count(*) FILTER (WHERE cardinality(contract_flags) > 0)::int AS flagged
     FROM recruitment_candidacies WHERE contract IS NOT NULL AND contract_recorded_on >= $1::date AND contract_recorded_on < $2::date`,
    [from, to],
  );
  const byFlag = await db.query<{ flag: string; contracts: number }>(
    `SELECT f AS flag, count(*)::int AS contracts FROM recruitment_candidacies, unnest(contract_flags) f
     WHERE contract_recorded_on >= $1::date AND contract_recorded_on < $2::date GROUP BY f ORDER BY f`,
    [from, to],
  );
  const byEmployer = await db.query<{ employerId: string; recorded: number; flagged: number }>(
    `SELECT v.employer_id AS "employerId", count(*)::int AS recorded, count(*) FILTER (WHERE cardinality(c.contract_flags) > 0)::int AS flagged
     FROM recruitment_candidacies c JOIN ref_vacancies v ON v.vacancy_id = c.vacancy_id
     WHERE c.contract IS NOT NULL AND c.contract_recorded_on >= $1::date AND c.contract_recorded_on < $2::date GROUP BY 1 ORDER BY 1`,
    [from, to],
  );
  return { ...(totals[0] ?? { recorded: 0, flagged: 0 }), byFlag, byEmployer };
}
