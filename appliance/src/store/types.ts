import type { Database } from 'better-sqlite3';
import type { FinalizedRecordV1, FinalizedRegistration } from '@lmc/protocol/finalized-record.ts';
/** Public types of the local store. Implementation lives in the files named for each part. */

/**
 * The parsed MRZ document as the appliance hands it over (the MRZ parser's object: it has these
 * fields and more). Stored whole as JSON; the named fields are also copied into columns for queries.
 */
export interface StoredDocument {
  format: string;
  documentCode: string;
  documentNumber: string;
  issuingState: string;
  nationality: string;
  surname: string;
  givenNames: string;
  sex: string | null;
  birthDate: string | null;
  expiryDate: string | null;
  valid: boolean;
  lines: string[];
  [k: string]: unknown;
}

export type RegistrationStatus = 'draft' | 'captured' | 'finalized';

export interface Registration {
  id: string;
  officeCode: string;
  officerId: string;
  status: RegistrationStatus;
  createdAt: string;
  updatedAt: string;
  finalizedAt: string | null;
  version: number;
  document: StoredDocument | null;
}

export type MigrantLanguage = 'en' | 'sn' | 'nd';

/** Why an officer discarded a draft ('expired': the sweeper, after the office's draft expiry). */
export type DiscardReason = 'migrant-left' | 'duplicate' | 'wrong-document' | 'training' | 'other' | 'expired';

/**
 * A registration as the API shows it (issue #14): the stored row plus the counter's working state
 * (registrations/registration-state-schema.ts). None of these is part of the finalized record.
 */
export interface RegistrationView extends Registration {
  /** The one number on screen, receipt and slip (store/registration-number.ts). */
  registrationNumber: string;
  /** "SURNAME, Given names" from the document; null before one is attached. */
  displayName: string | null;
  migrantLanguage: MigrantLanguage | null;
  /** Where the officer was: a reload resumes there. */
  progress: { step: string; field: string | null; at: string } | null;
  approval: { supervisorId: string; at: string; warnings: string[] } | null;
  discarded: { at: string; by: string; reason: DiscardReason; expired: boolean } | null;
}

/** Optimistic concurrency: when given, the write fails with STORE_CONFLICT unless the row is still at this version. */
export interface WriteOptions {
  expectedVersion?: number;
}

export interface FinalizeOptions extends WriteOptions {
  /**
   * Builds the outbox record from the registration as just finalized, inside the finalize transaction: what it
   * reads is exactly what commits with it, and a throw rolls the whole finalize back. Default: the record with the
   * registration alone (tools and tests below the domain service, registrations/finalize-service.ts).
   */
  record?: (registration: FinalizedRegistration) => FinalizedRecordV1;
}

export interface ListQuery {
  limit: number;
  cursor?: string;
  status?: RegistrationStatus;
  officeCode?: string;
  /** true: only discarded drafts; false: none of them; absent: all. */
  discarded?: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface AuditEntryInput {
  actor: string;
  action: string;
  entityType: string;
  entityId?: string;
  details?: Record<string, unknown>;
}

export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  entityType: string;
  entityId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  rows: number;
  firstBadSeq?: number;
  reason?: string;
}

export interface OutboxEvent {
  seq: number;
  registrationId: string;
  eventType: string;
  payload: unknown;
  createdAt: string;
  attempts: number;
  lastError: string | null;
  /** The record exactly as first sent to the central database (JSON), or null before the first send. */
  wireJson: string | null;
}

/** An event the central database refused or reported in conflict: out of the queue until a technician retries it. */
export interface QuarantinedEvent {
  seq: number;
  registrationId: string;
  eventType: string;
  createdAt: string;
  attempts: number;
  quarantinedAt: string;
  reason: string;
}

export interface PurgeResult {
  outbox: number;
  registrations: number;
}

