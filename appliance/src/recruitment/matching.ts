/**
 * Matching at the counter (issue #17 item 2): which open vacancies fit this migrant, best first, and why.
 * Pure: the caller reads the local reference copy (down-synced, so it works offline) and the migrant's work
 * profile, and passes them in with the office's date. No I/O, no clock.
 *
 * Never shown: a vacancy that is not 'open', whose employer is suspended (ILO fair recruitment: a non-compliant
 * employer recruits nobody), whose closing date has passed or whose opening date has not come, with no place
 * left, or whose minimum age the migrant is under. A vacancy outside the migrant's occupation group (ISCO-08
 * sub-major group, 2 digits) is not a match.
 *
 * Reasons are codes with parameters, so every screen and slip renders them in its own language; `summary` is
 * the English sentence for logs of shape and the API's readers ("matches occupation 9211, 2 seasons'
 * experience; 14 of 40 places left").
 */

export interface WorkProfile {
  /** ISCO-08 code of the migrant's occupation (details step), 1–4 digits. */
  occupationIsco: string;
  /** Seasons (or years) worked in that occupation. */
  experienceSeasons: number;
  /** Skill codes the migrant has (protocol/src/recruitment.ts SKILL_CODES). */
  skills: readonly string[];
  /** Certificate codes the migrant holds (CERTIFICATE_CODES); absent = none recorded. */
  certificates?: readonly string[];
  /** ISO 3166-2:ZA provinces the migrant would go to; empty = anywhere. */
  destinationProvinces: readonly string[];
  /** District codes or names preferred within them; empty = any. */
  destinationDistricts: readonly string[];
  /** Age on the office's day; null when the birth date is unknown. */
  age: number | null;
}

export interface MatchableVacancy {
  vacancyId: string;
  employerId: string;
  /** 'open' | 'filled' | 'closed' (and whatever a newer central sends: anything but 'open' is not shown). */
  status: string;
  /** The employer's compliance status; 'suspended' closes every vacancy of the employer. Null: not known (active). */
  employerStatus: string | null;
  occupationIsco: string;
  destinationProvince: string;
  /** Workplace district (code or name), when the central gives one. */
  district: string | null;
  positions: number;
  /** Places already taken (selected candidates); 0 when the central does not say. */
  positionsFilled: number;
  opensOn: string | null;
  closesOn: string | null;
  minExperienceSeasons: number;
  requiredSkills: readonly string[];
  /** Certificate codes asked for (a driving licence…); absent = none. */
  requiredCertificates?: readonly string[];
  /** Minimum age: 18 unless the vacancy asks for more. */
  minAge: number;
}

export type MatchReason =
  | { code: 'occupation-exact'; isco: string }
  | { code: 'occupation-related'; isco: string; group: string }
  | { code: 'experience-met'; seasons: number; required: number }
  | { code: 'experience-short'; seasons: number; required: number }
  | { code: 'skills-met'; skills: string[] }
  | { code: 'skills-missing'; skills: string[] }
  | { code: 'certificates-met'; certificates: string[] }
  | { code: 'certificates-missing'; certificates: string[] }
  | { code: 'destination-preferred'; province: string }
  | { code: 'destination-other'; province: string }
  | { code: 'district-preferred'; district: string }
  | { code: 'places-left'; left: number; total: number }
  | { code: 'closes-soon'; closesOn: string; days: number };

export interface VacancyMatch<V extends MatchableVacancy = MatchableVacancy> {
  vacancy: V;
  /** 0–100; higher is a better fit. */
  score: number;
  /** Meets every stated requirement (experience, skills); false: shown lower, with what is missing. */
  meetsRequirements: boolean;
  placesLeft: number;
  reasons: MatchReason[];
  summary: string;
}

/** Why a vacancy is not offered at all (tests and the technician's log; never shown as a match). */
export type Exclusion = 'not-open' | 'employer-suspended' | 'closed-by-date' | 'not-yet-open' | 'no-places-left' | 'under-age' | 'other-occupation';

const WEIGHTS = { exact: 50, minorGroup: 32, subMajorGroup: 18, experience: 20, skills: 20, province: 8, district: 4 } as const;
/** "Closes soon": within this many days the reason is shown (the officer should not let it slip). */
export const CLOSES_SOON_DAYS = 14;

