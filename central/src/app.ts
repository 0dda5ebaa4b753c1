/**
 * The central receiver as a Fastify instance: build() wires plugins and returns the app without
 * listening (tests use inject()); listen() is main.ts's business.
 *
 * Every route declares its access (auth/access.ts); the app refuses to become ready otherwise.
 */
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { installAccessControl } from './auth/access.ts';
import { validateAdminToken } from './auth/admin-token.ts';
import { type AuthSettings, DEFAULT_AUTH_SETTINGS } from './auth/auth-settings.ts';
import { PasswordHasher } from './auth/passwords.ts';
import { sessionCookieName } from './auth/session-token.ts';
import type { Db } from './db/db.ts';
import { DeviceDirectory, enrolConfiguredDevices, parseEd25519PublicKey, type DeviceConfig } from './devices/device-directory.ts';
import { type CentralKey, lazyCentralKey } from './enrolment/central-key.ts';
import { CentralErrorCodes, centralError, toHttpError } from './errors.ts';
import { DEFAULT_ATTEMPT_WINDOW_MS } from '@lmc/protocol/batch-envelope.ts';
import { DEFAULT_REJECTION_LOG_LIMITS, RejectionLog, type RejectionLogLimits } from './ingest/rejection-log.ts';
import { authRoutes } from './routes/auth.ts';
import { batchRoutes, DEFAULT_LIMITS, type BatchLimits } from './routes/batches.ts';
import { enrolmentRoutes } from './routes/enrolment.ts';
import { referenceRoutes, type ReferenceRoutesOptions } from './routes/reference.ts';
import { statsRoutes } from './routes/stats.ts';
import { registerOpenApi } from './routes/openapi.ts';
import { recruitmentRoutes } from './routes/recruitment.ts';
import { lookupRoutes } from './routes/lookup.ts';
import { personRoutes } from './routes/persons.ts';
import { printRoutes } from './prints/print-routes.ts';
import { consoleRoutes } from './routes/console.ts';
import { consoleAdminRoutes } from './routes/console-admin.ts';
import { fleetRoutes } from './fleet/fleet-routes.ts';
import { cscaRoutes } from './csca/csca-routes.ts';

export interface BuildOptions {
  /** Migrated database (see db/migrations.ts). */
  db: Db;
  /** Configured devices, upserted into the devices table when the app becomes ready. */
  devices: readonly DeviceConfig[];
  limits?: Partial<BatchLimits>;
  /** Reference down-sync: clock-skew window, page limit (routes/reference.ts). */
  reference?: Omit<ReferenceRoutesOptions, 'db' | 'devices'>;
  /**
   * Admin bearer token (CENTRAL_ADMIN_TOKEN), at least 32 characters; undefined = admin routes need
   * an admin session. Also accepted as reference.adminToken or enrolment.adminToken (must agree).
   */
  adminToken?: string | undefined;
  /** Staff sessions, lockout, password hashing, rate limits (auth/auth-settings.ts). */
  auth?: Partial<AuthSettings>;
  /** Budget of the rejected-batch log (ingest/rejection-log.ts). */
  rejectionLog?: Partial<RejectionLogLimits>;
  /**
   * Fastify's trustProxy: set it to the TLS proxy's address (or hop count) so rate limits see the
   * client's address from X-Forwarded-For instead of the proxy's.
   */
  trustProxy?: boolean | string | string[] | undefined;
  /** Clock for sessions and lockouts; injectable for tests. */
  now?: () => Date;
  /**
   * The central's Ed25519 signing key (a key or a loader): signs batch acknowledgements, reference
   * pages and enrolment answers. Default: enrolment.centralKey, else CENTRAL_KEY_FILE, loaded on first use.
   */
  centralKey?: CentralKey | (() => CentralKey);
  /** Batch attempts further than this from the central's clock are refused (default 5 minutes). */
  attemptWindowMs?: number;
  /** TLS certificate and key (PEM): the app serves HTTPS (main.ts reads them from files). */
  https?: { cert: string; key: string };
  logger?: Logger;
  /** The built console served at /console/ (routes/console.ts); default central/console/dist. */
  consoleDist?: string;
}

export type CentralApp = ReturnType<typeof build>;

/** One admin token whichever option it came in, each checked for length. */
function resolveAdminToken(options: BuildOptions): string | undefined {
  const given = [
    ['adminToken', options.adminToken],
    ['reference.adminToken', options.reference?.adminToken],
    ['enrolment.adminToken', options.enrolment?.adminToken],
  ] as const;
  const tokens = new Set<string>();
  for (const [source, token] of given) {
    const valid = validateAdminToken(token, source);
    if (valid !== undefined) tokens.add(valid);
  }
  if (tokens.size > 1) throw centralError(CentralErrorCodes.ConfigInvalid, 'Two different admin tokens were given; the central has one');
  return [...tokens][0];
}

