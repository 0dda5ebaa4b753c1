/**
 * MRZ dates are YYMMDD (ICAO 9303 Part 3 §4.6.2). ICAO gives no century rule, so we choose:
 *
 * - Birth dates: the most recent century that does not put the date after `now` (a holder
 *   is never born in the future; the oldest holder we can express is 99 years old). With
 *   unknown parts the earliest possible date decides.
 * - Expiry dates: the year ending in YY that lies in [year(now) − 50, year(now) + 49]. Passports
 *   run 10 years and some ID cards longer; 50 years back still dates specimen and long-expired
 *   documents correctly (94 → 1994 in 2025, 74 → 2074).
 *
 * Unknown birth-date parts are `<<` (Part 3 §4.6.2) or, in field practice, `00` for the
 * month or day. Expiry dates must be complete. All comparisons use the UTC calendar day of `now`.
 */

export interface CalendarDay {
  year: number;
  month: number;
  day: number;
}

export interface ResolvedDate {
  /** False when the field is malformed (not digits, month 13, 30 February...). */
  ok: boolean;
  problem: string | null;
  year: number | null;
  month: number | null;
  day: number | null;
  /** YYYY-MM-DD when every part is known and the date is well formed. */
  iso: string | null;
}

export function todayUtc(now: Date): CalendarDay {
  return { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function compareDays(a: CalendarDay, b: CalendarDay): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** Completed years of age on `today`. */
export function ageOn(birth: CalendarDay, today: CalendarDay): number {
  const beforeBirthday = today.month < birth.month || (today.month === birth.month && today.day < birth.day);
  return today.year - birth.year - (beforeBirthday ? 1 : 0);
}

const pad2 = (n: number) => String(n).padStart(2, '0');
export const isoDay = (d: CalendarDay) => `${String(d.year).padStart(4, '0')}-${pad2(d.month)}-${pad2(d.day)}`;

type Pair = { kind: 'known'; n: number } | { kind: 'unknown' } | { kind: 'bad' };

function pair(raw: string, zeroIsUnknown: boolean): Pair {
  if (raw === '<<') return { kind: 'unknown' };
  if (!/^[0-9]{2}$/.test(raw)) return { kind: 'bad' };
  const n = Number(raw);
  if (zeroIsUnknown && n === 0) return { kind: 'unknown' };
  return { kind: 'known', n };
}

const malformed = (problem: string): ResolvedDate => ({ ok: false, problem, year: null, month: null, day: null, iso: null });

function checkMonthDay(year: number | null, month: number | null, day: number | null): string | null {
  if (month !== null && (month < 1 || month > 12)) return `month ${pad2(month)} does not exist`;
  if (day === null) return null;
  // Unknown year: allow 29 February (a leap year is possible).
  const max = month === null ? 31 : daysInMonth(year ?? 2000, month);
  if (day < 1 || day > max) return `day ${pad2(day)} does not exist in that month`;
  return null;
}

function finish(year: number | null, month: number | null, day: number | null): ResolvedDate {
  const problem = checkMonthDay(year, month, day);
  if (problem) return malformed(problem);
  const iso = year !== null && month !== null && day !== null ? isoDay({ year, month, day }) : null;
  return { ok: true, problem: null, year, month, day, iso };
}

export function resolveBirthDate(raw: string, now: Date): ResolvedDate {
  if (raw.length !== 6) return malformed('the date must have six characters');
  const yy = pair(raw.slice(0, 2), false);
  const mm = pair(raw.slice(2, 4), true);
  const dd = pair(raw.slice(4, 6), true);
  if (yy.kind === 'bad' || mm.kind === 'bad' || dd.kind === 'bad') return malformed('the date holds characters other than digits or <<');
  const month = mm.kind === 'known' ? mm.n : null;
  const day = dd.kind === 'known' ? dd.n : null;
  if (yy.kind === 'unknown') return finish(null, month, day);
  const today = todayUtc(now);
  let year = Math.floor(today.year / 100) * 100 + yy.n;
  const earliest = { year, month: month ?? 1, day: day ?? 1 };
  if (compareDays(earliest, today) > 0) year -= 100;
  return finish(year, month, day);
}

export function resolveExpiryDate(raw: string, now: Date): ResolvedDate {
  if (!/^[0-9]{6}$/.test(raw)) return malformed('an expiry date must be six digits');
  const yy = Number(raw.slice(0, 2));
  const low = todayUtc(now).year - 50;
  const year = low + ((((yy - low) % 100) + 100) % 100);
  return finish(year, Number(raw.slice(2, 4)), Number(raw.slice(4, 6)));
}

/** The latest birth date consistent with the known parts (for a conservative under-18 check). */
export function latestPossibleBirthDay(d: ResolvedDate): CalendarDay | null {
  if (!d.ok || d.year === null) return null;
  const month = d.month ?? 12;
  return { year: d.year, month, day: d.day ?? daysInMonth(d.year, month) };
}
