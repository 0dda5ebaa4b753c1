/**
 * TypeBox schema of the batch body (the decompressed JSON). The record count limit is not in the
 * schema: it is a configured limit answered with 413, not a shape error (400).
 *
 * Statistic fields in the payload are typed but lenient (any short string): one odd value must not
 * block a whole batch — and so the whole queue of an appliance — at the border post. Extraction
 * (ingest/extract.ts) turns values it does not recognise into NULL.
 */
import { Type, type Static } from '@sinclair/typebox';
import { EVENT_REGISTRATION_FINALIZED } from './batch.ts';

const ShortString = (maxLength: number) => Type.String({ maxLength });

export const RegistrationPayloadSchema = Type.Object(
  {
    sex: Type.Optional(ShortString(8)),
    birthDate: Type.Optional(ShortString(32)),
    nationality: Type.Optional(ShortString(8)),
    districtOfOrigin: Type.Optional(ShortString(128)),
    occupationIsco: Type.Optional(ShortString(16)),
    destinationProvince: Type.Optional(ShortString(128)),
    employerId: Type.Optional(ShortString(128)),
    returning: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

export const BatchRecordSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    eventType: Type.Literal(EVENT_REGISTRATION_FINALIZED),
    officeCode: Type.String({ minLength: 1, maxLength: 32 }),
    finalizedAt: Type.String({ format: 'date-time' }),
    payload: RegistrationPayloadSchema,
    contentHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
);

const HashString = Type.String({ maxLength: 128 });
const ChainLength = Type.Integer({ minimum: 0 });

/** batch.ts ApplianceStatus. Optional (older appliances omit it); closed so a typo is a 400, not silently dropped. */
export const ApplianceStatusSchema = Type.Object(
  {
    auditChain: Type.Object(
      {
        length: ChainLength,
        headHash: HashString,
        prior: Type.Optional(Type.Object({ length: ChainLength, hash: HashString }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    ),
    backlog: Type.Object(
      {
        pending: Type.Integer({ minimum: 0 }),
        oldestUnsentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      },
      { additionalProperties: false },
    ),
    softwareVersion: Type.String({ maxLength: 64 }),
    devices: Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 64 }), { maxProperties: 64 }),
  },
  { additionalProperties: false },
);

export const BatchSchema = Type.Object(
  {
    deviceId: Type.String({ minLength: 1, maxLength: 128 }),
    batchId: Type.String({ format: 'uuid' }),
    sentAt: Type.String({ format: 'date-time' }),
    records: Type.Array(BatchRecordSchema, { minItems: 1 }),
    status: Type.Optional(ApplianceStatusSchema),
  },
  { additionalProperties: false },
);

export const BatchResponseSchema = Type.Object({
  batchId: Type.String(),
  stored: Type.Array(Type.String()),
  duplicates: Type.Array(Type.String()),
  conflicts: Type.Array(
    Type.Object({
      id: Type.String(),
      reason: Type.Union([Type.Literal('content_differs'), Type.Literal('content_hash_mismatch'), Type.Literal('office_mismatch')]),
    }),
  ),
});

export const ErrorResponseSchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  message: Type.String(),
});

export type BatchBody = Static<typeof BatchSchema>;
