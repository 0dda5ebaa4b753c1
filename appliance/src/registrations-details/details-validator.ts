/**
 * PUT /details body → the normalised details stored for a registration. The HTTP schema has already checked
 * shapes and the fixed lists; this checks what needs code: phone numbers, names, dates, the job-offer QR, and
 * the codes against the local reference copy (each table only once it has rows).
 */
import { parseJobOffer } from '../barcodes/job-offer.ts';
import { invalidField } from './details-errors.ts';
import {
  DEFAULT_DESTINATION,
  type DestinationProvince,
  type DetailsLanguage,
  type EducationLevel,
  type Relationship,
  normalisePhone,
} from './details-rules.ts';
import type { ReferenceLookup } from './reference-lookup.ts';

export interface DetailsInput {
  phone?: string | null;
  homeProvince: string;
  homeDistrict: string;
  education: EducationLevel;
  occupationIsco: string;
  employerId?: string | null;
  vacancyId?: string | null;
  /** The text of the job-offer QR (ZLMCJOB1;…), as read by POST /api/barcodes/decode. */
  jobOfferQr?: string | null;
  destinationProvince?: DestinationProvince;
  /** ISO 3166-1 alpha-3, where known. */
  countryOfBirth?: string | null;
  nextOfKin: { name: string; relationship: Relationship; phone?: string | null };
  language: DetailsLanguage;
  consent: { given: boolean; language: DetailsLanguage; readAt: string };
}

export interface JobOfferSummary {
  text: string;
  employerRegistration: string;
  employerName: string;
  position: string;
  expires: string;
  location: string | null;
  reference: string | null;
  /** The offer's employer is in the synced employer register. The QR itself is not signed. */
  employerRegistered: boolean;
}

/** What is stored (details_json) and returned: codes plus the reference names at the time of saving. */
export interface RegistrationDetails {
  phone: string | null;
  homeProvince: string;
  homeProvinceName: string | null;
  homeDistrict: string;
  homeDistrictName: string | null;
  education: EducationLevel;
  occupationIsco: string;
  occupationTitle: string | null;
  employerId: string | null;
  employerName: string | null;
  vacancyId: string | null;
  vacancyTitle: string | null;
  jobOffer: JobOfferSummary | null;
  destinationProvince: DestinationProvince;
  /** ISO 3166-1 alpha-3; present only when known (statistics: country of birth, ILO 20th ICLS). */
  countryOfBirth?: string;
  nextOfKin: { name: string; relationship: Relationship; phone: string | null };
  language: DetailsLanguage;
  consent: { given: boolean; language: DetailsLanguage; readAt: string; recordedAt: string };
}

