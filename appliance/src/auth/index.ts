/** Officer sign-in, sessions and role checks: the public surface of the auth module. */
export { type AuthHandle, type AuthOptions, type AuthSettings, registerAuth } from './auth-plugin.ts';
export { DEFAULT_LOCKOUT, type LockoutPolicy } from './authenticator.ts';
export { SESSION_COOKIE, sessionTokenFrom } from './cookies.ts';
export { requireOfficer, requireRole } from './guards.ts';
export { OFFICERS_MIGRATION_NAME, officersSchema } from './officer-schema.ts';
export { type Officer, type OfficerRole, ROLES } from './officers.ts';
export { hashPin, pinProblem, verifyPin } from './pin-hash.ts';
export { FIRST_SUPERVISOR_FILE, type SupervisorSeed, authSettingsFromEnv } from './seed.ts';
export type { SessionOfficer } from './sessions.ts';
