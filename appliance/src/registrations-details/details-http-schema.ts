/** Typebox schemas of the details routes (http/details-routes.ts): request body, stored details, errors. */
import { type TUnsafe, Type } from '@sinclair/typebox';
import { DESTINATION_PROVINCES, DETAILS_LANGUAGES, DEFAULT_DESTINATION, EDUCATION_LEVELS, NEXT_OF_KIN_RELATIONSHIPS } from './details-rules.ts';

/** A string enum as JSON Schema `enum`: the validation message says "must be equal to one of the allowed values". */
export function StringEnum<const T extends readonly string[]>(values: T, options: { default?: T[number]; description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()]);
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Language = StringEnum(DETAILS_LANGUAGES);

export const DetailsBody = Type.Object(
  {
    phone: Type.Optional(Nullable(Type.String({ maxLength: 32, description: 'E.164 (+263771234567) or Zimbabwe national format (0771234567); stored as E.164' }))),
    homeProvince: Type.String({ minLength: 1, maxLength: 64, description: 'ISO 3166-2:ZW province code, e.g. ZW-MS' }),
    homeDistrict: Type.String({ minLength: 1, maxLength: 64, description: 'district code of the reference data, e.g. ZW-MS-BEITBRIDGE' }),
    education: StringEnum(EDUCATION_LEVELS, { description: 'highest level completed' }),
    occupationIsco: Type.String({ minLength: 1, maxLength: 4, description: 'ISCO-08 code, 1 to 4 digits (unit groups have 4)' }),
    employerId: Type.Optional(Nullable(Id)),
    vacancyId: Type.Optional(Nullable(Id)),
    jobOfferQr: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: 'ZLMCJOB1;… text of the job-offer QR (POST /api/barcodes/decode reads it)' }))),
    destinationProvince: Type.Optional(StringEnum(DESTINATION_PROVINCES, { default: DEFAULT_DESTINATION, description: 'ISO 3166-2:ZA' })),
    countryOfBirth: Type.Optional(Nullable(Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 3166-1 alpha-3 (ZWE, MOZ …), where known; null = not known' }))),
    nextOfKin: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 80 }),
        relationship: StringEnum(NEXT_OF_KIN_RELATIONSHIPS),
        phone: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
      },
      { additionalProperties: false },
    ),
    language: Language,
    consent: Type.Object(
      {
        given: Type.Boolean(),
        language: Language,
        readAt: Type.String({ minLength: 1, maxLength: 40, description: 'when the consent text was read out (ISO 8601)' }),
      },
      { additionalProperties: false, description: 'the consent text of the catalogue, read out in `language`; given = the migrant agreed' },
    ),
  },
  { additionalProperties: false },
);

const S = Type.String();
const NS = Type.Union([Type.String(), Type.Null()]);

export const StoredDetailsSchema = Type.Object({
  registrationId: S,
  version: Type.Integer(),
  updatedAt: S,
  updatedBy: S,
  phone: NS,
  homeProvince: S,
  homeProvinceName: NS,
  homeDistrict: S,
  homeDistrictName: NS,
  education: S,
  occupationIsco: S,
  occupationTitle: NS,
  employerId: NS,
  employerName: NS,
  vacancyId: NS,
  vacancyTitle: NS,
  jobOffer: Type.Union([
    Type.Object({
      text: S,
      employerRegistration: S,
      employerName: S,
      position: S,
      expires: S,
      location: NS,
      reference: NS,
      employerRegistered: Type.Boolean(),
    }),
    Type.Null(),
  ]),
  destinationProvince: S,
  countryOfBirth: Type.Optional(NS),
  nextOfKin: Type.Object({ name: S, relationship: S, phone: NS }),
  language: S,
  consent: Type.Object({ given: Type.Boolean(), language: S, readAt: S, recordedAt: S }),
});

export const MissingSchema = Type.Object({
  item: Type.Union([Type.Literal('details'), Type.Literal('consent'), Type.Literal('fingerprint')]),
  finger: Type.Optional(S),
  status: Type.Optional(S),
});

export const DetailsErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  code: S,
  message: S,
  field: Type.Optional(S),
  missing: Type.Optional(Type.Array(MissingSchema)),
});
