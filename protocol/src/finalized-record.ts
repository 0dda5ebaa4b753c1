/**
 * The finalized-registration record, version 1: what an appliance queues in its outbox (`outbox.payload_json`,
 * event type `registration.finalized`) in the same transaction that finalizes the registration, and what its relay
 * turns into the central's wire record (appliance/src/sync/wire-record.ts). Pure (TypeBox only).
 *
 * The JSON shape is exactly the one the outbox has held since the fingerprint-blobs migration, when SQL triggers
 * still completed it: rows queued then are read with the same type, and wire records frozen from them (wire_json)
 * are resent unchanged. Key order as the triggers left it: type, payloadVersion, registration, fingerprints,
 * biometrics, details, returning (buildFinalizedRecord keeps it; the wire hash is over canonical JSON anyway).
 *
 * - `registration`: the appliance's registration as finalized, whole (document included), with the supervisor's
 *   `approval` when the registration needed one (optional; added with issue #14, no version change).
 * - `fingerprints` + `biometrics`: only when the registration has any fingerprint record (a post without a reader
 *   has none): the capture summary and one reference per sealed blob; never a template, image or key.
 * - `details` + `returning`: only when the registration has details (every finalize through the HTTP layer; tools
 *   may finalize without): the details as saved, and whether another registration of the same travel document was
 *   finalized before (a returning migrant).
 * - `chip`: only when the passport's chip was read (or tried) for this registration (issue #18): read status, passive
 *   authentication outcome, DG1 against the printed MRZ, and the face photo's SHA-256; never the photo itself.
 *   Optional within version 1.
 * - The face photo itself travels as a sealed blob like the prints: one `biometrics` entry of kind 'face' (finger
 *   'dg2', templateFormat null) names it, with `chip.face` describing the image. A record may then carry
 *   `biometrics` without `fingerprints` (a post without a fingerprint reader). Additive within version 1: records
 *   without a face entry are unchanged, and the central stores any blob a record names.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ApplianceError } from '@lmc/core/errors.ts';
import { EVENT_REGISTRATION_FINALIZED } from './batch.ts';

export const FINALIZED_RECORD_VERSION = 1;
export const FINALIZED_RECORD_INVALID = 'FINALIZED_RECORD_INVALID';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const OptionalText = Type.Optional(Nullable(Type.String()));

/** The parsed MRZ document as the appliance stored it: these fields and whatever else the parser gave. */
export const FinalizedDocumentSchema = Type.Object(
  {
    format: OptionalText,
    documentCode: OptionalText,
    documentNumber: OptionalText,
    issuingState: OptionalText,
    nationality: OptionalText,
    surname: OptionalText,
    givenNames: OptionalText,
    sex: OptionalText,
    birthDate: OptionalText,
    expiryDate: OptionalText,
    valid: Type.Boolean(),
    lines: Type.Array(Type.String()),
  },
  { additionalProperties: true },
);

