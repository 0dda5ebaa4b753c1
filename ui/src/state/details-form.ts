/**
 * The details step's form, apart from the screen (unit-tested): which field is still needed, which one comes next,
 * and the autosave body of a change. The server's field names are DetailsBody's (registrations-details).
 */
import type { Language } from '../i18n/i18n.ts';

export type Editor = 'home' | 'employer' | 'occupation' | 'destination' | 'education' | 'birth' | 'phone' | 'kin' | 'consent';
/** The order the officer fills them in; focus moves to the next empty one. */
export const EDITORS: Editor[] = ['home', 'employer', 'occupation', 'destination', 'education', 'birth', 'phone', 'kin', 'consent'];

export interface Form {
  phone: string;
  homeProvince: string;
  homeProvinceName: string;
  homeDistrict: string;
  homeDistrictName: string;
  education: string | null;
  occupationIsco: string;
  occupationTitle: string;
  employerId: string | null;
  employerName: string;
  vacancyId: string | null;
  vacancyTitle: string;
  jobOfferQr: string | null;
  jobOfferText: string;
  destinationProvince: string;
  /** ISO 3166-1 alpha-3, where known (optional: never focused on its own). */
  countryOfBirth: string | null;
  kinName: string;
  kinRelationship: string | null;
  kinPhone: string;
  /** The ONE migrant language: consent text, receipt, slip (the officer's screen language is apart). */
  language: Language;
  consentGiven: boolean;
  consentReadAt: string | null;
}

export const blankForm = (language: Language): Form => ({
  phone: '', homeProvince: '', homeProvinceName: '', homeDistrict: '', homeDistrictName: '', education: null, occupationIsco: '', occupationTitle: '',
  employerId: null, employerName: '', vacancyId: null, vacancyTitle: '', jobOfferQr: null, jobOfferText: '', destinationProvince: 'ZA-LP',
  countryOfBirth: null, kinName: '', kinRelationship: null, kinPhone: '', language, consentGiven: false, consentReadAt: null,
});

/** Required fields still empty, in screen order (what "Continue" names). */
export function missingEditors(f: Form): Editor[] {
  const out: Editor[] = [];
  if (!f.homeDistrict) out.push('home');
  if (!f.occupationIsco) out.push('occupation');
  if (!f.education) out.push('education');
  if (!f.kinName.trim() || !f.kinRelationship) out.push('kin');
  if (!f.consentGiven) out.push('consent');
  return out;
}

/** Is this field still to be looked at? Optional ones count as done once the officer has passed them. */
export function isEmpty(f: Form, e: Editor, visited: ReadonlySet<Editor>): boolean {
  switch (e) {
    case 'home': return !f.homeDistrict;
    case 'employer': return !f.employerId && !f.jobOfferQr && !visited.has('employer');
    case 'occupation': return !f.occupationIsco;
    case 'destination': return false; // the vacancy or the office's default fills it
    case 'education': return !f.education;
    case 'birth': return false; // asked where known, never required
    case 'phone': return !f.phone && !visited.has('phone');
    case 'kin': return !f.kinName.trim() || !f.kinRelationship;
    case 'consent': return !f.consentGiven;
  }
}

/** The next field to fill after `from` (wrapping to the start), or null when every field is done. */
export function nextEditor(f: Form, from: Editor, visited: ReadonlySet<Editor>): Editor | null {
  const seen = new Set(visited).add(from);
  const i = EDITORS.indexOf(from);
  for (const e of [...EDITORS.slice(i + 1), ...EDITORS.slice(0, i)]) if (isEmpty(f, e, seen)) return e;
  return null;
}