const DAY_MS = 86_400_000;
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
const norm = (s: string) => s.trim().toLowerCase();

/** The one rule for "may this vacancy be offered today": undefined when it may. `today` is YYYY-MM-DD at the office. */
export function exclusionOf(v: MatchableVacancy, today: string, age: number | null = null): Exclusion | undefined {
  if (v.status !== 'open') return 'not-open';
  if (v.employerStatus === 'suspended') return 'employer-suspended';
  if (v.closesOn !== null && v.closesOn < today) return 'closed-by-date';
  if (v.opensOn !== null && v.opensOn > today) return 'not-yet-open';
  if (v.positions - v.positionsFilled <= 0) return 'no-places-left';
  if (age !== null && age < v.minAge) return 'under-age';
  return undefined;
}

/** How close two ISCO-08 codes are: 'exact' (unit group), 'minor' (3 digits), 'sub-major' (2 digits), or null. */
export function occupationAffinity(migrant: string, vacancy: string): 'exact' | 'minor' | 'sub-major' | null {
  if (migrant === vacancy) return 'exact';
  // A migrant who gave only a group (e.g. "92") matches every unit group under it, as a related occupation.
  const common = [...migrant].findIndex((c, i) => vacancy[i] !== c);
  const shared = common === -1 ? Math.min(migrant.length, vacancy.length) : common;
  if (shared >= 3) return 'minor';
  if (shared >= 2) return 'sub-major';
  return null;
}

/** The English sentence of a match's reasons (the issue's wording). */
export function summarise(reasons: readonly MatchReason[]): string {
  const fit: string[] = [];
  const gaps: string[] = [];
  let places = '';
  for (const r of reasons) {
    switch (r.code) {
      case 'occupation-exact':
        fit.push(`matches occupation ${r.isco}`);
        break;
      case 'occupation-related':
        fit.push(`related occupation ${r.isco} (group ${r.group})`);
        break;
      case 'experience-met':
        fit.push(`${r.seasons} season${r.seasons === 1 ? '' : 's'}' experience${r.required > 0 ? ` (${r.required} asked)` : ''}`);
        break;
      case 'experience-short':
        gaps.push(`asks ${r.required} seasons' experience, has ${r.seasons}`);
        break;
      case 'skills-met':
        fit.push(`skills: ${r.skills.join(', ')}`);
        break;
      case 'skills-missing':
        gaps.push(`lacks ${r.skills.join(', ')}`);
        break;
      case 'certificates-met':
        fit.push(`holds ${r.certificates.join(', ')}`);
        break;
      case 'certificates-missing':
        gaps.push(`needs ${r.certificates.join(', ')}`);
        break;
      case 'destination-preferred':
        fit.push(`in preferred province ${r.province}`);
        break;
      case 'destination-other':
        gaps.push(`in ${r.province}, not a preferred province`);
        break;
      case 'district-preferred':
        fit.push(`in preferred district ${r.district}`);
        break;
      case 'places-left':
        places = `${r.left} of ${r.total} places left`;
        break;
      case 'closes-soon':
        gaps.push(`closes in ${r.days} day${r.days === 1 ? '' : 's'}`);
        break;
    }
  }
  return [fit.join(', '), [places, ...gaps].filter(Boolean).join('; ')].filter(Boolean).join('; ');
}

