/**
 * Finalize, the domain service: the officer's "saved". It builds the record the central will receive
 * (protocol/src/finalized-record.ts, FinalizedRecordV1) from the registration, its details and its fingerprint
 * summary, and has the store commit the status change, that outbox record and the audit row in ONE transaction.
 *
 * The record is built inside that transaction (the store calls back), so it describes exactly what commits: a
 * capture or a details save cannot land between reading and writing, and a failure while building (a vault that
 * cannot read) rolls the whole finalize back. No SQL trigger writes the record any more (migration
 * 'finalized-record-in-service' dropped them); this builds what they built, the same JSON.
 */
import type { FinalizedFingerprintPart, FinalizedRecordV1, FinalizedRegistration } from '@lmc/protocol/finalized-record.ts';
import { buildFinalizedRecord } from '@lmc/protocol/finalized-record.ts';
import { readFingerprintSummary, type TemplateVault } from '../fingerprints/template-vault.ts';
import { DetailsRepository } from '../registrations-details/details-repository.ts';
import { readChipFaceBlob, readChipSummary } from '../chip/chip-repository.ts';
import type { RegistrationView, Store, WriteOptions } from '../store/index.ts';

/** Where the fingerprint part comes from: the template vault (TemplateVault.finalizedSummary). */
export type FingerprintSummarySource = Pick<TemplateVault, 'finalizedSummary'>;
/** Where the details come from: the details repository (DetailsRepository.recorded). */
export type DetailsSource = Pick<DetailsRepository, 'recorded'>;

export interface FinalizeService {
  /** captured → finalized with its record queued and audited, in one transaction. Idempotent (a finalized one is returned as is). */
  finalize(id: string, officerId: string, opts?: WriteOptions): RegistrationView;
  /** The record a registration finalized now would be queued under (called inside the finalize transaction). */
  buildRecord(registration: FinalizedRegistration): FinalizedRecordV1;
}

export interface FinalizeServiceOptions {
  store: Store;
  /** Default: a DetailsRepository on the store's connection. */
  details?: DetailsSource;
  /** Default: the vault's summary read on the store's connection (it needs no data key: nothing is decrypted). */
  fingerprints?: FingerprintSummarySource;
}

export function createFinalizeService(o: FinalizeServiceOptions): FinalizeService {
  const { store } = o;
  const details: DetailsSource = o.details ?? new DetailsRepository({ db: store.connection });
  const fingerprints: FingerprintSummarySource = o.fingerprints ?? {
    finalizedSummary: (registrationId: string): FinalizedFingerprintPart | undefined => readFingerprintSummary(store.connection, registrationId),
  };

  const chipPart = (id: string) => {
    const chip = readChipSummary(store.connection, id);
    if (!chip) return {};
    // The sealed face travels like a print (listed under biometrics, kind 'face'), described by chip.face.
    const face = chip.face ? readChipFaceBlob(store.connection, id) : undefined;
    return face ? { chip, face } : { chip };
  };

  const buildRecord = (registration: FinalizedRegistration): FinalizedRecordV1 => {
    const saved = details.recorded(registration.id);
    const fingerprintPart = fingerprints.finalizedSummary(registration.id);
    return buildFinalizedRecord({
      registration,
      ...(fingerprintPart ? { fingerprints: fingerprintPart } : {}),
      // `returning` travels with the details, as it always has (a registration finalized without details has neither).
      ...(saved ? { details: { details: saved, returning: store.registrations.isReturning(registration.id) } } : {}),
      // The passport chip's outcomes and face digest, and the sealed face, when a read was recorded (chip/chip-repository.ts).
      ...chipPart(registration.id),
    });
  };

  return {
    buildRecord,
    finalize(id, officerId, opts) {
      return store.registrations.finalize(id, officerId, { ...opts, record: buildRecord });
    },
  };
}
