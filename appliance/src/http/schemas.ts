import { Type } from '@sinclair/typebox';

export const ErrorSchema = Type.Object(
  { statusCode: Type.Integer(), code: Type.String(), message: Type.String() },
  { $id: 'Error' },
);

export const Uuid = Type.String({ format: 'uuid' });

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
  },
  { $id: 'Registration' },
);