export function build(options: BuildOptions) {
  const limits: BatchLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const auth: AuthSettings = { ...DEFAULT_AUTH_SETTINGS, ...options.auth };
  const adminToken = resolveAdminToken(options);
  const now = options.now ?? (() => new Date());
  // Fail at build time, not on the first batch, when a configured key is unusable.
  for (const d of options.devices) parseEd25519PublicKey(d.publicKeyPem, d.deviceId);
  const logger = options.logger ?? createLogger('central:http');

  const app = Fastify({
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key, minVersion: 'TLSv1.2' as const } } : {}),
    loggerInstance: logger,
    // Fastify's default 1 MiB limit would otherwise cap batches below maxBodyBytes.
    bodyLimit: limits.maxBodyBytes,
    trustProxy: options.trustProxy ?? false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const rejections = new RejectionLog(options.db, { ...DEFAULT_REJECTION_LOG_LIMITS, ...options.rejectionLog });
  app.addHook('onReady', async () => {
    await enrolConfiguredDevices(options.db, options.devices);
  });
  app.addHook('onClose', async () => {
    await rejections.flush().catch((err: unknown) => app.log.warn({ code: (err as { code?: string }).code }, 'could not write folded rejections'));
  });

  app.setErrorHandler((err, request, reply) => {
    const mapped = toHttpError(err);
    if (mapped.internal) request.log.error({ err }, 'request failed');
    else request.log.info({ code: mapped.code, statusCode: mapped.statusCode }, 'request rejected');
    void reply.status(mapped.statusCode).send({ statusCode: mapped.statusCode, code: mapped.code, message: mapped.message });
  });

  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send({ statusCode: 404, code: CentralErrorCodes.RouteNotFound, message: `No route ${request.method} ${request.url.split('?')[0]}` });
  });

  const cookieName = sessionCookieName(auth.secureCookie);
  // Before any route: the onRoute check must see every route, the access hook must run first.
  installAccessControl(app, { db: options.db, cookieName, sessionTimes: auth.session, adminToken, now });
  // Before any route too: swagger collects each route's schema as it is added (GET /api/openapi.json).
  registerOpenApi(app);
  void app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, ctx) => centralError(CentralErrorCodes.RateLimited, `Too many requests; retry in ${ctx.after}`),
  });

  const hasher = new PasswordHasher({
    params: auth.argon2,
    maxConcurrent: auth.maxConcurrentVerifications,
    maxQueued: auth.maxQueuedVerifications,
  });
  const devices = new DeviceDirectory(options.db);
  void app.register(authRoutes, { db: options.db, hasher, settings: auth, cookieName, now });
  const centralKey = lazyCentralKey(options.centralKey ?? options.enrolment?.centralKey);
  const attemptWindowMs = options.attemptWindowMs ?? DEFAULT_ATTEMPT_WINDOW_MS;
  void app.register(batchRoutes, { db: options.db, devices, limits, rejections, centralKey, attemptWindowMs });
  void app.register(statsRoutes, { db: options.db, perMinute: auth.staffRoutesPerMinute });
  void app.register(personRoutes, { db: options.db, perMinute: auth.staffRoutesPerMinute });
  void app.register(lookupRoutes, { db: options.db, devices, centralKey, ...(options.reference?.maxSkewMs !== undefined ? { maxSkewMs: options.reference.maxSkewMs } : {}), ...(options.reference?.now ? { now: options.reference.now } : {}) });
  void app.register(fleetRoutes, { db: options.db, perMinute: auth.staffRoutesPerMinute, now });
  void app.register(referenceRoutes, { db: options.db, devices, centralKey, ...options.reference });
  void app.register(recruitmentRoutes, {
    db: options.db,
    devices,
    centralKey,
    ...(options.reference?.maxSkewMs !== undefined ? { maxSkewMs: options.reference.maxSkewMs } : {}),
    ...(options.reference?.now ? { now: options.reference.now } : {}),
  });
  void app.register(enrolmentRoutes, { db: options.db, perMinute: auth.enrolmentPerMinute, ...options.enrolment, centralKey });
  void app.register(printRoutes, { db: options.db, devices, centralKey, perMinute: auth.staffRoutesPerMinute });
  void app.register(consoleAdminRoutes, { db: options.db, perMinute: auth.staffRoutesPerMinute, now });
  void app.register(cscaRoutes, { db: options.db, perMinute: auth.staffRoutesPerMinute, now });
  void app.register(consoleRoutes, options.consoleDist ? { distDir: options.consoleDist } : {});
  return app;
}
