/**
 * The person index (issue #16 item 1), central migrations 40–49 (this module's range).
 *
 * - persons: one row per person the network knows; `merged_into` when a reviewer accepted that two were one.
 * - person_documents: every document key (protocol/src/lookup.ts documentKey) linked to one person, with its keyed
 *   hash under the current network key (what appliances ask by).
 * - person_registrations: each registration linked to its person; `version` of the latest version received.
 * - registration_versions: every version of a registration that arrived after the first (a correction from an
 *   appliance), whole; registrations keeps the first version as received (ingest never overwrites it).
 * - person_link_candidates: a new document whose holder has the same names, birth date and sex as a known person
 *   with another document: never merged silently, reviewed by a person (accept = merge, reject = keep apart).
 * - person_link_events: history of every link, candidate, decision and merge.
 * - central_access_audit: every view of personal data at the central (staff search, person view, device lookups),
 *   reviewable by auditors.
 * - network_keys: the HMAC key of the offline index (one current).
 * - person_index_seq: versions of the offline index feed; assigned under PERSON_INDEX_LOCK_KEY so they commit in
 *   order (a reader that saw version N never later sees a smaller one appear).
 */
export const PERSONS_MIGRATION_NAME = 'person index, candidate links, registration versions, access audit, network key';

/** pg_advisory_xact_lock key of person index writers ("central persons"). */
export const PERSON_INDEX_LOCK_KEY = 7_302_140;

export const personsSchema = /* sql */ `
  CREATE SEQUENCE person_index_seq AS bigint;

  CREATE TABLE persons (
    person_id     uuid PRIMARY KEY,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- Latest known identity (from the latest registration linked).
    surname       text,
    given_names   text,
    sex           text,
    birth_date    date,
    nationality   text,
    -- MOYO|TENDAI|19900101|F (protocol/src/lookup.ts nameKey): the candidate rule compares it.
    name_key      text,
    first_seen_at timestamptz,
    last_seen_at  timestamptz,
    merged_into   uuid REFERENCES persons (person_id),
    index_version bigint NOT NULL DEFAULT 0
  );
  CREATE INDEX persons_name_key ON persons (name_key) WHERE merged_into IS NULL;
  CREATE INDEX persons_index_version ON persons (index_version);
  -- Prefix search by name (routes/persons.ts): LIKE 'abc%' uses a text_pattern_ops index whatever the collation.
  CREATE INDEX persons_surname ON persons (lower(surname) text_pattern_ops);

  CREATE TABLE person_documents (
    doc_key       text PRIMARY KEY,
    person_id     uuid NOT NULL REFERENCES persons (person_id),
    doc_hash      text NOT NULL,
    key_id        text NOT NULL,
    document_code text,
    issuing_state text,
    document_number text,
    first_seen_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX person_documents_person ON person_documents (person_id);
  CREATE INDEX person_documents_hash ON person_documents (doc_hash);
  -- Search by document number: the number as normalised in the document key (code|state|number|birth).
  CREATE INDEX person_documents_number ON person_documents (split_part(doc_key, '|', 3));

  CREATE TABLE person_registrations (
    registration_id uuid PRIMARY KEY REFERENCES registrations (id),
    person_id       uuid NOT NULL REFERENCES persons (person_id),
    doc_key         text NOT NULL,
    office_code     text NOT NULL,
    finalized_at    timestamptz NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    -- The registration's id at the appliance that made it corrected this one (a correction sent under a new id).
    corrects        uuid,
    -- Seen before at any office (any earlier registration of the same person): the network-wide "returning".
    returning_network boolean NOT NULL DEFAULT false,
    linked_at       timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX person_registrations_person ON person_registrations (person_id, finalized_at DESC);

  CREATE TABLE registration_versions (
    registration_id uuid NOT NULL REFERENCES registrations (id),
    version         integer NOT NULL,
    content_hash    text NOT NULL,
    payload         jsonb NOT NULL,
    device_id       text NOT NULL,
    batch_id        uuid NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (registration_id, version)
  );

  CREATE TABLE person_link_candidates (
    id              bigserial PRIMARY KEY,
    -- The known person and the one the new document made.
    person_id       uuid NOT NULL REFERENCES persons (person_id),
    other_person_id uuid NOT NULL REFERENCES persons (person_id),
    reason          text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    decided_by      text,
    note            text,
    UNIQUE (person_id, other_person_id),
    CHECK (person_id <> other_person_id)
  );
  CREATE INDEX person_link_candidates_status ON person_link_candidates (status, created_at);

  CREATE TABLE person_link_events (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL,
    action          text NOT NULL,
    person_id       uuid,
    other_person_id uuid,
    registration_id uuid,
    details         jsonb
  );
  CREATE INDEX person_link_events_person ON person_link_events (person_id, at);

  CREATE TABLE central_access_audit (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor_kind      text NOT NULL CHECK (actor_kind IN ('staff', 'device')),
    actor           text NOT NULL,
    role            text,
    action          text NOT NULL,
    person_id       uuid,
    registration_id uuid,
    -- What was asked (search terms for a staff search; never a device's keyed hash).
    query           jsonb,
    result_count    integer,
    client          text
  );
  CREATE INDEX central_access_audit_at ON central_access_audit (at);
  CREATE INDEX central_access_audit_actor ON central_access_audit (actor, at);
  CREATE INDEX central_access_audit_person ON central_access_audit (person_id, at);

  CREATE TABLE network_keys (
    key_id     text PRIMARY KEY,
    key        bytea NOT NULL CHECK (length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    current    boolean UNIQUE CHECK (current),
    retired_at timestamptz
  );

  -- Distinguishes this database's person index from any other (appliances reload on a new epoch).
  CREATE TABLE person_index_feed (
    id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    singleton boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton)
  );
  INSERT INTO person_index_feed DEFAULT VALUES;
`;