/** The server's details fields touched by a change of the form (autosave: only what changed is sent). */
export function changedFields(before: Form, after: Form): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys: Array<[keyof Form, string, (f: Form) => unknown]> = [
    ['phone', 'phone', (f) => f.phone || null],
    ['homeProvince', 'homeProvince', (f) => f.homeProvince || null],
    ['homeDistrict', 'homeDistrict', (f) => f.homeDistrict || null],
    ['education', 'education', (f) => f.education],
    ['occupationIsco', 'occupationIsco', (f) => f.occupationIsco || null],
    ['employerId', 'employerId', (f) => f.employerId],
    ['vacancyId', 'vacancyId', (f) => f.vacancyId],
    ['jobOfferQr', 'jobOfferQr', (f) => f.jobOfferQr],
    ['destinationProvince', 'destinationProvince', (f) => f.destinationProvince],
    ['countryOfBirth', 'countryOfBirth', (f) => f.countryOfBirth],
    ['language', 'language', (f) => f.language],
  ];
  for (const [k, name, value] of keys) if (before[k] !== after[k]) out[name] = value(after);
  if (before.kinName !== after.kinName || before.kinRelationship !== after.kinRelationship || before.kinPhone !== after.kinPhone) {
    out.nextOfKin = { name: after.kinName, ...(after.kinRelationship ? { relationship: after.kinRelationship } : {}), phone: after.kinPhone || null };
  }
  if (before.consentGiven !== after.consentGiven || before.language !== after.language || before.consentReadAt !== after.consentReadAt) {
    out.consent = after.consentReadAt ? { given: after.consentGiven, language: after.language, readAt: after.consentReadAt } : null;
  }
  return out;
}

/** The full PUT /details body of a complete form. */
export const detailsBody = (f: Form) => ({
  phone: f.phone || null,
  homeProvince: f.homeProvince,
  homeDistrict: f.homeDistrict,
  education: f.education ?? '',
  occupationIsco: f.occupationIsco,
  employerId: f.employerId,
  vacancyId: f.vacancyId,
  jobOfferQr: f.jobOfferQr,
  destinationProvince: f.destinationProvince,
  countryOfBirth: f.countryOfBirth,
  nextOfKin: { name: f.kinName.trim(), relationship: f.kinRelationship ?? '', phone: f.kinPhone || null },
  language: f.language,
  consent: { given: f.consentGiven, language: f.language, readAt: f.consentReadAt ?? new Date().toISOString() },
});

/** A saved or autosaved details object (codes, maybe names) onto the form. */
export function formFrom(base: Form, d: Record<string, unknown>): Form {
  const s = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : undefined);
  const kin = (d.nextOfKin ?? null) as { name?: string; relationship?: string; phone?: string | null } | null;
  const consent = (d.consent ?? null) as { given?: boolean; language?: Language; readAt?: string } | null;
  const offer = (d.jobOffer ?? null) as { employerName?: string; position?: string; text?: string } | null;
  const f: Form = { ...base };
  if (d.phone !== undefined) f.phone = s('phone') ?? '';
  if (s('homeProvince')) f.homeProvince = s('homeProvince') as string;
  f.homeProvinceName = s('homeProvinceName') ?? (f.homeProvinceName || f.homeProvince);
  if (s('homeDistrict')) f.homeDistrict = s('homeDistrict') as string;
  f.homeDistrictName = s('homeDistrictName') ?? (f.homeDistrictName || f.homeDistrict);
  if (s('education')) f.education = s('education') as string;
  if (s('occupationIsco')) f.occupationIsco = s('occupationIsco') as string;
  if (s('occupationTitle')) f.occupationTitle = s('occupationTitle') as string;
  if (d.employerId !== undefined) f.employerId = s('employerId') ?? null;
  if (s('employerName')) f.employerName = s('employerName') as string;
  if (d.vacancyId !== undefined) f.vacancyId = s('vacancyId') ?? null;
  if (s('vacancyTitle')) f.vacancyTitle = s('vacancyTitle') as string;
  if (s('jobOfferQr')) f.jobOfferQr = s('jobOfferQr') as string;
  if (offer) {
    f.jobOfferQr = offer.text ?? f.jobOfferQr;
    f.jobOfferText = `${offer.employerName ?? ''} · ${offer.position ?? ''}`;
  }
  if (s('destinationProvince')) f.destinationProvince = s('destinationProvince') as string;
  if (d.countryOfBirth !== undefined) f.countryOfBirth = s('countryOfBirth') ?? null;
  if (kin) {
    f.kinName = kin.name ?? '';
    f.kinRelationship = kin.relationship ?? null;
    f.kinPhone = kin.phone ?? '';
  }
  if (s('language')) f.language = s('language') as Language;
  if (consent) {
    f.consentGiven = consent.given === true && (consent.language ?? f.language) === f.language;
    f.consentReadAt = consent.readAt ?? null;
  }
  return f;
}
