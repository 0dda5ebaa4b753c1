import type { IncomingMessage } from 'node:http';
import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { Store } from '../store/index.ts';
import { accessHook } from '../http/access.ts';
import { authRoutes } from './auth-routes.ts';
import { DEFAULT_LOCKOUT, type LockoutPolicy } from './authenticator.ts';
import { sessionTokenFrom } from './cookies.ts';
import { officerRoutes } from './officer-routes.ts';
import { type OfficerRepository, createOfficerRepository } from './officers.ts';
import { type SupervisorSeed, seedFirstSupervisor } from './seed.ts';
import { type SessionOfficer, SessionStore } from './sessions.ts';

export interface AuthSettings {
  /** First start only: the first supervisor (else a random PIN is written to <dataDir>/first-supervisor.txt). */
  seedSupervisor?: SupervisorSeed;
  /** Idle logout. Default 5 minutes. */
  idleTimeoutMs?: number;
  /** Longest session, active or not. Default 12 hours (one shift). */
  maxSessionMs?: number;
  lockout?: LockoutPolicy;
}

export interface AuthOptions extends AuthSettings {
  store: Store;
  officeCode: string;
  now?: () => Date;
  logger?: Logger;
}

export interface AuthHandle {
  sessions: SessionStore;
  officers: OfficerRepository;
  /** For the socket.io handshake: the session of the cookie, or null. Does not count as activity. */
  authorizeSocket(request: IncomingMessage): { officer: SessionOfficer; sessionKey: string } | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthHandle;
  }
  interface FastifyRequest {
    /** Set on every request to a non-public route that passed the access check; null on public routes. */
    officer: SessionOfficer | null;
  }
}

/**
 * Sign-in, sessions and the access check, registered on the ROOT instance (not an encapsulated plugin) so the
 * hook covers every route, including those other plugins add later. Each route declares who may call it
 * (`config.access`); the check reads the matched route's declaration, never the URL.
 */
export async function registerAuth(app: FastifyInstance, opts: AuthOptions): Promise<AuthHandle> {
  const now = opts.now ?? (() => new Date());
  const logger = opts.logger ?? createLogger('auth');
  // The store's one connection (its pragmas: WAL, synchronous=FULL, foreign keys, trusted_schema off).
  const dbPath = opts.store.health().path;
  const officers = createOfficerRepository(opts.store.connection, now);
  await seedFirstSupervisor(officers, opts.seedSupervisor, { dataDir: dirname(dbPath), officeCode: opts.officeCode }, logger);

  const sessions = new SessionStore({
    idleTimeoutMs: opts.idleTimeoutMs ?? 5 * 60_000,
    maxAgeMs: opts.maxSessionMs ?? 12 * 3_600_000,
    now: () => now().getTime(),
  });
  const handle: AuthHandle = {
    sessions,
    officers,
    authorizeSocket: (request) => {
      const session = sessions.resolve(sessionTokenFrom(request.headers), false);
      return session ? { officer: session.officer, sessionKey: session.key } : null;
    },
  };
  app.decorate('auth', handle);
  app.decorateRequest('officer', null);

  // The one access check, on the route the router matched (http/access.ts); the route table must declare access.
  app.addHook(
    'onRequest',
    accessHook({
      // Background refreshes (list reloads after a socket event) must not keep an idle counter signed in.
      resolveOfficer: (request) => sessions.resolve(sessionTokenFrom(request.headers), request.headers['x-background'] !== '1')?.officer ?? null,
    }),
  );

  await app.register(authRoutes, { officers, sessions, store: opts.store, lockout: opts.lockout ?? DEFAULT_LOCKOUT, officeCode: opts.officeCode, now, logger });
  await app.register(officerRoutes, { officers, sessions, store: opts.store });
  return handle;
}
