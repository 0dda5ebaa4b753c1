/**
 * The statistics fields of a registration, normalised ONE way for both sides: the appliance lifts them out of the
 * finalized record into the wire payload (appliance/src/sync/wire-record.ts), the central extracts them into its
 * statistics columns (central/src/ingest/extract.ts). Pure, no I/O.
 *
 * Lenient by design: a value this does not recognise becomes null (absent on the wire, NULL = "unknown" at the
 * centre) rather than refusing the registration. Normalising is idempotent: what the appliance sends normalises to
 * itself at the centre, so both sides count the same thing.
 *
 * Rules:
 * - sex: ICAO 9303 only — M, F, X; '<' is the MRZ's "unspecified", which the visual zone writes X (Doc 9303 Part 4),
 *   so '<' counts as X. Case and surrounding spaces are ignored. Anything else (including words such as 'male')
 *   is unknown.
 * - birthDate: ISO 8601 YYYY-MM-DD that is a real calendar date; MRZ dates with unknown parts (`<<`, `00`) give null.
 * - nationality: the ICAO 9303 code's letters, fillers removed ("D<<" → "D"), upper case, 1 to 3 letters.
 * - districtOfOrigin, destinationProvince, employerId: reference codes, trimmed, 1 to 128 characters (the batch
 *   schema's limit).
 * - occupationIsco: ISCO-08, major group (1 digit) down to unit group (4 digits).
 * - returning: a boolean, nothing else.
 */

/** ICAO 9303 sex: male, female, unspecified. */
export type Sex = 'M' | 'F' | 'X';

export interface StatisticsFields {
  sex: Sex | null;
  birthDate: string | null;
  nationality: string | null;
  districtOfOrigin: string | null;
  occupationIsco: string | null;
  destinationProvince: string | null;
  employerId: string | null;
  returning: boolean | null;
}

/** Raw values, from wherever each side holds them (MRZ document, details, a received payload). */
export type StatisticsInput = { readonly [K in keyof StatisticsFields]?: unknown };

/** Longest reference code counted (protocol/src/batch-schema.ts allows 128 characters). */
export const MAX_CODE_LENGTH = 128;

function text(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t === '' ? null : t;
}

export function sexOrNull(v: unknown): Sex | null {
  const t = text(v)?.toUpperCase();
  if (t === 'M' || t === 'F' || t === 'X') return t;
  return t === '<' ? 'X' : null;
}

/** YYYY-MM-DD that is a real calendar date (2001-02-29 is not). */
export function isoDateOrNull(v: unknown): string | null {
  const t = text(v);
  const m = t ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(t) : null;
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.UTC maps years 0..99 to 1900..1999, so those fail the year comparison: no one registering was born then.
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? t : null;
}

export function nationalityOrNull(v: unknown): string | null {
  const letters = text(v)?.replace(/</g, '').toUpperCase() ?? null;
  return letters !== null && /^[A-Z]{1,3}$/.test(letters) ? letters : null;
}

export function iscoOrNull(v: unknown): string | null {
  const t = text(v);
  return t !== null && /^\d{1,4}$/.test(t) ? t : null;
}

export function codeOrNull(v: unknown): string | null {
  const t = text(v);
  return t !== null && t.length <= MAX_CODE_LENGTH ? t : null;
}

export function returningOrNull(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}

export function normaliseStatistics(input: StatisticsInput): StatisticsFields {
  return {
    sex: sexOrNull(input.sex),
    birthDate: isoDateOrNull(input.birthDate),
    nationality: nationalityOrNull(input.nationality),
    districtOfOrigin: codeOrNull(input.districtOfOrigin),
    occupationIsco: iscoOrNull(input.occupationIsco),
    destinationProvince: codeOrNull(input.destinationProvince),
    employerId: codeOrNull(input.employerId),
    returning: returningOrNull(input.returning),
  };
}

