import type { Database } from 'better-sqlite3';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { appendAudit } from '../store/audit-chain.ts';
import { guard } from '../store/errors.ts';
import type { RegistrationDetails } from './details-validator.ts';
import { type ReferenceLookup, createReferenceLookup } from './reference-lookup.ts';

export interface StoredDetails extends RegistrationDetails {
  registrationId: string;
  /** Saves so far (1 after the first PUT). */
  version: number;
  updatedAt: string;
  updatedBy: string;
}

interface Row {
  registration_id: string;
  details_json: string;
  version: number;
  updated_at: string;
  updated_by: string;
}

const toStored = (r: Row): StoredDetails => ({
  ...(JSON.parse(r.details_json) as RegistrationDetails),
  registrationId: r.registration_id,
  version: r.version,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

/**
 * A registration's details (phone, home district, occupation, employer, next of kin, consent). Each save is one
 * IMMEDIATE transaction with its audit row; the audit keeps no personal data, only what changed in kind
 * (version, consent given / language / time). Own connection to the store's file, with the store's
 * durability settings (as the template vault and the officers have): the Store hides its handle.
 */
export class DetailsRepository {
  readonly #db: Database;
  readonly #now: () => Date;
  readonly #log: Logger;
  readonly reference: ReferenceLookup;

  constructor(options: { db: Database; now?: () => Date; logger?: Logger; timeZone?: string }) {
    this.#log = options.logger ?? createLogger('details');
    this.#db = options.db;
    this.#now = options.now ?? (() => new Date());
    this.reference = createReferenceLookup(this.#db, this.#now, options.timeZone);
  }

  get(registrationId: string): StoredDetails | undefined {
    return guard('details.get', () => {
      const row = this.#db.prepare('SELECT * FROM registration_details WHERE registration_id = ?').get(registrationId) as Row | undefined;
      return row ? toStored(row) : undefined;
    });
  }

  /** The details exactly as saved (details_json), without the save's bookkeeping: what the finalized record carries. */
  recorded(registrationId: string): RegistrationDetails | undefined {
    return guard('details.recorded', () => {
      const json = this.#db.prepare('SELECT details_json FROM registration_details WHERE registration_id = ?').pluck().get(registrationId) as
        | string
        | undefined;
      return json === undefined ? undefined : (JSON.parse(json) as RegistrationDetails);
    });
  }

  save(registrationId: string, details: RegistrationDetails, actor: string): StoredDetails {
    const tx = this.#db.transaction(() => {
      const status = this.#db.prepare('SELECT status FROM registrations WHERE id = ?').pluck().get(registrationId) as string | undefined;
      if (status === undefined) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'No registration with that id.', { id: registrationId });
      if (status === 'finalized') {
        throw new ApplianceError(ApplianceErrors.REGISTRATION_FINALIZED.code, 'This registration is finalized; its details can no longer be changed.', { id: registrationId });
      }
      const at = this.#now().toISOString();
      this.#db
        .prepare(
          `INSERT INTO registration_details (registration_id, home_province, home_district, occupation_isco, destination_province,
             employer_id, vacancy_id, language, consent_given, consent_language, consent_read_at, details_json, version, updated_at, updated_by)
           VALUES (@id, @homeProvince, @homeDistrict, @occupationIsco, @destinationProvince, @employerId, @vacancyId, @language,
             @consentGiven, @consentLanguage, @consentReadAt, @json, 1, @at, @actor)
           ON CONFLICT (registration_id) DO UPDATE SET home_province = excluded.home_province, home_district = excluded.home_district,
             occupation_isco = excluded.occupation_isco, destination_province = excluded.destination_province,
             employer_id = excluded.employer_id, vacancy_id = excluded.vacancy_id, language = excluded.language,
             consent_given = excluded.consent_given, consent_language = excluded.consent_language,
             consent_read_at = excluded.consent_read_at, details_json = excluded.details_json,
             version = version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run({
          id: registrationId,
          homeProvince: details.homeProvince,
          homeDistrict: details.homeDistrict,
          occupationIsco: details.occupationIsco,
          destinationProvince: details.destinationProvince,
          employerId: details.employerId,
          vacancyId: details.vacancyId,
          language: details.language,
          consentGiven: details.consent.given ? 1 : 0,
          consentLanguage: details.consent.language,
          consentReadAt: details.consent.readAt,
          json: JSON.stringify(details),
          at,
          actor,
        });
      const row = this.#db.prepare('SELECT * FROM registration_details WHERE registration_id = ?').get(registrationId) as Row;
      appendAudit(
        this.#db,
        {
          actor,
          action: 'registration.details_saved',
          entityType: 'registration',
          entityId: registrationId,
          details: {
            version: row.version,
            consentGiven: details.consent.given,
            consentLanguage: details.consent.language,
            consentReadAt: details.consent.readAt,
            jobOffer: details.jobOffer !== null,
          },
        },
        at,
      );
      return toStored(row);
    });
    const stored = guard('details.save', () => tx.immediate());
    this.#log.debug({ registrationId, version: stored.version }, 'registration details saved');
    return stored;
  }

  /** The connection is the store's: nothing to release here. */
  close(): void {}
}