export const FinalizedRegistrationSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    officeCode: Type.String({ minLength: 1 }),
    officerId: Type.String({ minLength: 1 }),
    status: Type.Literal('finalized'),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    finalizedAt: Type.String(),
    version: Type.Integer({ minimum: 1 }),
    document: Nullable(FinalizedDocumentSchema),
    /**
     * A supervisor's approval of this registration (issue #14): a holder under the office's minimum age, an expired,
     * specimen or unknown-state document, a warning the office marks blocking. Present only when one was needed and
     * given; optional within version 1 (the registration object has always allowed further members).
     */
    approval: Type.Optional(
      Type.Object(
        { supervisorId: Type.String({ minLength: 1 }), at: Type.String(), warnings: Type.Array(Type.String()) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: true },
);

/** Capture summary: counts and exceptions. `templates` says where the templates are (rows queued before the blobs migration: 'kept-on-appliance'). */
export const FinalizedFingerprintsSchema = Type.Object(
  {
    captured: Type.Integer({ minimum: 0 }),
    exceptions: Type.Array(Type.Object({ finger: Type.String(), reason: Type.String() }, { additionalProperties: false })),
    templates: Type.Union([Type.Literal('sealed-in-biometrics'), Type.Literal('kept-on-appliance')]),
  },
  { additionalProperties: false },
);

/**
 * One sealed blob the relay attaches to the record: its id, the SHA-256 and size of the ciphertext as stored, and
 * the key id from its header (appliance/src/crypto/blob-cipher.ts layout, bytes 1..8). sha256 (and, in principle,
 * blobId) is null only for blobs sealed before the vault kept digests (development databases); the relay does not
 * forward those. Kind 'face': the passport chip's DG2 photo (finger 'dg2', sealed as 'document-face'; issue #18).
 */
export const FinalizedBiometricSchema = Type.Object(
  {
    finger: Type.String(),
    kind: Type.Union([Type.Literal('template'), Type.Literal('image'), Type.Literal('face')]),
    blobId: Nullable(Type.String({ minLength: 1 })),
    sha256: Nullable(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    bytes: Type.Integer({ minimum: 0 }),
    keyId: Type.String({ pattern: '^[0-9a-f]*$' }),
    templateFormat: Nullable(Type.String()),
  },
  { additionalProperties: false },
);

/** The details as saved (appliance registrations-details/); they travel whole. The counted fields are named here. */
export const FinalizedDetailsSchema = Type.Object(
  {
    homeDistrict: Type.Optional(Type.String()),
    occupationIsco: Type.Optional(Type.String()),
    destinationProvince: Type.Optional(Type.String()),
    employerId: Type.Optional(Nullable(Type.String())),
    /** Highest level completed (appliance levels; counted as ISCED 2011, protocol/src/statistics.ts). */
    education: Type.Optional(Type.String()),
    /** ISO 3166-1 alpha-3, where known (issue #16: ILO 20th ICLS country of birth). */
    countryOfBirth: Type.Optional(Nullable(Type.String())),
    /** ISO 3166-1 alpha-3 when the destination is not given as a province (else the province's country counts). */
    destinationCountry: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: true },
);

/** The passport chip read of the registration (appliance chip/): outcomes and the face's digest, no image. */
export const FinalizedChipSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('read'), Type.Literal('not-present'), Type.Literal('failed')]),
    /** Why not read (CHIP_ACCESS_DENIED, CHIP_REMOVED …) or the passive-authentication code when not genuine. */
    code: Nullable(Type.String({ maxLength: 64 })),
    accessControl: Nullable(Type.Union([Type.Literal('bac'), Type.Literal('none')])),
    /** How the chip was opened (accessControl is 'bac' for PACE too); absent on records made before it. */
    accessProtocol: Type.Optional(Nullable(Type.Union([Type.Literal('pace'), Type.Literal('bac'), Type.Literal('none')]))),
    paOutcome: Nullable(
      Type.Union([Type.Literal('genuine'), Type.Literal('data-altered'), Type.Literal('unknown-issuer'), Type.Literal('signer-expired'), Type.Literal('no-csca')]),
    ),
    /** DG1 (the chip's MRZ) equals the printed MRZ; null when the chip was not read. */
    dg1Match: Nullable(Type.Boolean()),
    face: Nullable(
      Type.Object(
        { sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }), mime: Type.Union([Type.Literal('image/jpeg'), Type.Literal('image/jp2')]), bytes: Type.Integer({ minimum: 0 }) },
        { additionalProperties: false },
      ),
    ),
    readAt: Type.String(),
  },
  { additionalProperties: false },
);

export const FinalizedRecordV1Schema = Type.Object(
  {
    type: Type.Literal(EVENT_REGISTRATION_FINALIZED),
    payloadVersion: Type.Literal(FINALIZED_RECORD_VERSION),
    registration: FinalizedRegistrationSchema,
    fingerprints: Type.Optional(FinalizedFingerprintsSchema),
    biometrics: Type.Optional(Type.Array(FinalizedBiometricSchema)),
    details: Type.Optional(FinalizedDetailsSchema),
    returning: Type.Optional(Type.Boolean()),
    chip: Type.Optional(FinalizedChipSchema),
  },
  { additionalProperties: false },
);

