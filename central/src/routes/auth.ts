/**
 * Staff sign-in and accounts (fastify plugin):
 * - POST /api/v1/auth/sign-in {username, password}: sets the session cookie (auth/session-token.ts);
 * - POST /api/v1/auth/sign-out: ends the session named by the cookie, clears it (always 204);
 * - GET  /api/v1/auth/session: who is signed in, role, when the session ends;
 * - POST /api/v1/admin/staff {username, role, password, displayName?}: an admin creates an account.
 * The first admin comes from the command line (central/src/cli/create-staff.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AuthSettings } from '../auth/auth-settings.ts';
import { checkPasswordPolicy, PASSWORD_MAX_LENGTH, type PasswordHasher } from '../auth/passwords.ts';
import { clearedSessionCookie, hashSessionToken, newSessionToken, readCookie, sessionCookie } from '../auth/session-token.ts';
import { claimSignInAttempt, createSession, deleteSession, insertStaff, signInSucceeded, STAFF_ROLES, USERNAME_PATTERN } from '../auth/staff-store.ts';
import type { Db } from '../db/db.ts';
import { CentralErrorCodes, centralError } from '../errors.ts';
import { ErrorResponseSchema } from '@lmc/protocol/batch-schema.ts';

export const SIGN_IN_PATH = '/api/v1/auth/sign-in';
export const SIGN_OUT_PATH = '/api/v1/auth/sign-out';
export const SESSION_PATH = '/api/v1/auth/session';
export const STAFF_PATH = '/api/v1/admin/staff';

export interface AuthRoutesOptions {
  db: Db;
  hasher: PasswordHasher;
  settings: AuthSettings;
  cookieName: string;
  now: () => Date;
}

const Username = Type.String({ pattern: USERNAME_PATTERN, maxLength: 64, description: 'lower-case letters, digits, . _ -; 3 to 64' });
const Role = Type.Union([Type.Literal(STAFF_ROLES[0]), Type.Literal(STAFF_ROLES[1]), Type.Literal(STAFF_ROLES[2])]);
const SessionBody = Type.Object({
  username: Type.String(),
  role: Role,
  displayName: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.String({ description: 'the session ends then at the latest' }),
  idleTimeoutSeconds: Type.Integer({ description: 'and earlier after this long unused' }),
});

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, opts) => {
  const { db, hasher, settings, cookieName, now } = opts;
  const idleTimeoutSeconds = Math.floor(settings.session.idleMs / 1000);

  app.post(
    SIGN_IN_PATH,
    {
      config: { centralAccess: 'public', rateLimit: { max: settings.signInPerMinute, timeWindow: 60_000 } },
      schema: {
        body: Type.Object(
          // Any string as the name: a wrong name gets the same answer as a wrong password, not a schema lesson.
          { username: Type.String({ maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }) },
          { additionalProperties: false },
        ),
        response: { 200: SessionBody, '4xx': ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      const username = request.body.username.trim().toLowerCase();
      const { password } = request.body;
      const account = await hasher.withSlot(async () => {
        const claimed = await claimSignInAttempt(db, username, now(), settings.lockout);
        if (!claimed) return hasher.verifyNothingInSlot(password);
        return (await hasher.verifyInSlot(claimed.passwordHash, password)) ? claimed : false;
      });
      if (!account) {
        request.log.info({ username }, 'sign-in refused');
        throw centralError(CentralErrorCodes.SignInFailed, 'Sign-in failed: wrong name or password, or the account is locked for a while');
      }
      const at = now();
      await signInSucceeded(db, account.id, at);
      const token = newSessionToken();
      const expiresAt = await createSession(db, account.id, hashSessionToken(token), at, settings.session);
      request.log.info({ username: account.username, role: account.role }, 'signed in');
      void reply
        .header('set-cookie', sessionCookie(cookieName, token, settings.session.maxAgeMs / 1000, settings.secureCookie))
        .header('cache-control', 'no-store');
      return { username: account.username, role: account.role, displayName: account.displayName, expiresAt: expiresAt.toISOString(), idleTimeoutSeconds };
    },
  );

  app.post(
    SIGN_OUT_PATH,
    { config: { centralAccess: 'public' }, schema: { response: { 204: Type.Null(), '4xx': ErrorResponseSchema } } },
    async (request, reply) => {
      const token = readCookie(request.headers.cookie, cookieName);
      if (token !== undefined) await deleteSession(db, hashSessionToken(token));
      return reply.status(204).header('set-cookie', clearedSessionCookie(cookieName, settings.secureCookie)).send(null);
    },
  );

  app.get(
    SESSION_PATH,
    { config: { centralAccess: 'staff' }, schema: { response: { 200: SessionBody, '4xx': ErrorResponseSchema } } },
    async (request, reply) => {
      const staff = request.staff;
      if (!staff) throw centralError(CentralErrorCodes.AuthRequired, 'Sign in first');
      void reply.header('cache-control', 'no-store');
      return { username: staff.username, role: staff.role, displayName: staff.displayName, expiresAt: staff.expiresAt.toISOString(), idleTimeoutSeconds };
    },
  );

  app.post(
    STAFF_PATH,
    {
      config: { centralAccess: 'admin', rateLimit: { max: settings.staffRoutesPerMinute, timeWindow: 60_000 } },
      schema: {
        body: Type.Object(
          {
            username: Username,
            role: Role,
            password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
            displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ username: Type.String(), role: Role, displayName: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String() }),
          '4xx': ErrorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      const { username, role, password, displayName } = request.body;
      const weak = checkPasswordPolicy(password);
      if (weak) throw centralError(CentralErrorCodes.RequestInvalid, weak);
      const created = await insertStaff(
        db,
        { username, role, displayName, passwordHash: await hasher.hash(password), createdBy: request.staff?.username ?? 'admin-token' },
        now(),
      );
      request.log.info({ username, role, by: request.staff?.username }, 'staff account created');
      return reply.status(201).send({ username: created.username, role: created.role, displayName: created.displayName, createdAt: created.createdAt });
    },
  );
};
