import type { IncomingMessage } from 'node:http';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApplianceError } from '../../../firmware-bridge/src/common/errors.ts';
import { createLogger, type Logger } from '../../../firmware-bridge/src/common/logger.ts';
import type { Store } from '../store/index.ts';
import { AuthErrorCodes } from './auth-errors.ts';
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
  /** For the socket.io handshake: the officer of the session cookie, or null. Does not count as activity. */
  authorizeSocket(request: IncomingMessage): SessionOfficer | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthHandle;
  }
  interface FastifyRequest {
    /** Set on every /api request that passed the session check; null on public routes. */
    officer: SessionOfficer | null;
  }
}

/** Routes that work without a session. Everything outside /api (UI files, /docs, /healthz) is public too. */
const PUBLIC_API = new Set(['POST /api/auth/sign-in']);

/**
 * Sign-in, sessions and role checks, registered on the ROOT instance (not an encapsulated plugin) so the
 * session hook covers every /api route, including those other plugins add later.
 */
export async function registerAuth(app: FastifyInstance, opts: AuthOptions): Promise<AuthHandle> {
  const now = opts.now ?? (() => new Date());
  const logger = opts.logger ?? createLogger('auth');
  // Own connection to the store's file: the Store hides its handle, and officers are not registrations.
  const dbPath = opts.store.health().path;
  const db = new Database(dbPath);
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = FULL');
  app.addHook('onClose', async () => {
    db.close();
  });
  const officers = createOfficerRepository(db, now);
  await seedFirstSupervisor(officers, opts.seedSupervisor, { dataDir: dirname(dbPath), officeCode: opts.officeCode }, logger);

  const sessions = new SessionStore({
    idleTimeoutMs: opts.idleTimeoutMs ?? 5 * 60_000,
    maxAgeMs: opts.maxSessionMs ?? 12 * 3_600_000,
    now: () => now().getTime(),
  });
  const handle: AuthHandle = {
    sessions,
    officers,
    authorizeSocket: (request) => sessions.resolve(sessionTokenFrom(request.headers), false)?.officer ?? null,
  };
  app.decorate('auth', handle);
  app.decorateRequest('officer', null);

  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (!path.startsWith('/api/')) return;
    if (request.method !== 'GET' && request.method !== 'HEAD') assertSameOrigin(request);
    if (PUBLIC_API.has(`${request.method} ${path}`)) return;
    // Background refreshes (list reloads after a socket event) must not keep an idle counter signed in.
    const session = sessions.resolve(sessionTokenFrom(request.headers), request.headers['x-background'] !== '1');
    if (!session) throw new ApplianceError(AuthErrorCodes.Required, 'sign in first: there is no session, or it ended after inactivity');
    request.officer = session.officer;
  });

  await app.register(authRoutes, { officers, sessions, store: opts.store, lockout: opts.lockout ?? DEFAULT_LOCKOUT, officeCode: opts.officeCode, now, logger });
  await app.register(officerRoutes, { officers, sessions, store: opts.store });
  return handle;
}

/**
 * CSRF guard: a browser always sends Origin on a cross-site POST; it must name this appliance. Requests without
 * Origin (curl, the technicians' CLI, tests) are not from a web page and pass; the cookie is still required.
 */
function assertSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const host = request.headers.host;
  if (host && (origin === `http://${host}` || origin === `https://${host}`)) return;
  throw new ApplianceError(AuthErrorCodes.ForeignOrigin, 'this request came from a page that is not the appliance');
}
