/**
 * CSCA certificates at the central (#18), migration 95 of db/migrations.ts (range 95–99).
 *
 * - ref_csca_certificates is a reference table (protocol/src/reference-tables.ts `csca_certificates`, scope
 *   global): the trigger of reference/schema.ts turns every insert and delete into a feed entry, so the
 *   certificates reach every appliance through the signed reference pull. Written only by csca-store.ts (the
 *   generic reference edit route refuses this table: its rows must come from a parsed, checked certificate).
 * - csca_uploads is the audit of every change: who, when, what form, the file's SHA-256, the master list's
 *   signer, and the fingerprints added and removed.
 */
export const CSCA_MIGRATION_VERSION = 95;
export const CSCA_MIGRATION_NAME = 'CSCA certificates (reference feed) and their upload audit';

export const cscaSchema = /* sql */ `
  CREATE TABLE ref_csca_certificates (
    fingerprint text PRIMARY KEY CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
    country     text NOT NULL CHECK (country ~ '^[A-Z]{2,3}$'),
    subject     text NOT NULL,
    not_before  date NOT NULL,
    not_after   date NOT NULL,
    der_base64  text NOT NULL CHECK (der_base64 ~ '^[A-Za-z0-9+/]+={0,2}$' AND length(der_base64) <= 16384),
    CHECK (not_before <= not_after)
  );
  CREATE TRIGGER ref_csca_certificates_changes AFTER INSERT OR UPDATE OR DELETE ON ref_csca_certificates
    FOR EACH ROW EXECUTE FUNCTION reference_record_change('csca_certificates', 'fingerprint');
  CREATE TRIGGER ref_csca_certificates_no_truncate BEFORE TRUNCATE ON ref_csca_certificates
    FOR EACH STATEMENT EXECUTE FUNCTION reference_no_truncate();

  CREATE TABLE csca_uploads (
    upload_id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    at                 timestamptz NOT NULL DEFAULT now(),
    -- The admin's user name, or 'admin-token' for a provisioning script.
    actor              text NOT NULL,
    action             text NOT NULL CHECK (action IN ('upload', 'delete')),
    form               text CHECK (form IN ('master-list', 'pem', 'der')),
    replace_all        boolean NOT NULL DEFAULT false,
    source_sha256      text CHECK (source_sha256 ~ '^[0-9a-f]{64}$'),
    master_list_signer text,
    added              text[] NOT NULL DEFAULT '{}',
    removed            text[] NOT NULL DEFAULT '{}',
    unchanged          integer NOT NULL DEFAULT 0,
    warnings           jsonb NOT NULL DEFAULT '[]'
  );
  CREATE INDEX csca_uploads_at ON csca_uploads (at DESC);
`;
