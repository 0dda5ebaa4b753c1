/**
 * The central's API description: @fastify/swagger collects every route's schema as it is added, and
 * GET /api/openapi.json serves the OpenAPI 3 document. Public: the description of the API is not secret,
 * and access is still decided per route (auth/access.ts). Register before any route so all are seen.
 */
import swagger from '@fastify/swagger';
import type { FastifyBaseLogger, FastifyInstance, FastifyTypeProvider, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SESSION_COOKIE } from '../auth/session-token.ts';

export const OPENAPI_PATH = '/api/openapi.json';

export function registerOpenApi<L extends FastifyBaseLogger, P extends FastifyTypeProvider>(
  app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, L, P>,
): void {
  void app.register(swagger, {
    openapi: {
      info: {
        title: 'Labour Migration Centre central',
        version: '0.1.0',
        description:
          'Receives registrations forwarded by the border-post appliances, serves reference data, lookups, statistics and the Ministry console. ' +
          'Device routes are authenticated by Ed25519 request signatures (see README "Forwarding"), staff routes by a session cookie.',
      },
      components: {
        securitySchemes: {
          staffSession: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          adminToken: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  app.get(OPENAPI_PATH, { config: { centralAccess: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
