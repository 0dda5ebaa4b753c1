/**
 * Figures for the daily office report: finalized registrations of one local day broken down by every field the
 * registration records (issue #14 item 11): sex, age group and nationality (the document), home province and
 * district, education, intended occupation, employer, vacancy, destination and job offer (the details), the
 * migrant language, first-time or returning, fingerprints, supervisor approval; plus the seven days before for
 * the chart. Read-only SQL over the registrations, their details, state and fingerprint rows. A registration
 * without a value (one finalized below the HTTP layer, or an optional field left empty) is counted under
 * "not recorded" or "none", so every section adds up to the total.
 */
import type { Database } from 'better-sqlite3';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { localParts } from '../printing/receipt-facts.ts';
import type { RegistrationDetails } from '../registrations-details/details-validator.ts';
import { ageOn as ageOnDay } from '../registrations/registration-rules.ts';

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
  /** Every breakdown, in the report's order (the four above included). */
  sections: Array<{ title: string; buckets: Bucket[] }>;
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
  return birthDate && isReportDate(birthDate) ? ageOnDay(birthDate, on) : undefined;
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

/** At most this many named buckets per section; the rest are summed into one "other" bucket. */
export const MAX_BUCKETS = 12;
export const NONE = 'none';

interface Row {
  sex: string | null;
  birth_date: string | null;
  nationality: string | null;
  finalized_at: string;
  details_json: string | null;
  migrant_language: string | null;
  approved_by: string | null;
  captured: number;
  excepted: number;
  is_returning: number;
}

const LANGUAGES: Record<string, string> = { en: 'English', sn: 'Shona', nd: 'isiNdebele' };

/** Counts by label, most first (ties by label), capped at MAX_BUCKETS with an "other" bucket; `fixed` keeps a given order. */
function tally(values: string[], fixed?: readonly string[]): Bucket[] {
  const m = new Map<string, number>((fixed ?? []).map((l) => [l, 0]));
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  const all = [...m].map(([label, count]) => ({ label, count }));
  if (fixed) return all;
  all.sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  if (all.length <= MAX_BUCKETS) return all;
  const rest = all.slice(MAX_BUCKETS - 1);
  return [...all.slice(0, MAX_BUCKETS - 1), { label: `other (${rest.length} more)`, count: rest.reduce((n, b) => n + b.count, 0) }];
}

const named = (name: string | null | undefined, code: string | null | undefined, empty: string): string =>
  code ? (name ? `${name} (${code})` : code) : empty;

export function dailyReportData(db: Database, opts: { date: string; officeCode: string; timeZone: string }): DailyReportData {
  const { date, officeCode, timeZone } = opts;
  if (!isReportDate(date)) throw new ApplianceError(ApplianceErrors.INVALID_INPUT.code, 'date must be a calendar date yyyy-mm-dd', { date });
  const first = addDays(date, -6);
  // A day's margin on both sides covers any UTC offset; the exact local day is decided below.
  const rows = db
    .prepare(
      `SELECT r.sex, r.birth_date, r.nationality, r.finalized_at, d.details_json, s.migrant_language, s.approved_by,
         (SELECT count(*) FROM fingerprints f WHERE f.registration_id = r.id AND f.status = 'captured') AS captured,
         (SELECT count(*) FROM fingerprints f WHERE f.registration_id = r.id AND f.status = 'exception') AS excepted,
         EXISTS (SELECT 1 FROM registrations e WHERE e.issuing_state = r.issuing_state AND e.document_number = r.document_number
                   AND e.id <> r.id AND e.status = 'finalized' AND e.seq < r.seq) AS is_returning
       FROM registrations r
       LEFT JOIN registration_details d ON d.registration_id = r.id
       LEFT JOIN registration_state s ON s.registration_id = r.id
       WHERE r.status = 'finalized' AND r.office_code = ? AND r.finalized_at >= ? AND r.finalized_at < ?`,
    )
    .all(officeCode, `${addDays(first, -1)}T00:00:00`, `${addDays(date, 2)}T00:00:00`) as Row[];
  const perDay = new Map<string, number>();
  const day: Row[] = [];
  for (const r of rows) {
    const local = localParts(r.finalized_at, timeZone).date;
    perDay.set(local, (perDay.get(local) ?? 0) + 1);
    if (local === date) day.push(r);
  }
  const details = day.map((r) => (r.details_json ? (JSON.parse(r.details_json) as RegistrationDetails) : null));
  const field = (pick: (d: RegistrationDetails) => string, empty = NOT_RECORDED) => details.map((d) => (d ? pick(d) : empty));
  const bySex = tally(day.map((r) => sexBucket(r.sex)), SEXES);
  const byAgeGroup = tally(day.map((r) => ageBucket(ageOn(r.birth_date, date))), AGE_GROUPS);
  const byDistrict = tally(field((d) => named(d.homeDistrictName, d.homeDistrict, NOT_RECORDED)));
  const byOccupation = tally(field((d) => named(d.occupationTitle, d.occupationIsco, NOT_RECORDED)));
  const sections = [
    { title: 'By sex', buckets: bySex },
    { title: 'By age group (age on the day)', buckets: byAgeGroup },
    { title: 'By nationality', buckets: tally(day.map((r) => r.nationality || NOT_RECORDED)) },
    { title: 'By home province', buckets: tally(field((d) => named(d.homeProvinceName, d.homeProvince, NOT_RECORDED))) },
    { title: 'By district of origin', buckets: byDistrict },
    { title: 'By education', buckets: tally(field((d) => d.education)) },
    { title: 'By intended occupation', buckets: byOccupation },
    { title: 'By employer', buckets: tally(field((d) => named(d.employerName, d.employerId, NONE))) },
    { title: 'By vacancy', buckets: tally(field((d) => named(d.vacancyTitle, d.vacancyId, NONE))) },
    { title: 'By destination province', buckets: tally(field((d) => d.destinationProvince)) },
    { title: 'Job offer presented', buckets: tally(field((d) => (d.jobOffer ? (d.jobOffer.employerRegistered ? 'yes, registered employer' : 'yes, unregistered employer') : 'no'))) },
    {
      title: "By the migrant's language",
      buckets: tally(day.map((r, i) => {
        const code = r.migrant_language ?? details[i]?.language ?? null;
        return code ? (LANGUAGES[code] ?? code) : NOT_RECORDED;
      })),
    },
    { title: 'First-time or returning', buckets: tally(day.map((r) => (r.is_returning ? 'returning' : 'first time')), ['first time', 'returning']) },
    {
      title: 'Fingerprints',
      buckets: tally(
        day.map((r) => (r.captured + r.excepted === 0 ? 'none recorded' : r.excepted === 0 ? 'all captured' : r.captured === 0 ? 'all excepted' : 'some excepted')),
        ['all captured', 'some excepted', 'all excepted', 'none recorded'],
      ),
    },
    { title: 'Supervisor approval (minor, expired, specimen…)', buckets: tally(day.map((r) => (r.approved_by ? 'approved by a supervisor' : 'not needed')), ['not needed', 'approved by a supervisor']) },
  ];
  return {
    date,
    officeCode,
    total: day.length,
    bySex,
    byAgeGroup,
    byDistrict,
    byOccupation,
    sections,
    lastSevenDays: Array.from({ length: 7 }, (_, i) => {
      const d = addDays(first, i);
      return { label: d, count: perDay.get(d) ?? 0 };
    }),
  };
}
