/**
 * Registration counts grouped by a whitelist of dimensions. Dimension names map to fixed SQL
 * expressions (never user text in SQL). Dates are local to Zimbabwe (Africa/Harare, UTC+2,
 * no daylight saving) so a registration finalised at 01:00 on the 1st counts in that month.
 *
 * Groupings follow the ILO Guidelines concerning statistics of international labour migration
 * (20th ICLS, 2018): sex, age group, occupation (ISCO-08 major group), origin and destination;
 * returning migrants are counted in their own column: a person seen before at ANY office (the central's person
 * index, persons/returning.ts), else, for a registration the index could not link, the appliance's own flag.
 */
import type { Db, DbParam } from '../db/db.ts';
import { RETURNING_ACROSS_OFFICES_SQL } from '../persons/returning.ts';
import { CHIP_OUTCOME_SQL } from './chip-outcome.ts';

const LOCAL = "(finalized_at AT TIME ZONE 'Africa/Harare')";
const AGE = `date_part('year', age(${LOCAL}::date, birth_date))::int`;

export const DIMENSIONS = {
  office: 'office_code',
  month: `to_char(${LOCAL}, 'YYYY-MM')`,
  sex: 'sex',
  // Five-year groups for working ages, as in ILO/UN tabulations; age at finalisation.
  ageGroup: `CASE WHEN birth_date IS NULL THEN NULL
                  WHEN ${AGE} < 15 THEN '0-14'
                  WHEN ${AGE} >= 65 THEN '65+'
                  ELSE ((${AGE} / 5) * 5)::text || '-' || ((${AGE} / 5) * 5 + 4)::text END`,
  district: 'district_of_origin',
  // ISCO-08 major group (first digit): the level ILO tables publish at.
  occupation: 'left(occupation_isco, 1)',
  destination: 'destination_province',
  employer: 'employer_id',
  nationality: 'nationality',
  // ILO 20th ICLS (2018) detail columns (ilo-columns.ts, migration 50): ISCED 2011 level, ISO 3166-1 alpha-3 codes.
  education: 'education_isced',
  destinationCountry: 'destination_country',
  countryOfBirth: 'country_of_birth',
  // The passport chip's outcome (chip-outcome.ts), from the payload at query time: no ingest cost.
  chipOutcome: CHIP_OUTCOME_SQL,
} as const;

export type Dimension = keyof typeof DIMENSIONS;
export const DIMENSION_NAMES = Object.keys(DIMENSIONS) as Dimension[];

export interface StatsQuery {
  groupBy: readonly Dimension[];
  /** Inclusive local dates YYYY-MM-DD. */
  from?: string | undefined;
  to?: string | undefined;
}

export interface StatsCell {
  /** Dimension values by name; null = unknown. */
  keys: Record<string, string | null>;
  count: number;
  returning: number;
}

export async function countRegistrations(db: Db, q: StatsQuery): Promise<StatsCell[]> {
  const select = q.groupBy.map((d, i) => `${DIMENSIONS[d]} AS d${i}`);
  const positions = q.groupBy.map((_, i) => String(i + 1));
  const params: DbParam[] = [q.from ?? null, q.to ?? null];
  const text = `
    SELECT ${[...select, 'count(*)::int AS n', `count(*) FILTER (WHERE ${RETURNING_ACROSS_OFFICES_SQL})::int AS r`].join(', ')}
    FROM registrations
    WHERE ($1::date IS NULL OR ${LOCAL}::date >= $1::date)
      AND ($2::date IS NULL OR ${LOCAL}::date <= $2::date)
    ${positions.length ? `GROUP BY ${positions.join(', ')} ORDER BY ${positions.map((p) => `${p} NULLS LAST`).join(', ')}` : ''}`;
  const rows = await db.query<Record<string, unknown>>(text, params);
  return rows
    .filter((row) => q.groupBy.length > 0 || Number(row.n) > 0)
    .map((row) => ({
      keys: Object.fromEntries(q.groupBy.map((d, i) => [d, row[`d${i}`] == null ? null : String(row[`d${i}`])])),
      count: Number(row.n),
      returning: Number(row.r),
    }));
}
