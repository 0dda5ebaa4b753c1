import { type CodeOf, declareErrors } from '@lmc/core/errors.ts';

/**
 * Coded errors of the sign-in layer, declared once with their HTTP status; the UI translates by code,
 * never by message text. `expose` names the context members a refusal carries in its body.
 */
export const AuthErrors = declareErrors({
  /** No session cookie, or the session ended (idle logout, sign-out, restart). */
  AUTH_REQUIRED: { status: 401 },
  /** Wrong officer id or PIN. Deliberately one code for both. */
  AUTH_INVALID_CREDENTIALS: { status: 401, expose: ['attemptsLeft'] },
  /** Too many wrong PINs: the officer is locked until `lockedUntil` (`scope`: this terminal or every terminal). */
  AUTH_LOCKED: { status: 423, expose: ['lockedUntil', 'scope'] },
  /** Signed in, but the role may not do this. */
  AUTH_FORBIDDEN: { status: 403, messageKey: 'error.AUTH_FORBIDDEN' },
  /** A state-changing request from a page that is not the appliance's own (CSRF). */
  AUTH_FOREIGN_ORIGIN: { status: 403 },
  /** A Host header that does not name this appliance (DNS rebinding: a foreign name resolving to 127.0.0.1). */
  AUTH_FOREIGN_HOST: { status: 421 },
  /** A new PIN that breaks the PIN rules. */
  AUTH_WEAK_PIN: { status: 400 },
  /** Creating an officer whose id exists. */
  AUTH_OFFICER_EXISTS: { status: 409 },
  /** Too many sign-in attempts (from this client, for this officer at once, or with unknown ids); see Retry-After. */
  AUTH_RATE_LIMITED: { status: 429, expose: ['retryAfterS'] },
  /** PIN verification is saturated (a flood): refused at once, nothing counted; see Retry-After. */
  AUTH_BUSY: { status: 503, expose: ['retryAfterS'] },
});

export type AuthErrorCode = CodeOf<typeof AuthErrors>;
