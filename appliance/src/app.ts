import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { MrzReaderFeature } from './devices/mrz-reader-feature.ts';
import type { ScanCache } from './devices/scan-cache.ts';
import type { EventBus } from './events/event-bus.ts';
import { deviceRoutes } from './http/device-routes.ts';
import { registerErrorHandler } from './http/error-handler.ts';
import { healthRoutes } from './http/health-routes.ts';
import { registrationRoutes } from './http/registration-routes.ts';
import type { Store } from './store/index.ts';

export interface AppDeps {
  store: Store;
  bus: EventBus;
  scans: ScanCache;
  officeCode: string;
  mrz?: MrzReaderFeature;
  logger?: Logger;
  now?: () => Date;
}

/** Builds the HTTP app without listening (fastify testing guide): tests use inject(), main.ts listens. */
export async function build(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: 256 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerErrorHandler(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Border-post registration appliance',
        version: '0.1.0',
        description: 'Counter appliance of the Labour Migration Centre: document capture, registrations, devices.',
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const devices = () => (deps.mrz ? [deps.mrz.state] : []);
  await app.register(healthRoutes, { store: deps.store, devices });
  await app.register(registrationRoutes, {
    store: deps.store,
    bus: deps.bus,
    scans: deps.scans,
    officeCode: deps.officeCode,
    ...(deps.now ? { now: deps.now } : {}),
  });
  await app.register(deviceRoutes, { mrz: deps.mrz, scans: deps.scans });
  return app;
}