export type FinalizedDocument = Static<typeof FinalizedDocumentSchema>;
export type FinalizedRegistration = Static<typeof FinalizedRegistrationSchema>;
export type FinalizedFingerprints = Static<typeof FinalizedFingerprintsSchema>;
export type FinalizedBiometric = Static<typeof FinalizedBiometricSchema>;
export type FinalizedDetails = Static<typeof FinalizedDetailsSchema>;
export type FinalizedRecordV1 = Static<typeof FinalizedRecordV1Schema>;
export type FinalizedChip = Static<typeof FinalizedChipSchema>;

/** A registration's fingerprint part of the record: both keys or neither. */
export interface FinalizedFingerprintPart {
  fingerprints: FinalizedFingerprints;
  biometrics: FinalizedBiometric[];
}

export interface FinalizedRecordParts {
  registration: FinalizedRegistration;
  /** Absent when the registration has no fingerprint record at all. */
  fingerprints?: FinalizedFingerprintPart;
  /** Absent when the registration has no details; `returning` travels with them. */
  details?: { details: FinalizedDetails; returning: boolean };
  /** Absent when no chip read was recorded for the registration. */
  chip?: FinalizedChip;
  /** The chip's sealed face photo (kind 'face'), listed after the prints under `biometrics`; absent without one. */
  face?: FinalizedBiometric;
}

/** The record, keys in the order the outbox has always held them. */
export function buildFinalizedRecord(parts: FinalizedRecordParts): FinalizedRecordV1 {
  const record: FinalizedRecordV1 = {
    type: EVENT_REGISTRATION_FINALIZED,
    payloadVersion: FINALIZED_RECORD_VERSION,
    registration: parts.registration,
  };
  if (parts.fingerprints) record.fingerprints = parts.fingerprints.fingerprints;
  if (parts.fingerprints || parts.face) record.biometrics = [...(parts.fingerprints?.biometrics ?? []), ...(parts.face ? [parts.face] : [])];
  if (parts.details) {
    record.details = parts.details.details;
    record.returning = parts.details.returning;
  }
  if (parts.chip) record.chip = parts.chip;
  return record;
}

/** Why `payload` is not a FinalizedRecordV1, or null when it is one. */
export function finalizedRecordProblem(payload: unknown): string | null {
  const first = Value.Errors(FinalizedRecordV1Schema, payload).First();
  if (first) return `${first.path || '/'}: ${first.message}`;
  const r = payload as FinalizedRecordV1;
  // Written together, as the triggers wrote them: details with returning; biometrics only with a summary.
  if ((r.details === undefined) !== (r.returning === undefined)) return '/returning: travels with /details';
  // A print needs the capture summary; the chip's face needs the chip summary that describes it.
  const needsSummary = r.biometrics !== undefined && (r.biometrics.length === 0 || r.biometrics.some((b) => b.kind !== 'face'));
  if (needsSummary && r.fingerprints === undefined) return '/biometrics: needs /fingerprints';
  if (r.biometrics?.some((b) => b.kind === 'face') && !r.chip?.face) return '/biometrics: a face needs /chip/face';
  return null;
}

export function isFinalizedRecord(payload: unknown): payload is FinalizedRecordV1 {
  return finalizedRecordProblem(payload) === null;
}

/** The payload as a FinalizedRecordV1, or FINALIZED_RECORD_INVALID naming the first problem (never a value from it). */
export function parseFinalizedRecord(payload: unknown): FinalizedRecordV1 {
  const problem = finalizedRecordProblem(payload);
  if (problem !== null) {
    throw new ApplianceError(FINALIZED_RECORD_INVALID, `Not a finalized registration record (version ${FINALIZED_RECORD_VERSION}): ${problem}.`, {
      problem,
    });
  }
  return payload as FinalizedRecordV1;
}
