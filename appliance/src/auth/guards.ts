import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import type { OfficerRole } from './officers.ts';
import type { SessionOfficer } from './sessions.ts';

/** The signed-in officer of a request, or AUTH_REQUIRED. Routes take officer identity from here, never the body. */
export function requireOfficer(request: FastifyRequest): SessionOfficer {
  if (!request.officer) throw new ApplianceError(ApplianceErrors.AUTH_REQUIRED.code, 'sign in first');
  return request.officer;
}

/** preHandler for routes limited to some roles. */
export function requireRole(...roles: OfficerRole[]): preHandlerAsyncHookHandler {
  return async (request) => {
    const officer = requireOfficer(request);
    if (!roles.includes(officer.role)) {
      throw new ApplianceError(ApplianceErrors.AUTH_FORBIDDEN.code, `this needs the ${roles.join(' or ')} role; you are signed in as ${officer.role}`);
    }
  };
}

