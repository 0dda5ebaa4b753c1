/**
 * `npm run central`: the central receiver. Real PostgreSQL when DATABASE_URL is set, otherwise
 * embedded PGlite in CENTRAL_DATA_DIR (default ./data/central). Plain HTTP: terminate TLS in
 * front of it (registrations are personal data; signatures give authenticity, not secrecy; staff
 * session cookies are Secure). `npm run central -- create-staff …` creates a staff account
 * (cli/create-staff.ts), the way to the first admin.
 */
import { createLogger } from '@lmc/core/logger.ts';
import { build } from './app.ts';
import { runCreateStaff } from './cli/create-staff.ts';
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

  // Admin routes take an admin staff session, or the admin token (CENTRAL_ADMIN_TOKEN, at least 32
  // characters, checked by configFromEnv) for provisioning scripts.
  const staff = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM staff WHERE role = 'admin' AND disabled_at IS NULL");
  if ((staff[0]?.n ?? 0) === 0) log.warn('no admin staff account: create one with `npm run central -- create-staff --username NAME --role admin`');
  if (!config.auth.secureCookie) log.warn('CENTRAL_COOKIE_SECURE=false: session cookies travel without the Secure attribute (development only)');
  const app = build({
    db,
    devices,
    limits: config.limits,
    adminToken: config.adminToken,
    auth: config.auth,
    trustProxy: config.trustProxy,
    logger: createLogger('central:http'),
  });
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

if (process.argv[2] === 'create-staff') {
  void runCreateStaff(process.argv.slice(3)).then((code) => process.exit(code));
} else {
  main().catch((err: unknown) => {
    // A configuration error says what to fix; print it plainly as well as in the log.
    if ((err as { code?: unknown }).code === 'CONFIG_INVALID') process.stderr.write(`central: ${(err as Error).message}\n`);
    log.fatal({ err }, 'central receiver failed to start');
    process.exit(1);
  });
}