const CODE = /^[A-Z0-9][A-Z0-9-]{0,63}$/;
// Letters of any script, spaces, apostrophes, hyphens, dots: what names are written with at the counter.
const NAME = /^[\p{L}][\p{L}\p{M} .'-]{1,79}$/u;
/** The UI's clock may be a little ahead of the appliance's; a consent "read" further in the future is a bug or a forgery. */
const FUTURE_SLACK_MS = 10 * 60_000;

function phoneOf(field: string, value: string | null | undefined): string | null {
  if (value === undefined || value === null || value.trim() === '') return null;
  const phone = normalisePhone(value);
  if (!phone) throw invalidField(field, 'not a phone number: use +country code and number, or a Zimbabwe number starting with 0 (e.g. 077 123 4567)');
  return phone;
}

function code(field: string, value: string): string {
  const v = value.trim().toUpperCase();
  if (!CODE.test(v)) throw invalidField(field, 'must be a reference code such as ZW-MS');
  return v;
}

function optionalId(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const v = value.trim();
  return v === '' ? null : v;
}

export function validateDetails(input: DetailsInput, ref: ReferenceLookup, now: Date): RegistrationDetails {
  const counts = ref.counts();
  const phone = phoneOf('phone', input.phone);

  const homeProvince = code('homeProvince', input.homeProvince);
  const province = ref.province(homeProvince);
  if (counts.provinces > 0 && !province) throw invalidField('homeProvince', `${homeProvince} is not a province in the reference data`);
  const homeDistrict = code('homeDistrict', input.homeDistrict);
  const district = ref.district(homeDistrict);
  if (counts.districts > 0) {
    if (!district) throw invalidField('homeDistrict', `${homeDistrict} is not a district in the reference data`);
    if (district.provinceCode !== homeProvince) throw invalidField('homeDistrict', `${district.name} is not in province ${homeProvince}`);
  }

  const occupationIsco = input.occupationIsco.trim();
  if (!/^\d{1,4}$/.test(occupationIsco)) throw invalidField('occupationIsco', 'must be an ISCO-08 code of 1 to 4 digits');
  const occupation = ref.occupation(occupationIsco);
  if (counts.occupations > 0 && !occupation) throw invalidField('occupationIsco', `${occupationIsco} is not an ISCO-08 code in the reference data`);

  let destinationProvince = input.destinationProvince ?? DEFAULT_DESTINATION;
  let employerId = optionalId(input.employerId);
  const vacancyId = optionalId(input.vacancyId);
  const employer = employerId ? ref.employer(employerId) : undefined;
  if (employerId && counts.employers > 0 && !employer) throw invalidField('employerId', `${employerId} is not in the employer register`);
  let vacancyTitle: string | null = null;
  if (vacancyId) {
    if (!employerId) throw invalidField('vacancyId', 'a vacancy needs its employer (employerId)');
    const vacancy = ref.vacancy(vacancyId);
    if (counts.vacancies > 0) {
      if (!vacancy) throw invalidField('vacancyId', `${vacancyId} is not in the vacancy register`);
      if (vacancy.employerId !== employerId) throw invalidField('vacancyId', `${vacancyId} is a vacancy of another employer`);
      const today = ref.today();
      const open = vacancy.status === 'open' && (vacancy.opensOn === null || vacancy.opensOn <= today) && (vacancy.closesOn === null || vacancy.closesOn >= today);
      if (!open) throw invalidField('vacancyId', `${vacancyId} is not open today`);
      if (input.destinationProvince !== undefined && input.destinationProvince !== vacancy.destinationProvince) {
        throw invalidField('destinationProvince', `the vacancy is in ${vacancy.destinationProvince}`);
      }
      destinationProvince = vacancy.destinationProvince as typeof destinationProvince;
      vacancyTitle = vacancy.title;
    }
  }

  let jobOffer: JobOfferSummary | null = null;
  const qr = optionalId(input.jobOfferQr);
  if (qr) {
    const parsed = parseJobOffer(qr, now);
    if (!parsed.ok) throw invalidField('jobOfferQr', `not a readable job offer (${parsed.problems.join('; ')})`);
    if (parsed.expired) throw invalidField('jobOfferQr', `the job offer expired on ${parsed.offer.expires}`);
    const o = parsed.offer;
    const registered = ref.employer(o.employerRegistration);
    jobOffer = {
      text: qr,
      employerRegistration: o.employerRegistration,
      employerName: o.employerName,
      position: o.position,
      expires: o.expires,
      location: o.location ?? null,
      reference: o.reference ?? null,
      employerRegistered: registered !== undefined,
    };
    // The statistics count offers by employer too: a registered employer's offer names it.
    if (!employerId && registered) employerId = registered.employerId;
  }

  const birth = optionalId(input.countryOfBirth)?.toUpperCase() ?? null;
  if (birth !== null && !/^[A-Z]{3}$/.test(birth)) throw invalidField('countryOfBirth', 'must be an ISO 3166-1 alpha-3 country code such as ZWE');

  const kinName = input.nextOfKin.name.trim().replace(/\s+/g, ' ');
  if (!NAME.test(kinName)) throw invalidField('nextOfKin.name', 'must be 2 to 80 letters (spaces, hyphens and apostrophes allowed)');
  const kinPhone = phoneOf('nextOfKin.phone', input.nextOfKin.phone);

  const readAt = Date.parse(input.consent.readAt);
  if (Number.isNaN(readAt)) throw invalidField('consent.readAt', 'must be an ISO 8601 date-time');
  if (readAt > now.getTime() + FUTURE_SLACK_MS) throw invalidField('consent.readAt', 'is in the future');

  const finalEmployer = employerId ? (employer ?? ref.employer(employerId)) : undefined;
  return {
    phone,
    homeProvince,
    homeProvinceName: province?.name ?? null,
    homeDistrict,
    homeDistrictName: district?.name ?? null,
    education: input.education,
    occupationIsco,
    occupationTitle: occupation?.title ?? null,
    employerId,
    employerName: finalEmployer?.name ?? null,
    vacancyId,
    vacancyTitle,
    jobOffer,
    destinationProvince,
    ...(birth !== null ? { countryOfBirth: birth } : {}),
    nextOfKin: { name: kinName, relationship: input.nextOfKin.relationship, phone: kinPhone },
    language: input.language,
    consent: { given: input.consent.given, language: input.consent.language, readAt: new Date(readAt).toISOString(), recordedAt: now.toISOString() },
  };
}
