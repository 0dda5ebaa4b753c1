/**
 * Outbox event → the record the central protocol carries (central/src/protocol/batch.ts).
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
} from '../../../central/src/protocol/batch.ts';
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

/** Build the wire record of a `registration.finalized` outbox event. */
export function toWireRecord(event: OutboxEvent): WireRecord {
  const outboxPayload = event.payload as { registration?: Registration; fingerprints?: unknown } | null;
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
  // Capture summary only (counts and exceptions, written by the fingerprints migration's trigger): templates stay here.
  if (outboxPayload?.fingerprints !== undefined) payload.fingerprints = outboxPayload.fingerprints;
  return {
    id: event.registrationId,
    eventType: EVENT_REGISTRATION_FINALIZED,
    officeCode: registration?.officeCode ?? '',
    finalizedAt: registration?.finalizedAt ?? event.createdAt,
    payload,
    contentHash: contentHash(payload),
  };
}
