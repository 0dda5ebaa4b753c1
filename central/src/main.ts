/**
 * `npm run central`: the central receiver. Real PostgreSQL when DATABASE_URL is set, otherwise
 * embedded PGlite in CENTRAL_DATA_DIR (default ./data/central). Plain HTTP: terminate TLS in
 * front of it (registrations are personal data; signatures give authenticity, not secrecy).
 */
import { createLogger } from '../../firmware-bridge/src/common/logger.ts';
import { build } from './app.ts';
import { configFromEnv, loadDevicesFile } from './config.ts';
import type { Db } from './db/db.ts';
import { migrate } from './db/migrations.ts';
import { createPgliteDb } from './db/pglite-db.ts';
import { createPostgresDb } from './db/postgres-db.ts';
import { loadReferenceSeed } from './reference/seed.ts';

const log = createLogger('central');

async function main(): Promise<void> {
  const config = configFromEnv();
  const devices = config.devicesFile ? await loadDevicesFile(config.devicesFile) : [];
  if (devices.length === 0) log.warn('no devices configured (CENTRAL_DEVICES_FILE): every batch will be refused with 401');

  const db: Db = config.databaseUrl ? createPostgresDb(config.databaseUrl) : await createPgliteDb(config.dataDir);
  const applied = await migrate(db);
  log.info({ driver: db.driver, applied }, 'database ready');
  // `npm start` (appliance/src/dev/start-with-central.ts) asks for the shipped reference data plus the
  // fictional demo employers, so the details step has lists to offer. Development only.
  if (process.env.CENTRAL_DEV_SEED_REFERENCE === 'demo') {
    const seeded = await loadReferenceSeed(db, { demo: true });
    log.warn({ ...seeded }, 'development mode: demo reference data loaded');
  }

  // One admin token (CENTRAL_ADMIN_TOKEN) guards enrolment codes and reference-data edits; unset = admin routes off.
  const adminToken = process.env.CENTRAL_ADMIN_TOKEN || undefined;
  const app = build({ db, devices, limits: config.limits, logger: createLogger('central:http'), reference: { adminToken } });
  await app.listen({ host: config.host, port: config.port });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'central receiver failed to start');
  process.exit(1);
});
