/**
 * The registrations' ILO detail columns (20th ICLS 2018 guidelines): educational attainment (ISCED 2011),
 * destination country, country of birth. Migration 81 makes them plain columns that ingest fills at insert with
 * normaliseDetailStatistics (ingest/extract.ts), like the other statistic columns: as generated columns PostgreSQL
 * re-evaluated ~25 payload lookups per row on every insert, about a sixth of the batch INSERT (issue 13 point 7,
 * tests/bench/ingest.ts); the rows stored before keep the values migration 50 computed. Migration 50 made them
 * generated columns of the registrations table:
 * PostgreSQL computes them from the stored payload, so every registration received before this migration is
 * counted too, and ingest needs no change. The SQL is generated here from protocol/src/statistics.ts's tables
 * (EDUCATION_TO_ISCED, ISCED_LEVELS, ALPHA2_TO_ALPHA3), and ilo-columns.pg.test.ts checks that PostgreSQL gives
 * what normaliseDetailStatistics gives for the same payloads: one rule, two engines, proven equal.
 */
import { ALPHA2_TO_ALPHA3, EDUCATION_TO_ISCED, ISCED_LEVELS } from '@lmc/protocol/statistics.ts';

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** The trimmed text of a payload member, NULL when absent, not a string or empty (statistics.ts text()). */
const member = (path: string) => `NULLIF(btrim(CASE WHEN jsonb_typeof(${path}) = 'string' THEN ${path} #>> '{}' END, E' \\t\\n\\r'), '')`;

const top = (name: string) => member(`payload -> ${lit(name)}`);
const detail = (name: string) => member(`payload -> 'details' -> ${lit(name)}`);

function educationSql(): string {
  const v = `COALESCE(${top('educationIsced')}, ${detail('education')})`;
  const iscedCases = ISCED_LEVELS.map((l) => `WHEN upper(${v}) = ${lit(l)} THEN ${lit(l)}`);
  const levelCases = Object.entries(EDUCATION_TO_ISCED).map(([k, l]) => `WHEN ${v} = ${lit(k)} THEN ${lit(l)}`);
  return `CASE ${[...iscedCases, ...levelCases].join(' ')} END`;
}

function country(v: string): string {
  return `CASE WHEN upper(${v}) ~ '^[A-Z]{3}$' THEN upper(${v}) END`;
}

function destinationCountrySql(): string {
  const given = country(`COALESCE(${top('destinationCountry')}, ${detail('destinationCountry')})`);
  const province = `upper(COALESCE(${top('destinationProvince')}, ${detail('destinationProvince')}))`;
  const prefix = `CASE WHEN ${province} ~ '^[A-Z]{2}-[A-Z0-9]{1,3}$' THEN left(${province}, 2) END`;
  const byPrefix = `CASE ${prefix} ${Object.entries(ALPHA2_TO_ALPHA3).map(([a2, a3]) => `WHEN ${lit(a2)} THEN ${lit(a3)}`).join(' ')} END`;
  return `COALESCE(${given}, ${byPrefix})`;
}

function countryOfBirthSql(): string {
  return country(`COALESCE(${top('countryOfBirth')}, ${detail('countryOfBirth')})`);
}

/** Migration 50: the three generated columns and their indexes. */
export const ILO_COLUMNS_MIGRATION = {
  version: 50,
  name: 'ILO statistics columns: education (ISCED 2011), destination country, country of birth',
  sql: `
    ALTER TABLE registrations ADD COLUMN education_isced text GENERATED ALWAYS AS (${educationSql()}) STORED;
    ALTER TABLE registrations ADD COLUMN destination_country text GENERATED ALWAYS AS (${destinationCountrySql()}) STORED;
    ALTER TABLE registrations ADD COLUMN country_of_birth text GENERATED ALWAYS AS (${countryOfBirthSql()}) STORED;
  `,
} as const;

/** Migration 81 (ingest's range): the three columns keep their values and become plain, filled by ingest. */
export const ILO_COLUMNS_PLAIN_MIGRATION = {
  version: 81,
  name: 'ILO statistics columns filled at ingest instead of generated',
  sql: `
    ALTER TABLE registrations ALTER COLUMN education_isced DROP EXPRESSION,
      ALTER COLUMN destination_country DROP EXPRESSION,
      ALTER COLUMN country_of_birth DROP EXPRESSION;
  `,
} as const;
