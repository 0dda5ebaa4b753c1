/**
 * Central reference tables and their change feed, appended to db/migrations.ts.
 *
 * reference_changes holds the latest change of every (table, key, scope): an upsert with the row
 * as it now is, or a delete (tombstone). Each change takes the next reference_version_seq value, so
 * "everything after version N" is one index range, an updated row moves to the end of the feed
 * (a device paging through sees it later, never half of it), and the table stays as small as the
 * data instead of growing with its history.
 *
 * Versions must become visible in order, or a device could read 11 while 10 is still uncommitted
 * and skip 10 for ever. The trigger takes one transaction-scoped advisory lock before it draws a
 * version, so reference writers commit one at a time, in version order (PostgreSQL releases
 * transaction locks after the commit is visible). Reference data changes a few times a day.
 *
 * A row whose scope changes (an officer moving from BBR to HRE, a vacancy's destination province)
 * leaves a tombstone in its old scope, so the devices there drop it.
 */
export const REFERENCE_MIGRATION_NAME = 'reference data and change feed';

/** pg_advisory_xact_lock key of reference writers ("central reference"). */
export const REFERENCE_WRITE_LOCK_KEY = 7_302_115;

/**
 * The tables migration 3 feeds to the devices, with their key column, in the order it creates their triggers.
 * Frozen with the migration (a later table gets its triggers in a migration of its own); schema.test.ts pins the text.
 */
const MIGRATION_3_FEED_TABLES = [
  ['provinces', 'code'],
  ['districts', 'code'],
  ['occupations', 'isco_code'],
  ['offices', 'code'],
  ['officers', 'officer_id'],
  ['employers', 'employer_id'],
  ['vacancies', 'vacancy_id'],
] as const;

/** Each fed table records its changes in reference_changes and refuses TRUNCATE (which fires no row triggers). */
const feedTriggers = [
  ...MIGRATION_3_FEED_TABLES.map(
    ([table, key]) => `  CREATE TRIGGER ref_${table}_changes AFTER INSERT OR UPDATE OR DELETE ON ref_${table}
    FOR EACH ROW EXECUTE FUNCTION reference_record_change('${table}', '${key}');`,
  ),
  ...MIGRATION_3_FEED_TABLES.map(
    ([table]) => `  CREATE TRIGGER ref_${table}_no_truncate BEFORE TRUNCATE ON ref_${table} FOR EACH STATEMENT EXECUTE FUNCTION reference_no_truncate();`,
  ),
].join('\n');