/** One vacancy against the profile; null when it is not offered. */
export function matchVacancy<V extends MatchableVacancy>(profile: WorkProfile, v: V, today: string): VacancyMatch<V> | null {
  if (exclusionOf(v, today, profile.age) !== undefined) return null;
  const affinity = occupationAffinity(profile.occupationIsco, v.occupationIsco);
  if (affinity === null) return null;
  const reasons: MatchReason[] = [];
  let score = 0;
  if (affinity === 'exact') {
    score += WEIGHTS.exact;
    reasons.push({ code: 'occupation-exact', isco: v.occupationIsco });
  } else {
    score += affinity === 'minor' ? WEIGHTS.minorGroup : WEIGHTS.subMajorGroup;
    reasons.push({ code: 'occupation-related', isco: v.occupationIsco, group: v.occupationIsco.slice(0, affinity === 'minor' ? 3 : 2) });
  }

  const seasons = Math.max(0, Math.floor(profile.experienceSeasons));
  const required = Math.max(0, v.minExperienceSeasons);
  const experienceMet = seasons >= required;
  if (experienceMet) {
    // Experience beyond what is asked still counts a little: an experienced picker is a better fit than a novice.
    score += required > 0 ? WEIGHTS.experience : Math.min(seasons, 4) * (WEIGHTS.experience / 8);
    if (seasons > 0 || required > 0) reasons.push({ code: 'experience-met', seasons, required });
  } else {
    score += WEIGHTS.experience * (seasons / required) * 0.5;
    reasons.push({ code: 'experience-short', seasons, required });
  }

  const has = new Set(profile.skills.map(norm));
  const wanted = [...new Set(v.requiredSkills.map(norm))];
  const met = wanted.filter((s) => has.has(s));
  const missing = wanted.filter((s) => !has.has(s));
  score += wanted.length === 0 ? WEIGHTS.skills / 2 : WEIGHTS.skills * (met.length / wanted.length);
  if (met.length > 0) reasons.push({ code: 'skills-met', skills: met });
  if (missing.length > 0) reasons.push({ code: 'skills-missing', skills: missing });

  // A certificate asked for is a hard requirement (a tractor driver needs the licence); it adds no score of its own.
  const held = new Set((profile.certificates ?? []).map(norm));
  const certificates = [...new Set((v.requiredCertificates ?? []).map(norm))];
  const certificatesMissing = certificates.filter((c) => !held.has(c));
  if (certificates.length > certificatesMissing.length) reasons.push({ code: 'certificates-met', certificates: certificates.filter((c) => held.has(c)) });
  if (certificatesMissing.length > 0) reasons.push({ code: 'certificates-missing', certificates: certificatesMissing });

  if (profile.destinationProvinces.length === 0 || profile.destinationProvinces.includes(v.destinationProvince)) {
    score += WEIGHTS.province;
    if (profile.destinationProvinces.length > 0) reasons.push({ code: 'destination-preferred', province: v.destinationProvince });
  } else {
    reasons.push({ code: 'destination-other', province: v.destinationProvince });
  }
  const districts = new Set(profile.destinationDistricts.map(norm));
  if (v.district !== null && districts.has(norm(v.district))) {
    score += WEIGHTS.district;
    reasons.push({ code: 'district-preferred', district: v.district });
  }

  const placesLeft = v.positions - v.positionsFilled;
  reasons.push({ code: 'places-left', left: placesLeft, total: v.positions });
  if (v.closesOn !== null) {
    const days = daysBetween(today, v.closesOn);
    if (days <= CLOSES_SOON_DAYS) reasons.push({ code: 'closes-soon', closesOn: v.closesOn, days });
  }

  const meetsRequirements = experienceMet && missing.length === 0 && certificatesMissing.length === 0;
  // A stated requirement not met ranks below every vacancy whose requirements are met (still shown: the officer
  // and the migrant decide, and the employer may accept training on the job).
  const finalScore = Math.round(Math.min(100, meetsRequirements ? score : score * 0.6));
  return { vacancy: v, score: finalScore, meetsRequirements, placesLeft, reasons, summary: summarise(reasons) };
}

/**
 * The vacancies offered to this migrant today, best first: requirements met before not met, then score, then
 * the one closing soonest (its places go first), then the id (a stable order on every screen).
 */
export function rankVacancies<V extends MatchableVacancy>(profile: WorkProfile, vacancies: readonly V[], today: string): VacancyMatch<V>[] {
  const matches: VacancyMatch<V>[] = [];
  for (const v of vacancies) {
    const m = matchVacancy(profile, v, today);
    if (m) matches.push(m);
  }
  return matches.sort(
    (a, b) =>
      Number(b.meetsRequirements) - Number(a.meetsRequirements) ||
      b.score - a.score ||
      (a.vacancy.closesOn ?? '9999-12-31').localeCompare(b.vacancy.closesOn ?? '9999-12-31') ||
      a.vacancy.vacancyId.localeCompare(b.vacancy.vacancyId),
  );
}