/*
 * ILO guidelines concerning statistics of international labour migration (20th ICLS, 2018): educational attainment
 * (ISCED 2011), country of destination as well as province, country of birth where known. These travel inside the
 * details the appliance sends whole (payload.details) and are counted by the central from there
 * (central/src/stats/ilo-columns.ts); a lifted top-level value (educationIsced, destinationCountry, countryOfBirth)
 * wins when a sender gives one.
 */

/**
 * The appliance's education levels (appliance/src/registrations-details/details-rules.ts, ZIMSEC as migrants name
 * them) → ISCED 2011 levels, following UNESCO-UIS's mapping of Zimbabwe's system: Forms 1–4 (O level) are lower
 * secondary, Forms 5–6 (A level) upper secondary; vocational certificates after secondary are post-secondary
 * non-tertiary (4); every tertiary level is one group, 5T8, as the counter does not tell them apart.
 */
export const EDUCATION_TO_ISCED = {
  none: '0',
  primary: '1',
  'secondary-o-level': '2',
  'secondary-a-level': '3',
  vocational: '4',
  tertiary: '5T8',
} as const;

/** ISCED 2011 levels as counted (UIS notation: 5T8 = tertiary, levels 5 to 8). */
export const ISCED_LEVELS = ['0', '1', '2', '3', '4', '5T8'] as const;
export type IscedLevel = (typeof ISCED_LEVELS)[number];

/**
 * ISO 3166-1 alpha-2 → alpha-3 for the countries whose ISO 3166-2 subdivision codes the destinations use (the
 * prefix of 'ZA-LP'). A destination province of another country counts as an unknown country until it is added.
 */
export const ALPHA2_TO_ALPHA3: Readonly<Record<string, string>> = {
  ZA: 'ZAF',
  ZW: 'ZWE',
  BW: 'BWA',
  MZ: 'MOZ',
  NA: 'NAM',
  ZM: 'ZMB',
  MW: 'MWI',
  LS: 'LSO',
  SZ: 'SWZ',
};

export interface DetailStatisticsFields {
  educationIsced: IscedLevel | null;
  destinationCountry: string | null;
  countryOfBirth: string | null;
}

/** An appliance education level or an ISCED level → the ISCED level; anything else null. */
export function educationIscedOrNull(v: unknown): IscedLevel | null {
  const t = text(v);
  if (t === null) return null;
  if ((ISCED_LEVELS as readonly string[]).includes(t.toUpperCase())) return t.toUpperCase() as IscedLevel;
  return Object.hasOwn(EDUCATION_TO_ISCED, t) ? EDUCATION_TO_ISCED[t as keyof typeof EDUCATION_TO_ISCED] : null;
}

/** ISO 3166-1 alpha-3 (upper case, three letters), or null. */
export function countryOrNull(v: unknown): string | null {
  const t = text(v)?.toUpperCase() ?? null;
  return t !== null && /^[A-Z]{3}$/.test(t) ? t : null;
}

/** The country of an ISO 3166-2 subdivision code ('ZA-LP' → 'ZAF'), or null. */
export function countryOfSubdivision(v: unknown): string | null {
  const m = /^([A-Z]{2})-[A-Z0-9]{1,3}$/.exec(text(v)?.toUpperCase() ?? '');
  return m ? (ALPHA2_TO_ALPHA3[m[1] as string] ?? null) : null;
}

/** The ILO detail fields of a registration payload (top-level values first, then payload.details). */
export function normaliseDetailStatistics(payload: { readonly [field: string]: unknown }): DetailStatisticsFields {
  const details = typeof payload.details === 'object' && payload.details !== null ? (payload.details as Record<string, unknown>) : {};
  // The top-level value when it is a non-empty string, else the detail's.
  const pick = (name: string, detail: string) => text(payload[name]) ?? details[detail];
  return {
    educationIsced: educationIscedOrNull(pick('educationIsced', 'education')),
    destinationCountry:
      countryOrNull(pick('destinationCountry', 'destinationCountry')) ?? countryOfSubdivision(pick('destinationProvince', 'destinationProvince')),
    countryOfBirth: countryOrNull(pick('countryOfBirth', 'countryOfBirth')),
  };
}
