import { Type } from '@sinclair/typebox';

export const ErrorSchema = Type.Object(
  { statusCode: Type.Integer(), code: Type.String(), message: Type.String() },
  { $id: 'Error' },
);

export const Uuid = Type.String({ format: 'uuid' });

export const NullableString = Type.Union([Type.String(), Type.Null()]);

/** The link to the central as the relay and the reference sync see it (central-link/). */
export const LinkState = Type.Union([
  Type.Literal('not-configured'),
  Type.Literal('unknown'),
  Type.Literal('online'),
  Type.Literal('offline'),
  Type.Literal('backing-off'),
  Type.Literal('unauthorised'),
]);

export const RegistrationStatus = Type.Union([Type.Literal('draft'), Type.Literal('captured'), Type.Literal('finalized')]);

const MrzFieldSchema = Type.Object({
  value: Type.Union([Type.String(), Type.Null()]),
  raw: Type.String(),
  valid: Type.Union([Type.Boolean(), Type.Null()]),
});

export const DocumentSchema = Type.Object(
  {
    format: Type.String(),
    valid: Type.Boolean(),
    lines: Type.Array(Type.String()),
    documentCode: Type.String(),
    issuingState: Type.String(),
    nationality: Type.String(),
    documentNumber: Type.String(),
    surname: Type.String(),
    givenNames: Type.String(),
    sex: Type.Union([Type.String(), Type.Null()]),
    birthDate: Type.Union([Type.String(), Type.Null()]),
    expiryDate: Type.Union([Type.String(), Type.Null()]),
    fields: Type.Optional(Type.Record(Type.String(), MrzFieldSchema)),
    checkDigits: Type.Optional(Type.Array(Type.Object({ name: Type.String(), valid: Type.Boolean() }))),
    warnings: Type.Optional(
      Type.Array(Type.Object({ code: Type.String(), field: Type.Optional(Type.String()), message: Type.String() })),
    ),
  },
  { additionalProperties: true },
);

export const RegistrationSchema = Type.Object(
  {
    id: Uuid,
    officeCode: Type.String(),
    officerId: Type.String(),
    status: RegistrationStatus,
    createdAt: Type.String(),
    updatedAt: Type.String(),
    finalizedAt: Type.Union([Type.String(), Type.Null()]),
    version: Type.Integer(),
    document: Type.Union([DocumentSchema, Type.Null()]),
    registrationNumber: Type.String({ description: 'the number on the receipt and the slip, e.g. BBR-7F3K-9QXM' }),
    displayName: Type.Union([Type.String(), Type.Null()], { description: 'SURNAME, Given names from the document' }),
    migrantLanguage: Type.Union([Type.Literal('en'), Type.Literal('sn'), Type.Literal('nd'), Type.Null()], {
      description: "the migrant's one language: consent text, receipt and slip",
    }),
    progress: Type.Union([Type.Object({ step: Type.String(), field: Type.Union([Type.String(), Type.Null()]), at: Type.String() }), Type.Null()], {
      description: 'where the officer was: a reload resumes at this step and field',
    }),
    approval: Type.Union([Type.Object({ supervisorId: Type.String(), at: Type.String(), warnings: Type.Array(Type.String()) }), Type.Null()], {
      description: "a supervisor's approval of this registration's blocking warnings",
    }),
    discarded: Type.Union(
      [Type.Object({ at: Type.String(), by: Type.String(), reason: Type.String(), expired: Type.Boolean() }), Type.Null()],
      { description: 'a draft discarded by an officer (with a reason) or expired' },
    ),
  },
  { $id: 'Registration' },
);
