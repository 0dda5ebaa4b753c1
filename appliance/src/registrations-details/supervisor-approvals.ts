/**
 * A supervisor approves one action on the officer's screen without taking over the officer's session: they
 * type their id and PIN on a modal, the appliance checks the PIN (with the same lockout as sign-in, so the
 * modal is no way round it) and hands back a short-lived, single-use token bound to that registration and to
 * the officer's session. The approving request carries it in `x-supervisor-approval`.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { requireOfficer } from '../auth/index.ts';
import type { RequireRole } from '../http/fingerprint-routes.ts';

export const APPROVAL_HEADER = 'x-supervisor-approval';
/** Long enough to tap "approve" after signing; short enough that a token left behind is useless. */
export const APPROVAL_TTL_MS = 2 * 60_000;
const MAX_OUTSTANDING = 100;

interface Approval {
  supervisorId: string;
  /** The officer whose session asked for it: no other session can spend it. */
  officerId: string;
  registrationId: string;
  expiresAt: number;
}

export class SupervisorApprovals {
  readonly #tokens = new Map<string, Approval>();
  readonly #now: () => number;

  constructor(now: () => Date = () => new Date()) {
    this.#now = () => now().getTime();
  }

  issue(a: Omit<Approval, 'expiresAt'>): { token: string; expiresAt: string } {
    this.#sweep();
    if (this.#tokens.size >= MAX_OUTSTANDING) this.#tokens.delete(this.#tokens.keys().next().value as string);
    const token = randomBytes(24).toString('base64url');
    const expiresAt = this.#now() + APPROVAL_TTL_MS;
    this.#tokens.set(token, { ...a, expiresAt });
    return { token, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** Spends the token (single use). APPROVAL_INVALID when unknown, expired, or for another registration or session. */
  consume(token: string, officerId: string, registrationId: string): { supervisorId: string } {
    const a = this.#tokens.get(token);
    this.#tokens.delete(token);
    if (!a || a.expiresAt < this.#now() || a.officerId !== officerId || a.registrationId !== registrationId) {
      throw new ApplianceError(ApplianceErrors.APPROVAL_INVALID.code, "the supervisor's approval has expired or is not for this registration: ask them to sign the approval again");
    }
    return { supervisorId: a.supervisorId };
  }

  #sweep(): void {
    const now = this.#now();
    for (const [token, a] of this.#tokens) if (a.expiresAt < now) this.#tokens.delete(token);
  }
}

/**
 * The fingerprint routes' approval check (fingerprint-routes.ts RequireRole): a signed-in supervisor approves
 * as before; an officer's request approves with a supervisor's token for this registration.
 */
export function requireRoleOrApproval(approvals: SupervisorApprovals): RequireRole {
  return (request: FastifyRequest, role) => {
    const officer = requireOfficer(request);
    if (officer.role === role) return { officerId: officer.officerId };
    const token = request.headers[APPROVAL_HEADER];
    if (typeof token !== 'string' || token.length === 0) {
      throw new ApplianceError(ApplianceErrors.AUTH_FORBIDDEN.code, `this needs a ${role}'s approval: ask a ${role} to approve it on this screen`);
    }
    const registrationId = (request.params as { id?: string } | undefined)?.id ?? '';
    return { officerId: approvals.consume(token, officer.officerId, registrationId).supervisorId };
  };
}
