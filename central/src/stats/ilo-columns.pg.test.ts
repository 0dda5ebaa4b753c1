/**
 * Migration 81 on real PostgreSQL: registrations stored while the ILO columns were generated (migration 50) keep
 * the values PostgreSQL computed for them; afterwards the columns are plain (ingest fills them, ingest/extract.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPgCluster } from '../../../tests/support/pg-cluster.ts';
import type { Db } from '../db/db.ts';
import { MIGRATIONS, migrate } from '../db/migrations.ts';
import { createPostgresDb } from '../db/postgres-db.ts';
import { ILO_COLUMNS_PLAIN_MIGRATION } from './ilo-columns.ts';

let cluster: PgCluster;
let db: Db;
beforeAll(async () => {
  cluster = await startPgCluster();
  db = createPostgresDb(cluster.url, { max: 1 });
}, 120_000);
afterAll(async () => {
  await db?.close();
  await cluster?.stop();
});

const INSERT = `INSERT INTO registrations (id, device_id, office_code, finalized_at, batch_id, content_hash, payload)
  VALUES (gen_random_uuid(), 'd', 'BBR', now(), gen_random_uuid(), repeat('0', 64), $1::text::jsonb) RETURNING id::text AS id`;

describe('ILO columns made plain (migration 81)', () => {
  it('keeps the generated values of earlier rows, then stores what ingest gives', async () => {
    await migrate(db, MIGRATIONS.filter((m) => m.version < ILO_COLUMNS_PLAIN_MIGRATION.version));
    await db.query("INSERT INTO devices (device_id, office_code, public_key_pem) VALUES ('d', 'BBR', 'none')");
    const payload = { details: { education: 'secondary-o-level', destinationProvince: 'ZA-LP', countryOfBirth: 'zwe' } };
    const [old] = await db.query<{ id: string }>(INSERT, [JSON.stringify(payload)]);
    const before = await db.query('SELECT education_isced, destination_country, country_of_birth FROM registrations WHERE id = $1::uuid', [old?.id ?? '']);
    expect(before[0]).toMatchObject({ destination_country: 'ZAF', country_of_birth: 'ZWE' });
    expect(await migrate(db)).toContain(ILO_COLUMNS_PLAIN_MIGRATION.version);
    expect(await db.query('SELECT education_isced, destination_country, country_of_birth FROM registrations WHERE id = $1::uuid', [old?.id ?? ''])).toEqual(before);
    const generated = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'registrations' AND is_generated <> 'NEVER'",
    );
    expect(generated[0]?.n).toBe(0);
    // Plain now: a value given at insert is stored as given (a generated column would refuse it).
    await db.query(`${INSERT.replace('payload)', 'payload, destination_country)').replace('::jsonb)', "::jsonb, 'MOZ')")}`, ['{}']);
    expect(await db.query("SELECT 1 FROM registrations WHERE destination_country = 'MOZ'")).toHaveLength(1);
  });
});
