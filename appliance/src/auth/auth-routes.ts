import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { Logger } from '@lmc/core/logger.ts';
import { errorBody } from '../http/error-handler.ts';
import { ErrorSchema } from '../http/schemas.ts';
import type { Store } from '../store/index.ts';
import { type ApplianceErrorCode, ApplianceErrors } from '../errors.ts';
import { type LockoutPolicy, describeSignInPolicy, registerSignInGuard } from './authenticator.ts';
import { clearedSessionCookie, sessionCookie, sessionTokenFrom } from './cookies.ts';
import type { OfficerRepository } from './officers.ts';
import { PIN_MAX_LENGTH } from './pin-hash.ts';
import type { Session, SessionStore } from './sessions.ts';
import { retryAfterSeconds } from './sign-in-limiter.ts';

export interface AuthRoutesOptions {
  officers: OfficerRepository;
  sessions: SessionStore;
  store: Store;
  lockout: LockoutPolicy;
  officeCode: string;
  now: () => Date;
  logger: Logger;
}

export const OfficerIdSchema = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9._-]+$' });
export const RoleSchema = Type.Union([Type.Literal('officer'), Type.Literal('supervisor'), Type.Literal('technician')]);
const SessionOfficerSchema = Type.Object({ officerId: Type.String(), displayName: Type.String(), role: RoleSchema });
const SessionSchema = Type.Object({
  officer: SessionOfficerSchema,
  officeCode: Type.String({ description: 'the post this appliance serves' }),
  idleTimeoutMs: Type.Integer({ description: 'the UI shows its countdown before this much inactivity' }),
  expiresAt: Type.String({ description: 'when the session ends if there is no further activity' }),
});
const SignInRefused = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  message: Type.String(),
  attemptsLeft: Type.Optional(Type.Integer()),
  lockedUntil: Type.Optional(Type.String()),
  /** 423: "terminal" (this client address only) or "officer" (every terminal). */
  scope: Type.Optional(Type.String()),
  /** 429/503: seconds to wait, as in the Retry-After header. */
  retryAfterS: Type.Optional(Type.Integer()),
});

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, opts) => {
  const { officers, sessions, store, lockout, now } = opts;
  // Lockout, reservations, rate limits and verification lanes (authenticator.ts), shared with the approval modal.
  const signInGuard = registerSignInGuard({ officers, policy: lockout, now, audit: (e) => store.audit.append(e), logger: opts.logger });
  app.addHook('onClose', async () => signInGuard.flushUnknownIds());
  const describe = (s: Session) => ({
    officer: s.officer,
    officeCode: opts.officeCode,
    idleTimeoutMs: sessions.options.idleTimeoutMs,
    expiresAt: new Date(sessions.expiresAt(s)).toISOString(),
  });
  const audit = (actor: string, action: string, officerId: string, details: Record<string, unknown>) =>
    store.audit.append({ actor, action, entityType: 'officer', entityId: officerId, details });

  // Sign-in refusals are answered here, not thrown: a flood of them costs no stack trace and no error log.
  // Status and body members still come from the codes' declarations (errors.ts), as the error handler's do.
  const refuse = (reply: FastifyReply, code: ApplianceErrorCode, message: string, context: Record<string, unknown> = {}) => {
    const body = errorBody(code, message, context);
    return reply.status(body.statusCode).send(body);
  };
  const retryLater = (reply: FastifyReply, reason: 'rate-limited' | 'busy', retryAfterMs: number) => {
    const retryAfterS = retryAfterSeconds(retryAfterMs);
    reply.header('retry-after', String(retryAfterS));
    return reason === 'busy'
      ? refuse(reply, ApplianceErrors.AUTH_BUSY.code, `The appliance is checking many sign-ins at once; try again in ${retryAfterS} s.`, { retryAfterS })
      : refuse(reply, ApplianceErrors.AUTH_RATE_LIMITED.code, `Too many sign-in attempts; try again in ${retryAfterS} s.`, { retryAfterS });
  };

  app.post(
    '/api/auth/sign-in',
    {
      config: { access: 'public' },
      // A client over its limit is refused before its body is read: a flood costs the least work possible.
      onRequest: async (request, reply) => {
        const over = signInGuard.precheck(request.ip);
        if (over) return retryLater(reply, 'rate-limited', over.retryAfterMs);
      },
      schema: {
        summary: 'Officer sign-in with officer id and PIN; sets the HttpOnly session cookie',
        description: describeSignInPolicy(signInGuard),
        tags: ['auth'],
        body: Type.Object(
          { officerId: OfficerIdSchema, pin: Type.String({ minLength: 1, maxLength: PIN_MAX_LENGTH }) },
          { additionalProperties: false },
        ),
        response: { 200: SessionSchema, 400: ErrorSchema, 401: SignInRefused, 423: SignInRefused, 429: SignInRefused, 503: SignInRefused },
      },
    },
    async (request, reply) => {
      const officerId = request.body.officerId.toUpperCase();
      // Audit rows are the guard's: it writes them only for known officer ids, and a full disk never fails a sign-in.
      const result = await signInGuard.signIn(officerId, request.body.pin, request.ip);
      if (result.ok) {
        const { token, session } = sessions.create(result.officer);
        return reply.header('set-cookie', sessionCookie(token)).send(describe(session));
      }
      switch (result.reason) {
        case 'locked':
          return refuse(
            reply,
            ApplianceErrors.AUTH_LOCKED.code,
            result.scope === 'terminal'
              ? `Too many wrong PINs from this terminal: officer ${officerId} is locked here until ${result.lockedUntil}. A supervisor can unlock it.`
              : `Too many wrong PINs: officer ${officerId} is locked until ${result.lockedUntil}. A supervisor can unlock it.`,
            { lockedUntil: result.lockedUntil, scope: result.scope },
          );
        case 'rate-limited':
        case 'busy':
          return retryLater(reply, result.reason, result.retryAfterMs);
        default:
          return refuse(reply, ApplianceErrors.AUTH_INVALID_CREDENTIALS.code, 'Wrong officer id or PIN.', { attemptsLeft: result.attemptsLeft });
      }
    },
  );

  app.post(
    '/api/auth/sign-out',
    { config: { access: 'officer' }, schema: { summary: 'End the session', tags: ['auth'], response: { 204: Type.Null() } } },
    async (request, reply) => {
      const officer = request.officer;
      sessions.revoke(sessionTokenFrom(request.headers));
      if (officer) {
        try {
          audit(officer.officerId, 'auth.sign-out', officer.officerId, {});
        } catch (err) {
          // The session is already over: a full disk must not turn a sign-out into an error the officer sees.
          request.log.error({ code: (err as { code?: string }).code, action: 'auth.sign-out' }, 'audit append failed');
        }
      }
      return reply.status(204).header('set-cookie', clearedSessionCookie()).send(null);
    },
  );

  app.get(
    '/api/auth/officers',
    {
      config: { access: 'kiosk' },
      schema: {
        summary: 'The officers who may sign in at this post (the sign-in screen lists them: one tap, then the PIN)',
        description: 'Active officers only; names and ids, nothing about roles, PINs or locks. Answered to the kiosk screen on the appliance itself (loopback peer) and to signed-in staff; anyone else on the network gets 401.',
        tags: ['auth'],
        response: { 200: Type.Object({ officeCode: Type.String(), items: Type.Array(Type.Object({ officerId: Type.String(), displayName: Type.String() })) }) },
      },
    },
    async () => ({
      officeCode: opts.officeCode,
      items: officers
        .list()
        .filter((o) => o.active)
        .map((o) => ({ officerId: o.officerId, displayName: o.displayName }))
        .sort((a, b) => a.displayName.localeCompare(b.displayName)),
    }),
  );

  app.get(
    '/api/auth/session',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'The signed-in officer; also the UI keep-alive (unless sent with x-background: 1)',
        tags: ['auth'],
        response: { 200: SessionSchema, 401: ErrorSchema },
      },
    },
    async (request) => {
      const session = sessions.resolve(sessionTokenFrom(request.headers), false);
      // The onRequest hook has already refused a missing session; this is the same lookup, for the deadline.
      if (!session) throw new Error('session vanished between hook and handler');
      return describe(session);
    },
  );
};
