/**
 * The registration_details table, appended to the store's migration list (store/migrations.ts). Frozen once
 * shipped, like every migration: change it with a new one.
 *
 * - One row per registration, replaced by each PUT (version counts the saves); the columns the centre counts
 *   on are copied out of details_json for queries and the outbox trigger.
 * - ON DELETE CASCADE: the retention purge (outbox.purgeSent) takes the details with the registration.
 * - A finalized registration's details are as immutable as its row (triggers, as for fingerprints).
 * - The finalized outbox event carries the details and whether this passport was registered before
 *   (`returning`), written by trigger in the finalize transaction itself, as the fingerprint summary is. A
 *   registration without details (finalized below the HTTP layer, e.g. by tools) keeps its payload as it was.
 *   That trigger is history: migration 'finalized-record-in-service' dropped it; the finalize service
 *   (registrations/finalize-service.ts) builds the same keys, with the returning rule of
 *   RegistrationRepository.previousRegistrations.
 */
import { finalizedChildTriggers } from '../store/finalized-child-triggers.ts';
import type { Migration } from '../store/migrations.ts';
export const DETAILS_MIGRATION_NAME = 'registration-details';

export const detailsSchema = /* sql */ `
CREATE TABLE registration_details (
  registration_id      TEXT PRIMARY KEY NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
  home_province        TEXT NOT NULL,
  home_district        TEXT NOT NULL,
  occupation_isco      TEXT NOT NULL CHECK (length(occupation_isco) BETWEEN 1 AND 4),
  destination_province TEXT NOT NULL,
  employer_id          TEXT,
  vacancy_id           TEXT,
  language             TEXT NOT NULL CHECK (language IN ('en', 'sn', 'nd')),
  consent_given        INTEGER NOT NULL CHECK (consent_given IN (0, 1)),
  consent_language     TEXT NOT NULL CHECK (consent_language IN ('en', 'sn', 'nd')),
  consent_read_at      TEXT NOT NULL,
  details_json         TEXT NOT NULL CHECK (json_valid(details_json)),
  version              INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  updated_at           TEXT NOT NULL,
  updated_by           TEXT NOT NULL
);

${finalizedChildTriggers('registration_details')}

CREATE TRIGGER outbox_registration_details
AFTER INSERT ON outbox
WHEN NEW.event_type = 'registration.finalized'
 AND EXISTS (SELECT 1 FROM registration_details WHERE registration_id = NEW.registration_id)
BEGIN
  UPDATE outbox SET payload_json = json_set(payload_json,
    '$.details', (SELECT json(details_json) FROM registration_details WHERE registration_id = NEW.registration_id),
    '$.returning', json(CASE WHEN EXISTS (
      SELECT 1 FROM registrations r JOIN registrations earlier
        ON earlier.issuing_state = r.issuing_state AND earlier.document_number = r.document_number
      WHERE r.id = NEW.registration_id AND earlier.id <> r.id AND earlier.status = 'finalized'
    ) THEN 'true' ELSE 'false' END))
  WHERE seq = NEW.seq;
END;
`;

/** This module's migrations; `version` is the place in the appliance's one schema history (appliance/src/schema.ts). */
export const detailsMigrations: readonly Migration[] = [
  { version: 8, name: DETAILS_MIGRATION_NAME, sql: detailsSchema },
];
