/**
 * Deny-by-default access control, decided on the MATCHED route, never on the URL text: every route
 * declares `config: { centralAccess }`; an onRoute hook makes the app refuse to become ready (ready(),
 * listen(), inject() reject) when one does not; one onRequest hook reads
 * `request.routeOptions.config.centralAccess` and lets the request through or answers 401/403. A URL
 * spelled differently (%61pi, absolute-form, ../) either matches the same route, and so gets the
 * same check, or matches none and gets 404.
 *
 * Levels:
 * - public:          anyone (sign-in, sign-out, the central's clock);
 * - device:          the route authenticates an appliance itself (Ed25519 signature or enrolment
 *                    code) in its own onRequest/preParsing hooks: batches, reference pulls, enrolment;
 * - staff:           any signed-in staff member;
 * - statistician:    statistician or admin;
 * - auditor:         auditor or admin;
 * - admin:           an admin session;
 * - admin-or-token:  an admin session or the admin bearer token (provisioning scripts).
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, FastifyTypeProvider, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '../db/db.ts';
import { CentralErrorCodes, centralError } from '../errors.ts';
import { adminTokenMatcher, bearerToken } from './admin-token.ts';
import { hashSessionToken, readCookie } from './session-token.ts';
import { type SessionTimes, type StaffMember, type StaffRole, touchSession } from './staff-store.ts';

export const ROUTE_ACCESS = ['public', 'device', 'staff', 'statistician', 'auditor', 'admin', 'admin-or-token'] as const;
export type RouteAccess = (typeof ROUTE_ACCESS)[number];

const ROLES: Record<Exclude<RouteAccess, 'public' | 'device'>, readonly StaffRole[]> = {
  staff: ['admin', 'statistician', 'auditor'],
  statistician: ['statistician', 'admin'],
  auditor: ['auditor', 'admin'],
  admin: ['admin'],
  'admin-or-token': ['admin'],
};

export type SignedInStaff = StaffMember & { expiresAt: Date };

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Who may call this central route (central/src/auth/access.ts). Required on every central route.
     * Not `access`: the appliance declares that key with its own officer roles, and both share one type.
     */
    centralAccess?: RouteAccess;
  }
  interface FastifyRequest {
    /** The signed-in staff member, set by the access hook on staff routes. */
    staff: SignedInStaff | null;
    /** True when an admin-or-token route was called with the admin bearer token. */
    viaAdminToken: boolean;
  }
}

export interface AccessControlOptions {
  db: Db;
  cookieName: string;
  sessionTimes: SessionTimes;
  adminToken: string | undefined;
  now: () => Date;
}

function isRouteAccess(v: unknown): v is RouteAccess {
  return typeof v === 'string' && (ROUTE_ACCESS as readonly string[]).includes(v);
}

/** The staff member behind the request's session cookie, if any (refreshes the idle clock). */
export async function sessionStaff(request: FastifyRequest, o: AccessControlOptions): Promise<SignedInStaff | undefined> {
  const token = readCookie(request.headers.cookie, o.cookieName);
  return token === undefined ? undefined : touchSession(o.db, hashSessionToken(token), o.now(), o.sessionTimes);
}

export function installAccessControl<L extends FastifyBaseLogger, P extends FastifyTypeProvider>(
  app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, L, P>,
  o: AccessControlOptions,
): void {
  const tokenMatches = o.adminToken ? adminTokenMatcher(o.adminToken) : () => false;
  app.decorateRequest('staff', null);
  app.decorateRequest('viaAdminToken', false);

  app.addHook('onRoute', (route) => {
    const access = (route.config as { centralAccess?: unknown } | undefined)?.centralAccess;
    if (!isRouteAccess(access)) {
      throw centralError(
        CentralErrorCodes.RouteAccessUndeclared,
        `Route ${String(route.method)} ${route.url} declares no access: add config: { centralAccess: ${ROUTE_ACCESS.map((a) => `'${a}'`).join(' | ')} }`,
      );
    }
  });

  app.addHook('onRequest', async (request) => {
    // The not-found handler answers 404 and serves nothing.
    if (request.is404) return;
    const access = request.routeOptions.config.centralAccess;
    if (access === 'public' || access === 'device') return;
    if (!isRouteAccess(access)) throw centralError(CentralErrorCodes.AccessDenied, 'This route is not open to anyone');
    if (access === 'admin-or-token' && tokenMatches(bearerToken(request.headers.authorization))) {
      request.viaAdminToken = true;
      return;
    }
    const staff = await sessionStaff(request, o);
    if (!staff) throw centralError(CentralErrorCodes.AuthRequired, 'Sign in first (POST /api/v1/auth/sign-in)');
    if (!ROLES[access].includes(staff.role)) {
      throw centralError(CentralErrorCodes.AccessDenied, `Your role (${staff.role}) does not give access to this route`, { username: staff.username });
    }
    request.staff = staff;
  });
}
