/**
 * Figures for the daily office report: finalized registrations of one local day by sex, age
 * group, district of origin and intended occupation, plus the seven days before for the chart.
 * Read-only SQL over the registrations table (status, finalized_at, sex, birth_date columns of
 * store/migrations.ts v1). District and occupation are not captured yet: every registration is
 * counted under "not recorded" rather than left out, so the totals add up.
 */
import type { Database } from 'better-sqlite3';
import { ApplianceError } from '../errors.ts';
import { PrintingErrors } from '../printing/printing-errors.ts';
import { localParts } from '../printing/receipt-facts.ts';

export const NOT_RECORDED = 'not recorded';
export const AGE_GROUPS = ['under 18', '18-24', '25-34', '35-44', '45-54', '55 and over', NOT_RECORDED] as const;
export const SEXES = ['female', 'male', 'other (X)', NOT_RECORDED] as const;

export interface Bucket {
  label: string;
  count: number;
}

export interface DailyReportData {
  date: string;
  officeCode: string;
  total: number;
  bySex: Bucket[];
  byAgeGroup: Bucket[];
  byDistrict: Bucket[];
  byOccupation: Bucket[];
  /** The 7 days ending with `date`, oldest first. */
  lastSevenDays: Bucket[];
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isReportDate(s: string): boolean {
  if (!DATE_RE.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}

const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

function sexBucket(sex: string | null): (typeof SEXES)[number] {
  const c = sex?.trim().charAt(0).toUpperCase();
  return c === 'F' ? 'female' : c === 'M' ? 'male' : c === 'X' ? 'other (X)' : NOT_RECORDED;
}

/** Completed years at `on`; undefined for a missing or partial birth date. */
export function ageOn(birthDate: string | null, on: string): number | undefined {
  if (!birthDate || !isReportDate(birthDate)) return undefined;
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

function ageBucket(age: number | undefined): (typeof AGE_GROUPS)[number] {
  if (age === undefined || age < 0) return NOT_RECORDED;
  if (age < 18) return 'under 18';
  if (age < 25) return '18-24';
  if (age < 35) return '25-34';
  if (age < 45) return '35-44';
  if (age < 55) return '45-54';
  return '55 and over';
}

export function dailyReportData(db: Database, opts: { date: string; officeCode: string; timeZone: string }): DailyReportData {
  const { date, officeCode, timeZone } = opts;
  if (!isReportDate(date)) throw new ApplianceError(PrintingErrors.INVALID_INPUT.code, 'date must be a calendar date yyyy-mm-dd', { date });
  const first = addDays(date, -6);
  // A day's margin on both sides covers any UTC offset; the exact local day is decided below.
  const rows = db
    .prepare(
      `SELECT sex, birth_date, finalized_at FROM registrations
       WHERE status = 'finalized' AND office_code = ? AND finalized_at >= ? AND finalized_at < ?`,
    )
    .all(officeCode, `${addDays(first, -1)}T00:00:00`, `${addDays(date, 2)}T00:00:00`) as Array<{
    sex: string | null;
    birth_date: string | null;
    finalized_at: string;
  }>;
  const perDay = new Map<string, number>();
  const sex = new Map<string, number>(SEXES.map((s) => [s, 0]));
  const age = new Map<string, number>(AGE_GROUPS.map((a) => [a, 0]));
  let total = 0;
  for (const r of rows) {
    const day = localParts(r.finalized_at, timeZone).date;
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
    if (day !== date) continue;
    total++;
    const s = sexBucket(r.sex);
    sex.set(s, (sex.get(s) ?? 0) + 1);
    const a = ageBucket(ageOn(r.birth_date, date));
    age.set(a, (age.get(a) ?? 0) + 1);
  }
  const buckets = (m: Map<string, number>) => [...m].map(([label, count]) => ({ label, count }));
  return {
    date,
    officeCode,
    total,
    bySex: buckets(sex),
    byAgeGroup: buckets(age),
    byDistrict: [{ label: NOT_RECORDED, count: total }],
    byOccupation: [{ label: NOT_RECORDED, count: total }],
    lastSevenDays: Array.from({ length: 7 }, (_, i) => {
      const d = addDays(first, i);
      return { label: d, count: perDay.get(d) ?? 0 };
    }),
  };
}
