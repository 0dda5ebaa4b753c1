/**
 * Outbox event → the record the central protocol carries (protocol/src/batch.ts).
 *
 * The statistic fields the centre extracts are lifted out of the MRZ document (ICAO 9303: sex
 * M/F/X, nationality as the three-letter code); everything the appliance holds about the
 * registration travels whole under `registration`. The content hash is computed once here and the
 * result frozen in the outbox (wire_json) at first send, so every resend is byte-identical.
 */
import {
  type BatchRecordInput,
  contentHash,
  EVENT_REGISTRATION_FINALIZED,
  type RegistrationPayload,
} from '@lmc/protocol/batch.ts';
import type { OutboxEvent, Registration } from '../store/index.ts';

export const WIRE_PAYLOAD_VERSION = 1;

export interface WireRecord extends BatchRecordInput {
  contentHash: string;
}

function isoDate(v: unknown): string | undefined {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined;
}

function sexOf(v: unknown): string | undefined {
  if (v === 'M' || v === 'F' || v === 'X') return v;
  if (v === 'male') return 'M';
  if (v === 'female') return 'F';
  return undefined;
}

function nationalityOf(v: unknown): string | undefined {
  return typeof v === 'string' && /^[A-Z<]{1,3}$/.test(v) ? v : undefined;
}

/** Statistics fields of the registration's details (registrations-details/), written into the outbox payload by trigger. */
interface OutboxDetails {
  homeDistrict?: unknown;
  occupationIsco?: unknown;
  destinationProvince?: unknown;
  employerId?: unknown;
}

function shortString(v: unknown, max: number): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;
}

/** One sealed blob named by the outbox record (fingerprints/vault-schema.ts writes `$.biometrics`). */
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
  const outboxPayload = event.payload as {
    registration?: Registration;
    fingerprints?: unknown;
    details?: unknown;
    returning?: unknown;
    biometrics?: unknown;
  } | null;
  const registration = outboxPayload?.registration;
  const doc = registration?.document ?? null;
  const payload: RegistrationPayload = {
    payloadVersion: WIRE_PAYLOAD_VERSION,
    registration: registration ?? null,
  };
  const sex = sexOf(doc?.sex);
  const birthDate = isoDate(doc?.birthDate);
  const nationality = nationalityOf(doc?.nationality);
  if (sex !== undefined) payload.sex = sex;
  if (birthDate !== undefined) payload.birthDate = birthDate;
  if (nationality !== undefined) payload.nationality = nationality;
  // Details travel whole (the centre keeps the payload); the counted fields are lifted out (central batch-schema.ts limits).
  const details = outboxPayload?.details;
  if (details !== undefined && details !== null && typeof details === 'object') {
    payload.details = details;
    const d = details as OutboxDetails;
    const district = shortString(d.homeDistrict, 128);
    const isco = typeof d.occupationIsco === 'string' && /^\d{1,4}$/.test(d.occupationIsco) ? d.occupationIsco : undefined;
    const destination = shortString(d.destinationProvince, 128);
    const employer = shortString(d.employerId, 128);
    if (district !== undefined) payload.districtOfOrigin = district;
    if (isco !== undefined) payload.occupationIsco = isco;
    if (destination !== undefined) payload.destinationProvince = destination;
    if (employer !== undefined) payload.employerId = employer;
  }
  if (typeof outboxPayload?.returning === 'boolean') payload.returning = outboxPayload.returning;
  // Capture summary only (counts and exceptions, written by the fingerprints migration's trigger): templates stay here.
  if (outboxPayload?.fingerprints !== undefined) payload.fingerprints = outboxPayload.fingerprints;
  // References to the sealed blobs the relay attaches in the binary frame (central batch-frame.ts); ciphertext digests only.
  const biometrics = biometricRefs(outboxPayload?.biometrics);
  if (biometrics.length > 0) payload.biometrics = biometrics;
  return {
    id: event.registrationId,
    eventType: EVENT_REGISTRATION_FINALIZED,
    officeCode: registration?.officeCode ?? '',
    finalizedAt: registration?.finalizedAt ?? event.createdAt,
    payload,
    contentHash: contentHash(payload),
  };
}
