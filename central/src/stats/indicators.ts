/**
 * The indicator feed: the year's published tables as one tidy table (one observation per row), in the layout of
 * ILOSTAT's bulk files, for an LMIS or an ILOSTAT-style upload. Columns (README "Indicator feed"):
 *
 *   ref_area     ISO 3166-1 alpha-3 of the reporting country (ZWE)
 *   source       LMC-ADMIN: the registrations of the Labour Migration Centres (administrative records)
 *   indicator    LMC_REG_<BREAKDOWN>_NB: registrations (number of persons registered) by the breakdown
 *   sex          SEX_T (total), SEX_M, SEX_F, SEX_O (ICAO "X", unspecified), SEX_UNK (not known)
 *   classif1     the breakdown's category, ILOSTAT-style codes (AGE_5YRBANDS_Y25-29, EDU_ISCED11_2, OCU_ISCO08_9 …)
 *   time         the calendar year (YYYY), or the month (YYYY-MM) for the monthly indicator
 *   obs_value    the count; empty when suppressed
 *   obs_status   empty, or C (confidential: suppressed by small-cell protection)
 *
 * Every row is a cell of a table the statistics API publishes (stats/suppression.ts): the sex × category table
 * and its category totals (SEX_T), each protected as published, for one calendar year. Nothing here computes a
 * number the API would not show.
 */
import type { Db } from '../db/db.ts';
import { countRegistrations, type Dimension } from './registration-stats.ts';
import { publishCells, type PublishedCell } from './suppression.ts';

export const REF_AREA = 'ZWE';
export const SOURCE = 'LMC-ADMIN';
export const INDICATOR_COLUMNS = ['ref_area', 'source', 'indicator', 'sex', 'classif1', 'time', 'obs_value', 'obs_status'] as const;

export interface IndicatorRow {
  ref_area: string;
  source: string;
  indicator: string;
  sex: string;
  classif1: string;
  time: string;
  obs_value: number | null;
  obs_status: '' | 'C';
}

interface IndicatorDef {
  indicator: string;
  dimension: Dimension;
  /** Category code for a value; null = not known. */
  code: (v: string | null) => string;
}

const or = (prefix: string, unknown: string) => (v: string | null) => (v === null ? `${prefix}_${unknown}` : `${prefix}_${v}`);

function ageCode(v: string | null): string {
  if (v === null) return 'AGE_5YRBANDS_UNK';
  if (v === '65+') return 'AGE_5YRBANDS_YGE65';
  const [a, b] = v.split('-');
  return `AGE_5YRBANDS_Y${String(a).padStart(2, '0')}-${String(b).padStart(2, '0')}`;
}

export const INDICATORS: readonly IndicatorDef[] = [
  { indicator: 'LMC_REG_SEX_OFF_NB', dimension: 'office', code: or('OFFICE', 'UNK') },
  { indicator: 'LMC_REG_SEX_AGE_NB', dimension: 'ageGroup', code: ageCode },
  { indicator: 'LMC_REG_SEX_EDU_NB', dimension: 'education', code: (v) => (v === null ? 'EDU_ISCED11_UNK' : v === '5T8' ? 'EDU_AGGREGATE_ADV' : `EDU_ISCED11_${v}`) },
  { indicator: 'LMC_REG_SEX_OCU_NB', dimension: 'occupation', code: or('OCU_ISCO08', 'X') },
  { indicator: 'LMC_REG_SEX_DST_NB', dimension: 'destinationCountry', code: or('DST', 'UNK') },
  { indicator: 'LMC_REG_SEX_DSTPRV_NB', dimension: 'destination', code: or('PRV', 'UNK') },
  { indicator: 'LMC_REG_SEX_CBR_NB', dimension: 'countryOfBirth', code: or('CBR', 'UNK') },
  { indicator: 'LMC_REG_SEX_NAT_NB', dimension: 'nationality', code: or('NAT', 'UNK') },
];

const SEX_CODE: Record<string, string> = { M: 'SEX_M', F: 'SEX_F', X: 'SEX_O' };
const sexCode = (v: string | null) => (v === null ? 'SEX_UNK' : (SEX_CODE[v] ?? 'SEX_UNK'));

function row(indicator: string, sex: string, classif1: string, time: string, value: number | null, suppressed: boolean): IndicatorRow {
  return { ref_area: REF_AREA, source: SOURCE, indicator, sex, classif1, time, obs_value: suppressed ? null : value, obs_status: suppressed ? 'C' : '' };
}

async function published(db: Db, groupBy: Dimension[], from: string, to: string): Promise<PublishedCell[] | undefined> {
  const p = publishCells(await countRegistrations(db, { groupBy, from, to }), groupBy);
  return p.ok ? p.cells : undefined;
}

export interface IndicatorFeed {
  year: number;
  rows: IndicatorRow[];
  /** Indicators left out because their table is too detailed to protect (STATS_TOO_DETAILED). */
  omitted: string[];
}

export async function indicatorFeed(db: Db, year: number): Promise<IndicatorFeed> {
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  const time = String(year);
  const rows: IndicatorRow[] = [];
  const omitted: string[] = [];
  for (const def of INDICATORS) {
    const bySex = await published(db, ['sex', def.dimension], from, to);
    const total = await published(db, [def.dimension], from, to);
    if (!bySex || !total) {
      omitted.push(def.indicator);
      continue;
    }
    for (const c of total) rows.push(row(def.indicator, 'SEX_T', def.code(c.keys[def.dimension] ?? null), time, c.count, c.suppressed));
    for (const c of bySex) rows.push(row(def.indicator, sexCode(c.keys.sex ?? null), def.code(c.keys[def.dimension] ?? null), time, c.count, c.suppressed));
  }
  // Returning and first-time migrants (the returning column of the sex table and of the year's total).
  const bySex = await published(db, ['sex'], from, to);
  const all = await published(db, [], from, to);
  for (const [sex, cells] of [
    ['SEX_T', all ?? []],
    ...(bySex ?? []).map((c) => [sexCode(c.keys.sex ?? null), [c]] as const),
  ] as const) {
    for (const c of cells) {
      const hidden = c.returningSuppressed || c.returning === null;
      rows.push(row('LMC_REG_SEX_MIG_NB', sex, 'MIG_RETURNING', time, c.returning, hidden));
      rows.push(row('LMC_REG_SEX_MIG_NB', sex, 'MIG_FIRST_TIME', time, hidden || c.count === null ? null : c.count - (c.returning ?? 0), hidden));
    }
  }
  // Monthly registrations by office (time YYYY-MM).
  const monthly = await published(db, ['office', 'month'], from, to);
  if (monthly) {
    for (const c of monthly) rows.push(row('LMC_REG_OFF_MON_NB', 'SEX_T', or('OFFICE', 'UNK')(c.keys.office ?? null), c.keys.month ?? time, c.count, c.suppressed));
  } else omitted.push('LMC_REG_OFF_MON_NB');
  return { year, rows, omitted };
}