export const referenceSchema = /* sql */ `
  -- Distinguishes this database's feed from any other (a rebuilt central restarts its versions).
  CREATE TABLE reference_feed (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    singleton  boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton)
  );
  INSERT INTO reference_feed DEFAULT VALUES;

  CREATE SEQUENCE reference_version_seq AS bigint;

  CREATE TABLE reference_changes (
    table_name text NOT NULL,
    row_key    text NOT NULL,
    -- '*' for every device, 'office:BBR', 'destination:ZA-LP'.
    scope      text NOT NULL,
    version    bigint NOT NULL UNIQUE,
    op         text NOT NULL CHECK (op IN ('upsert', 'delete')),
    row        jsonb,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, row_key, scope),
    CHECK ((op = 'delete') = (row IS NULL))
  );
  CREATE INDEX reference_changes_scope_version ON reference_changes (scope, version);

  CREATE TABLE ref_provinces (
    code text PRIMARY KEY CHECK (code ~ '^[A-Z]{2}-[A-Z0-9]{1,3}$'),
    name text NOT NULL
  );
  CREATE TABLE ref_districts (
    code          text PRIMARY KEY,
    province_code text NOT NULL REFERENCES ref_provinces (code),
    name          text NOT NULL
  );
  CREATE TABLE ref_occupations (
    isco_code     text PRIMARY KEY CHECK (isco_code ~ '^[0-9]{1,4}$'),
    title         text NOT NULL,
    level         integer NOT NULL CHECK (level = length(isco_code)),
    parent_code   text,
    common_sector text CHECK (common_sector IN ('farm', 'construction', 'transport')),
    common_rank   integer,
    CHECK ((parent_code IS NULL) = (level = 1))
  );
  CREATE TABLE ref_offices (
    code                  text PRIMARY KEY CHECK (code ~ '^[A-Z0-9]{2,8}$'),
    name                  text NOT NULL,
    province_code         text NOT NULL REFERENCES ref_provinces (code),
    district_code         text REFERENCES ref_districts (code),
    destination_provinces text[] NOT NULL DEFAULT '{}'
  );
  CREATE TABLE ref_officers (
    officer_id   text PRIMARY KEY,
    office_code  text NOT NULL REFERENCES ref_offices (code),
    display_name text NOT NULL,
    role         text NOT NULL CHECK (role IN ('officer', 'supervisor', 'technician')),
    active       boolean NOT NULL DEFAULT true
  );
  CREATE TABLE ref_employers (
    employer_id text PRIMARY KEY,
    name        text NOT NULL,
    country     text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    province    text NOT NULL,
    town        text,
    sector      text NOT NULL,
    demo        boolean NOT NULL DEFAULT false
  );
  CREATE TABLE ref_vacancies (
    vacancy_id           text PRIMARY KEY,
    employer_id          text NOT NULL REFERENCES ref_employers (employer_id),
    occupation_isco      text NOT NULL REFERENCES ref_occupations (isco_code),
    destination_province text NOT NULL,
    title                text,
    positions            integer NOT NULL CHECK (positions >= 0),
    opens_on             date,
    closes_on            date,
    status               text NOT NULL CHECK (status IN ('open', 'filled', 'closed')),
    demo                 boolean NOT NULL DEFAULT false
  );

  CREATE FUNCTION reference_scope(tbl text, r jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE tbl
      WHEN 'officers' THEN 'office:' || (r ->> 'office_code')
      WHEN 'vacancies' THEN 'destination:' || (r ->> 'destination_province')
      ELSE '*'
    END
  $$;

  -- TG_ARGV: [0] wire table name, [1] key column.
  CREATE FUNCTION reference_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    tbl       text := TG_ARGV[0];
    key_col   text := TG_ARGV[1];
    new_row   jsonb;
    old_row   jsonb;
    new_scope text;
    old_scope text;
  BEGIN
    PERFORM pg_advisory_xact_lock(${REFERENCE_WRITE_LOCK_KEY});
    IF TG_OP <> 'DELETE' THEN
      new_row := to_jsonb(NEW);
      new_scope := reference_scope(tbl, new_row);
    END IF;
    IF TG_OP <> 'INSERT' THEN
      old_row := to_jsonb(OLD);
      old_scope := reference_scope(tbl, old_row);
      IF new_row IS NULL OR new_scope <> old_scope OR (new_row ->> key_col) <> (old_row ->> key_col) THEN
        INSERT INTO reference_changes (table_name, row_key, scope, version, op, row)
        VALUES (tbl, old_row ->> key_col, old_scope, nextval('reference_version_seq'), 'delete', NULL)
        ON CONFLICT (table_name, row_key, scope)
        DO UPDATE SET version = EXCLUDED.version, op = 'delete', row = NULL, changed_at = now();
      END IF;
    END IF;
    IF new_row IS NOT NULL THEN
      INSERT INTO reference_changes (table_name, row_key, scope, version, op, row)
      VALUES (tbl, new_row ->> key_col, new_scope, nextval('reference_version_seq'), 'upsert', new_row)
      ON CONFLICT (table_name, row_key, scope)
      DO UPDATE SET version = EXCLUDED.version, op = 'upsert', row = EXCLUDED.row, changed_at = now();
    END IF;
    RETURN NULL;
  END
  $$;

  -- TRUNCATE fires no row triggers: devices would keep the rows for ever. Delete rows instead.
  CREATE FUNCTION reference_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'TRUNCATE of % would not reach the devices; DELETE the rows instead', TG_TABLE_NAME;
  END
  $$;

${feedTriggers}
`;
