/**
 * The fixed lists and the phone rule of a registration's details. Pure: shared by the validator, the
 * HTTP schema and (type-only) the officer UI.
 */

/** Highest level completed. A short list the officer can tap; ZIMSEC levels named the way migrants say them. */
export const EDUCATION_LEVELS = ['none', 'primary', 'secondary-o-level', 'secondary-a-level', 'vocational', 'tertiary'] as const;
export type EducationLevel = (typeof EDUCATION_LEVELS)[number];

export const NEXT_OF_KIN_RELATIONSHIPS = ['spouse', 'parent', 'child', 'sibling', 'other-relative', 'friend'] as const;
export type Relationship = (typeof NEXT_OF_KIN_RELATIONSHIPS)[number];

/** The counter's languages (ui/src/i18n): the migrant's, and the one the consent was read in. */
export const DETAILS_LANGUAGES = ['en', 'sn', 'nd'] as const;
export type DetailsLanguage = (typeof DETAILS_LANGUAGES)[number];

/**
 * Destination provinces, ISO 3166-2:ZA (the codes the reference vacancies and the offices' catchments use).
 * Beitbridge sends most people to Limpopo: the default.
 */
export const DESTINATION_PROVINCES = ['ZA-LP', 'ZA-MP', 'ZA-GP', 'ZA-NW', 'ZA-KZN', 'ZA-FS', 'ZA-NC', 'ZA-EC', 'ZA-WC'] as const;
export type DestinationProvince = (typeof DESTINATION_PROVINCES)[number];
export const DEFAULT_DESTINATION: DestinationProvince = 'ZA-LP';

/**
 * Countries of birth the counter offers (ISO 3166-1 alpha-3): Zimbabwe and the neighbours most migrants through the
 * Labour Migration Centres were born in. Asked where known (ILO 20th ICLS, 2018: country of birth); the API takes any
 * alpha-3 code.
 */
export const BIRTH_COUNTRIES = ['ZWE', 'MOZ', 'MWI', 'ZMB', 'ZAF', 'BWA', 'COD', 'AGO', 'TZA', 'NAM', 'LSO', 'SWZ'] as const;

/** Zimbabwe's country calling code (ITU-T E.164 assignment). */
const ZW_CALLING_CODE = '263';

/**
 * A phone number as typed at the counter → E.164 (`+263771234567`), or null when it is not a number.
 * Accepted: E.164 with `+` (any country: a next of kin may be in South Africa), `00` international prefix,
 * `263…` without the plus, and Zimbabwe's national format with the trunk 0 (`077 123 4567`, `0242 123456`).
 * Spaces, dashes, dots and brackets are ignored. E.164 allows at most 15 digits; fewer than 8 is no real number.
 */
export function normalisePhone(input: string): string | null {
  const s = input.trim().replace(/[\s\-.()]/g, '');
  let digits: string;
  if (/^\+\d+$/.test(s)) digits = s.slice(1);
  else if (/^00\d+$/.test(s)) digits = s.slice(2);
  else if (/^0\d+$/.test(s)) {
    // National significant numbers in Zimbabwe are 8 to 9 digits after the trunk 0 (mobile 7x + 7 digits).
    const national = s.slice(1);
    if (national.length < 8 || national.length > 9) return null;
    digits = ZW_CALLING_CODE + national;
  } else if (new RegExp(`^${ZW_CALLING_CODE}\\d{8,9}$`).test(s)) digits = s;
  else return null;
  if (!/^[1-9]\d{7,14}$/.test(digits)) return null;
  if (digits.startsWith(ZW_CALLING_CODE)) {
    const national = digits.slice(ZW_CALLING_CODE.length);
    // +263 0… is a trunk prefix typed after the country code: a common slip, refused rather than guessed.
    if (national.startsWith('0') || national.length < 8 || national.length > 9) return null;
  }
  return `+${digits}`;
}
