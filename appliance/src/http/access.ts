import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import type { OfficerRole } from '../auth/officers.ts';
import type { SessionOfficer } from '../auth/sessions.ts';

/**
 * Who may call a route, declared in its options (`config: { access }`) and checked on the route the router
 * MATCHED (`request.routeOptions`), never on the URL text: `/%61pi/x`, `//api/x`, absolute-form targets and the
 * like reach the same route and therefore the same check.
 * - `public`: anyone (sign-in, the UI's files, /healthz, /docs).
 * - `kiosk`: the counter's own screen — a request whose TCP peer is this machine (the kiosk browser runs on the
 *   appliance) — or any signed-in staff member. For what a stranger on the office network must not read but the
 *   sign-in screen needs before anyone is signed in (the list of this office's officers).
 * - `officer`: any signed-in staff member (officer, supervisor or technician).
 * - a role or a list of roles: only those.
 */
export type Access = 'public' | 'kiosk' | 'officer' | OfficerRole | readonly OfficerRole[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

/** Roles an access declaration admits; null for public. */
export function rolesFor(access: Access): readonly OfficerRole[] | null {
  if (access === 'public') return null;
  if (access === 'officer' || access === 'kiosk') return ['officer', 'supervisor', 'technician'];
  return typeof access === 'string' ? [access] : access;
}

export interface DeclaredRoute {
  method: string;
  url: string;
  access: Access | undefined;
}

/**
 * Collects every route as it is added and refuses to let the server become ready while one lacks an access
 * declaration (deny by default: a forgotten declaration is a start-up failure, not an open route).
 * Returns the route list, filled at ready(), for tests that try every route.
 */
export function enforceAccessDeclarations(app: FastifyInstance): DeclaredRoute[] {
  const routes: { options: RouteOptions }[] = [];
  app.addHook('onRoute', (options) => {
    routes.push({ options });
  });
  const declared = (): DeclaredRoute[] =>
    routes.flatMap(({ options }) =>
      (Array.isArray(options.method) ? options.method : [options.method]).map((method) => ({
        method: String(method),
        url: options.url,
        access: options.config?.access,
      })),
    );
  const list: DeclaredRoute[] = [];
  app.addHook('onReady', async () => {
    list.splice(0, list.length, ...declared());
    const missing = list.filter((r) => r.access === undefined);
    if (missing.length > 0) {
      throw new Error(`routes without an access declaration (config.access): ${missing.map((r) => `${r.method} ${r.url}`).join(', ')}`);
    }
  });
  return list;
}

/**
 * Stamps `public` on every route a third-party plugin adds inside `scope` (e.g. the OpenAPI viewer's files),
 * so the declaration is explicit in one place rather than a URL-prefix exception in the check.
 */
export function declarePluginRoutesPublic(scope: FastifyInstance): void {
  scope.addHook('onRoute', (options) => {
    options.config = { ...(options.config ?? {}), access: options.config?.access ?? 'public' };
  });
}

export interface AccessCheckDeps {
  /** The officer of the request's session cookie, or null; `touch` counts the request as activity. */
  resolveOfficer(request: FastifyRequest): SessionOfficer | null;
}

/** The TCP peer is this machine (IPv4 127/8, IPv6 ::1, or IPv4-mapped loopback). The socket's address, never a header. */
export function isLoopbackPeer(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/** The one guard: runs as an onRequest hook on the root, after the Host/Origin checks. */
export function accessHook(deps: AccessCheckDeps) {
  return async (request: FastifyRequest): Promise<void> => {
    if (request.is404) return; // the not-found handler answers 404 and carries no data
    const access = request.routeOptions.config?.access;
    if (access === undefined) {
      // Unreachable while enforceAccessDeclarations guards start-up; deny rather than trust.
      throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'no such route');
    }
    const roles = rolesFor(access);
    if (roles === null) return;
    if (access === 'kiosk' && isLoopbackPeer(request.socket.remoteAddress)) return;
    const officer = deps.resolveOfficer(request);
    if (!officer) throw new ApplianceError(ApplianceErrors.AUTH_REQUIRED.code, 'sign in first: there is no session, or it ended after inactivity');
    if (!roles.includes(officer.role)) {
      throw new ApplianceError(ApplianceErrors.AUTH_FORBIDDEN.code, `this needs the ${roles.join(' or ')} role; you are signed in as ${officer.role}`);
    }
    request.officer = officer;
  };
}
