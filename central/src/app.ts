/**
 * The central receiver as a Fastify instance: build() wires plugins and returns the app without
 * listening (tests use inject()); listen() is main.ts's business.
 */
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createLogger, type Logger } from '../../firmware-bridge/src/common/logger.ts';
import type { Db } from './db/db.ts';
import { DeviceDirectory, enrolConfiguredDevices, parseEd25519PublicKey, type DeviceConfig } from './devices/device-directory.ts';
import { CentralErrorCodes, toHttpError } from './errors.ts';
import { batchRoutes, DEFAULT_LIMITS, type BatchLimits } from './routes/batches.ts';
import { statsRoutes } from './routes/stats.ts';
import { referenceRoutes, type ReferenceRoutesOptions } from './routes/reference.ts';
import { enrolmentRoutes } from './routes/enrolment.ts';

export interface BuildOptions {
  /** Migrated database (see db/migrations.ts). */
  db: Db;
  /** Configured devices, upserted into the devices table when the app becomes ready. */
  devices: readonly DeviceConfig[];
  limits?: Partial<BatchLimits>;
  /** Reference down-sync: admin token, clock-skew window (routes/reference.ts). */
  reference?: Omit<ReferenceRoutesOptions, 'db' | 'devices'>;
  logger?: Logger;
}

export type CentralApp = ReturnType<typeof build>;

export function build(options: BuildOptions) {
  const limits: BatchLimits = { ...DEFAULT_LIMITS, ...options.limits };
  // Fail at build time, not on the first batch, when a configured key is unusable.
  for (const d of options.devices) parseEd25519PublicKey(d.publicKeyPem, d.deviceId);
  const logger = options.logger ?? createLogger('central:http');

  const app = Fastify({
    loggerInstance: logger,
    // Fastify's default 1 MiB limit would otherwise cap batches below maxBodyBytes.
    bodyLimit: limits.maxBodyBytes,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onReady', async () => {
    await enrolConfiguredDevices(options.db, options.devices);
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

  const devices = new DeviceDirectory(options.db);
  void app.register(batchRoutes, { db: options.db, devices, limits });
  void app.register(statsRoutes, { db: options.db });
  void app.register(referenceRoutes, { db: options.db, devices, ...options.reference });
  void app.register(enrolmentRoutes, { db: options.db, ...options.enrolment });
  return app;
}
