/**
 * Outbox event → the record the central protocol carries (protocol/src/batch.ts).
 *
 * The outbox holds a FinalizedRecordV1 (protocol/src/finalized-record.ts). The statistics fields the centre counts
 * are lifted out of its MRZ document, details and `returning`, normalised by the one rule both sides use
 * (protocol/src/statistics.ts); everything the appliance holds about the registration travels whole under
 * `registration`. The content hash is computed once here and the result frozen in the outbox (wire_json) at first
 * send, so every resend is byte-identical. Total: an odd payload gives a record with fewer fields, never a throw.
 */
import {
  type BatchRecordInput,
  contentHash,
  EVENT_REGISTRATION_FINALIZED,
  type RegistrationPayload,
} from '@lmc/protocol/batch.ts';
import type { FinalizedRecordV1 } from '@lmc/protocol/finalized-record.ts';
import { normaliseStatistics } from '@lmc/protocol/statistics.ts';
import type { OutboxEvent } from '../store/index.ts';

export const WIRE_PAYLOAD_VERSION = 1;

export interface WireRecord extends BatchRecordInput {
  contentHash: string;
}

/** One sealed blob named by the outbox record's `biometrics` (FinalizedBiometric) that the relay can forward. */
export interface BiometricRef {
  finger: string;
  kind: string;
  blobId: string;
  sha256: string;
  bytes: number;
  keyId: string;
  templateFormat: string | null;
}

const BIOMETRIC_FIELDS = ['finger', 'kind', 'blobId', 'sha256', 'bytes', 'keyId', 'templateFormat'] as const;

/** Known fields only, and only entries naming a blob by id with its ciphertext sha256 and size. */
export function biometricRefs(list: unknown): BiometricRef[] {
  if (!Array.isArray(list)) return [];
  const out: BiometricRef[] = [];
  for (const e of list) {
    const v = e as Record<string, unknown> | null;
    if (typeof v?.blobId !== 'string' || typeof v.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(v.sha256)) continue;
    if (typeof v.bytes !== 'number' || !Number.isSafeInteger(v.bytes) || v.bytes < 0) continue;
    const ref: Record<string, unknown> = {};
    for (const f of BIOMETRIC_FIELDS) if (v[f] !== undefined) ref[f] = v[f];
    out.push(ref as unknown as BiometricRef);
  }
  return out;
}

/** Build the wire record of a `registration.finalized` outbox event. */
export function toWireRecord(event: OutboxEvent): WireRecord {
  // Read leniently: rows queued by older software are FinalizedRecordV1 too, but a relay must not stop on one that is not.
  const outboxPayload = event.payload as { [K in keyof FinalizedRecordV1]?: unknown } | null;
  const registration = outboxPayload?.registration as Partial<FinalizedRecordV1['registration']> | null | undefined;
  const doc = registration?.document ?? null;
  const payload: RegistrationPayload = {
    payloadVersion: WIRE_PAYLOAD_VERSION,
    registration: registration ?? null,
  };
  const details = outboxPayload?.details;
  const d = details !== undefined && details !== null && typeof details === 'object' ? (details as Record<string, unknown>) : undefined;
  const stats = normaliseStatistics({
    sex: doc?.sex,
    birthDate: doc?.birthDate,
    nationality: doc?.nationality,
    districtOfOrigin: d?.homeDistrict,
    occupationIsco: d?.occupationIsco,
    destinationProvince: d?.destinationProvince,
    employerId: d?.employerId,
    returning: outboxPayload?.returning,
  });
  if (stats.sex !== null) payload.sex = stats.sex;
  if (stats.birthDate !== null) payload.birthDate = stats.birthDate;
  if (stats.nationality !== null) payload.nationality = stats.nationality;
  // Details travel whole (the centre keeps the payload); the counted fields are lifted out.
  if (d !== undefined) {
    payload.details = d;
    if (stats.districtOfOrigin !== null) payload.districtOfOrigin = stats.districtOfOrigin;
    if (stats.occupationIsco !== null) payload.occupationIsco = stats.occupationIsco;
    if (stats.destinationProvince !== null) payload.destinationProvince = stats.destinationProvince;
    if (stats.employerId !== null) payload.employerId = stats.employerId;
  }
  if (stats.returning !== null) payload.returning = stats.returning;
  // Capture summary only (counts and exceptions): templates stay sealed, referenced under biometrics.
  if (outboxPayload?.fingerprints !== undefined) payload.fingerprints = outboxPayload.fingerprints;
  // References to the sealed blobs the relay attaches in the binary frame (central batch-frame.ts); ciphertext digests only.
  const biometrics = biometricRefs(outboxPayload?.biometrics);
  if (biometrics.length > 0) payload.biometrics = biometrics;
  // The passport chip summary (outcomes and the face digest, never the photo): kept whole by the central.
  if (outboxPayload?.chip !== undefined) payload.chip = outboxPayload.chip;
  return {
    id: event.registrationId,
    eventType: EVENT_REGISTRATION_FINALIZED,
    officeCode: typeof registration?.officeCode === 'string' ? registration.officeCode : '',
    finalizedAt: typeof registration?.finalizedAt === 'string' ? registration.finalizedAt : event.createdAt,
    payload,
    contentHash: contentHash(payload),
  };
}
