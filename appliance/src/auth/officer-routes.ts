import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { orNotFound, routeOptions } from '../http/route-options.ts';
import { ErrorSchema } from '../http/schemas.ts';
import type { Store } from '../store/index.ts';
import { signInGuardFor } from './authenticator.ts';
import { requireOfficer } from './guards.ts';
import { OfficerIdSchema, RoleSchema } from './auth-routes.ts';
import type { OfficerRepository } from './officers.ts';
import { PIN_MAX_LENGTH, hashPin } from './pin-hash.ts';
import type { SessionStore } from './sessions.ts';

export interface OfficerRoutesOptions {
  officers: OfficerRepository;
  sessions: SessionStore;
  store: Store;
}

const OfficerSchema = Type.Object({
  officerId: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  active: Type.Boolean(),
  failedAttempts: Type.Integer(),
  lockedUntil: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  lastSignInAt: Type.Union([Type.String(), Type.Null()]),
});
const Pin = Type.String({ minLength: 1, maxLength: PIN_MAX_LENGTH });
const Params = Type.Object({ officerId: OfficerIdSchema });
const route = routeOptions({ tags: ['auth'], errors: { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 507: ErrorSchema } });

/** Officer management: supervisors create officers, unlock them and reset PINs; anyone changes their own PIN. */
export const officerRoutes: FastifyPluginAsyncTypebox<OfficerRoutesOptions> = async (app, opts) => {
  const { officers, sessions, store } = opts;
  const mustExist = (officerId: string) => {
    return orNotFound(officers.get(officerId), `no officer ${officerId}`);
  };

  app.get(
    '/api/officers',
    route('supervisor', { summary: 'Officers of this appliance (supervisor)', response: { 200: Type.Array(OfficerSchema) } }),
    // failedAttempts/lockedUntil: the officer-wide count, and the latest lock in force (officer-wide or at any terminal).
    async () => {
      const guard = signInGuardFor(officers);
      return officers.list().map((o) => ({ ...o, ...guard.currentLock(o) }));
    },
  );

  app.post(
    '/api/officers',
    route('supervisor', {
      summary: 'Create an officer (supervisor)',
      body: Type.Object(
        { officerId: OfficerIdSchema, displayName: Type.String({ minLength: 1, maxLength: 80 }), role: RoleSchema, pin: Pin },
        { additionalProperties: false },
      ),
      response: { 201: OfficerSchema },
    }),
    async (request, reply) => {
      const { displayName, role, pin } = request.body;
      const officerId = request.body.officerId.toUpperCase();
      const officer = officers.insert({ officerId, displayName, role, pinHash: await hashPin(pin) });
      try {
        store.audit.append({ actor: requireOfficer(request).officerId, action: 'officer.created', entityType: 'officer', entityId: officerId, details: { role } });
      } catch (err) {
        // No officer without its audit row (a full disk answers 507 with nothing created).
        officers.remove(officerId);
        throw err;
      }
      return reply.status(201).send(officer);
    },
  );

  app.post(
    '/api/officers/:officerId/unlock',
    route('supervisor', { summary: 'Lift a PIN lockout (supervisor)', description: 'Lifts every lock of the officer at once: officer-wide and at every terminal. A supervisor can unlock anyone, another supervisor included; when the only supervisor is locked, a technician can on the appliance (`appliance-provision unlock <officerId>`). Audited first: on a full disk nothing changes (507).', params: Params, response: { 204: Type.Null() } }),
    async (request, reply) => {
      const officer = mustExist(request.params.officerId.toUpperCase());
      const guard = signInGuardFor(officers);
      const before = guard.currentLock(officer);
      store.audit.append({ actor: requireOfficer(request).officerId, action: 'officer.unlocked', entityType: 'officer', entityId: officer.officerId, details: { lockedUntil: before.lockedUntil, failedAttempts: before.failedAttempts } });
      guard.unlock(officer.officerId);
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/api/officers/:officerId/pin',
    route('officer', { summary: "Set a PIN: your own, or anyone's as a supervisor. Ends the officer's other sessions", params: Params, body: Type.Object({ pin: Pin }, { additionalProperties: false }), response: { 204: Type.Null() } }),
    async (request, reply) => {
      const me = requireOfficer(request);
      const { officerId } = request.params;
      if (me.officerId !== officerId && me.role !== 'supervisor') {
        throw new ApplianceError(ApplianceErrors.AUTH_FORBIDDEN.code, 'only a supervisor can set another officer\'s PIN');
      }
      const previous = mustExist(officerId);
      officers.setPinHash(officerId, await hashPin(request.body.pin));
      try {
        store.audit.append({ actor: me.officerId, action: 'officer.pin-set', entityType: 'officer', entityId: officerId, details: {} });
      } catch (err) {
        // No PIN change without its audit row: the old hash and lock state back.
        officers.setPinHash(officerId, previous.pinHash);
        officers.setLockState(officerId, previous.failedAttempts, previous.lockedUntil);
        throw err;
      }
      // A new PIN lifts the lockout (the database row is already reset; the terminals' counts are in memory).
      signInGuardFor(officers).unlock(officerId);
      if (me.officerId !== officerId) sessions.revokeOfficer(officerId);
      return reply.status(204).send(null);
    },
  );
};
