/**
 * `tsx central/src/reference/seed-cli.ts [--demo]`: load the shipped reference data into the
 * central database named by the same environment as the receiver (DATABASE_URL, else PGlite in
 * CENTRAL_DATA_DIR), migrating it first. --demo adds the fictional employers, vacancies and
 * officers: test and training systems only.
 */
import { createLogger } from '@lmc/core/logger.ts';
import { configFromEnv } from '../config.ts';
import type { Db } from '../db/db.ts';
import { migrate } from '../db/migrations.ts';
import { createPgliteDb } from '../db/pglite-db.ts';
import { createPostgresDb } from '../db/postgres-db.ts';
import { loadReferenceSeed } from './seed.ts';

const log = createLogger('central:reference-seed');

async function main(): Promise<void> {
  const demo = process.argv.includes('--demo');
  const config = configFromEnv();
  const db: Db = config.databaseUrl ? createPostgresDb(config.databaseUrl) : await createPgliteDb(config.dataDir);
  try {
    await migrate(db);
    const result = await loadReferenceSeed(db, { demo });
    log.info({ demo, ...result }, 'reference seed loaded');
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  log.fatal({ code: (err as { code?: string }).code, message: (err as Error).message }, 'reference seed failed');
  process.exit(1);
});
