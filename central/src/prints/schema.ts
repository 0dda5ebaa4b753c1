/**
 * Central migration 30 (this feature's range is 30–39): the appliance's published X25519 key, and the audit of every
 * opening and re-sealing of a forwarded print (central/src/prints/print-access.ts).
 */
export const PRINTS_MIGRATION_NAME = 'device encryption keys, print access log';

export const printsSchema = `
  -- The appliance's X25519 key (raw, base64) published at enrolment: templates are re-sealed to it for a
  -- 1:1 verification at that counter. NULL for appliances enrolled before: they cannot fetch prints.
  ALTER TABLE devices ADD COLUMN encryption_public_key text;

  -- One row per print opened at the central or re-sealed for an appliance, written before the print is
  -- handed out (a failure to write it means nothing is handed out). Refusals are kept too.
  CREATE TABLE print_access_log (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    action          text NOT NULL CHECK (action IN ('open', 'reseal')),
    actor_kind      text NOT NULL CHECK (actor_kind IN ('staff', 'device')),
    actor           text NOT NULL,
    actor_office    text,
    registration_id uuid,
    blob_id         text,
    finger          text,
    kind            text,
    reason          text,
    outcome         text NOT NULL CHECK (outcome IN ('opened', 'resealed', 'refused')),
    code            text
  );
  CREATE INDEX print_access_log_registration ON print_access_log (registration_id, at);
  CREATE INDEX print_access_log_at ON print_access_log (at);
`;
