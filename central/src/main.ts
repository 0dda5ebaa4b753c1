/**
 * `npm run central`: the central receiver. Real PostgreSQL when DATABASE_URL is set, otherwise
 * embedded PGlite in CENTRAL_DATA_DIR (default ./data/central). HTTPS with the certificate and key
 * of CENTRAL_TLS_CERT_FILE / CENTRAL_TLS_KEY_FILE, or a self-signed pair it creates in
 * <CENTRAL_DATA_DIR>/tls (its fingerprint is logged for `enrol` to pin); plain HTTP only with
 * CENTRAL_INSECURE_HTTP=true (a TLS-terminating proxy in front, or development). `npm run central -- create-staff …` creates a staff account
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
import { centralKeyFromEnv } from './enrolment/central-key.ts';
import { certificateFingerprint, loadOrCreateSelfSigned, readTlsFiles } from './tls/tls.ts';
import { join } from 'node:path';

const log = createLogger('central');

async function main(): Promise<void> {
  const config = configFromEnv();
  const devices = config.devicesFile ? await loadDevicesFile(config.devicesFile) : [];
  if (devices.length === 0) log.warn('no devices configured (CENTRAL_DEVICES_FILE): every batch will be refused with 401');

  let https: { cert: string; key: string } | undefined;
  if (config.tls.insecureHttp) {
    log.warn('CENTRAL_INSECURE_HTTP=true: serving plain HTTP; appliances refuse it unless central.allowInsecureHttp is set (terminate TLS in front)');
  } else if (config.tls.certFile && config.tls.keyFile) {
    https = readTlsFiles(config.tls.certFile, config.tls.keyFile);
    log.info({ certFile: config.tls.certFile, fingerprint: certificateFingerprint(https.cert) }, 'serving HTTPS');
  } else {
    const pair = await loadOrCreateSelfSigned(join(config.dataDir, 'tls'), config.tls.names);
    https = pair;
    log.warn(
      { certFile: pair.certFile, fingerprint: certificateFingerprint(pair.cert), created: pair.created },
      'serving HTTPS with a self-signed certificate: enrol appliances with --cert-sha256 <fingerprint>, or set CENTRAL_TLS_CERT_FILE/KEY_FILE',
    );
  }
  // The signing key now, not on first use: a broken key file stops the start, and `npm start` pins it.
  const centralKey = centralKeyFromEnv(process.env);
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
    ...(https ? { https } : {}),
    attemptWindowMs: config.attemptWindowMs,
    centralKey,
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