export interface RegistrationRepository {
  create(input: { officeCode: string; officerId: string; id?: string }): RegistrationView;
  /** draft|captured -> captured; a finalized registration is refused with REGISTRATION_FINALIZED. */
  attachDocument(id: string, document: StoredDocument, actor: string, opts?: WriteOptions): RegistrationView;
  /**
   * captured -> finalized, with its outbox row (the record `opts.record` builds, checked against FinalizedRecordV1)
   * and audit row in ONE transaction. Idempotent.
   */
  finalize(id: string, actor: string, opts?: FinalizeOptions): RegistrationView;
  get(id: string): RegistrationView | undefined;
  /** Keyset paging, newest first; a cursor stays valid and stable while new rows arrive. */
  list(q: ListQuery): Page<RegistrationView>;
  /** All registrations of one travel document, any status, newest first (e.g. fingerprint verification's references). */
  findByDocument(issuingState: string, documentNumber: string): RegistrationView[];
  /**
   * The returning-migrant rule, in one place: the other finalized registrations of this registration's travel
   * document (same issuing state and document number), newest first, at most 100. The desk's banner shows them;
   * the finalized record's `returning` is isReturning. Empty for an unknown id or a registration without a document.
   */
  previousRegistrations(id: string): string[];
  /** previousRegistrations(id) is not empty. */
  isReturning(id: string): boolean;
}

export interface AuditLog {
  append(e: AuditEntryInput): void;
  verify(): AuditVerification;
  /** Entries for one entity, oldest first (for a registration's history view). */
  forEntity(entityType: string, entityId: string): AuditRow[];
}

export interface Outbox {
  /** Unsent events, oldest first (quarantined ones excluded: they do not block the queue). */
  pending(limit: number): OutboxEvent[];
  /** Number of queued events: unsent and not quarantined. */
  depth(): number;
  /** The central database acknowledged the event. Idempotent. */
  markSent(seq: number): void;
  /** A forwarding attempt failed: count it and keep the (non-personal) reason. */
  markFailed(seq: number, error: string): void;
  /** markSent for several events in one transaction (one fsync); unknown or already sent seqs are skipped. Returns rows marked. */
  markSentMany(seqs: readonly number[]): number;
  /** markFailed for several events in one transaction. */
  markFailedMany(seqs: readonly number[], error: string): void;
  /**
   * Store the wire form of each event unless one is already stored, in one transaction; returns the
   * stored forms in the same order (the first one written wins, so every resend is identical).
   */
  freezeWire(entries: ReadonlyArray<{ seq: number; wireJson: string }>): string[];
  /** Take an unsent event out of the queue with a (non-personal) reason. Idempotent; returns false if already sent. */
  quarantine(seq: number, reason: string): boolean;
  /** Quarantined events, oldest first. */
  quarantined(limit: number): QuarantinedEvent[];
  quarantinedCount(): number;
  /** Put a quarantined event back in the queue (a technician's retry); NOT_FOUND unless it is quarantined. */
  requeue(seq: number): QuarantinedEvent;
  /** created_at of the oldest queued event, or null when the queue is empty. */
  oldestPendingAt(): string | null;
  /** Most recent acknowledgement time, or null. */
  lastSentAt(): string | null;
  /**
   * Delete acknowledged events whose sent_at is before `before` (ISO), with their finalized
   * registrations, at most `limit` per call. The audit log is kept (it holds no personal data).
   */
  purgeSent(before: string, limit: number): PurgeResult;
}

export interface StoreHealth {
  ok: boolean;
  path: string;
  schemaVersion: number;
  walMode: boolean;
}

export interface Store {
  /**
   * The appliance process's one SQLite connection (opened with the durability pragmas in database.ts). Feature
   * repositories prepare their statements on it; they write only inside `transaction`, and never close it.
   */
  readonly connection: Database;
  /**
   * Runs `fn` in one IMMEDIATE transaction (a nested call becomes a savepoint of the outer one): a state change and
   * its audit row (`audit.append` inside `fn`) commit together or not at all. SQLite failures come out coded.
   */
  transaction<T>(operation: string, fn: () => T): T;
  registrations: RegistrationRepository;
  audit: AuditLog;
  outbox: Outbox;
  health(): StoreHealth;
  /** `PRAGMA integrity_check` result: 'ok' when the file is sound. */
  integrityCheck(): string;
  close(): void;
}
