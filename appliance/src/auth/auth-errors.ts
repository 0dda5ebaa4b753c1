/**
 * Coded errors of the sign-in layer. The HTTP status for each lives in http/error-handler.ts (one place);
 * the UI translates by code, never by message text.
 */
export const AuthErrorCodes = {
  /** No session cookie, or the session ended (idle logout, sign-out, restart). */
  Required: 'AUTH_REQUIRED',
  /** Wrong officer id or PIN. Deliberately one code for both. */
  InvalidCredentials: 'AUTH_INVALID_CREDENTIALS',
  /** Too many wrong PINs: the officer is locked until `lockedUntil`. */
  Locked: 'AUTH_LOCKED',
  /** Signed in, but the role may not do this. */
  Forbidden: 'AUTH_FORBIDDEN',
  /** A state-changing request from a page that is not the appliance's own (CSRF). */
  ForeignOrigin: 'AUTH_FOREIGN_ORIGIN',
  /** A Host header that does not name this appliance (DNS rebinding: a foreign name resolving to 127.0.0.1). */
  ForeignHost: 'AUTH_FOREIGN_HOST',
  /** A new PIN that breaks the PIN rules. */
  WeakPin: 'AUTH_WEAK_PIN',
  /** Creating an officer whose id exists. */
  OfficerExists: 'AUTH_OFFICER_EXISTS',
  /** Too many sign-in attempts (from this client, for this officer at once, or with unknown ids); see Retry-After. */
  RateLimited: 'AUTH_RATE_LIMITED',
  /** PIN verification is saturated (a flood): refused at once, nothing counted; see Retry-After. */
  Busy: 'AUTH_BUSY',
} as const;

export type AuthErrorCode = (typeof AuthErrorCodes)[keyof typeof AuthErrorCodes];

/** Lines to merge into STATUS_BY_CODE in http/error-handler.ts. */
export const AUTH_STATUS_BY_CODE: Readonly<Record<AuthErrorCode, number>> = {
  AUTH_REQUIRED: 401,
  AUTH_INVALID_CREDENTIALS: 401,
  AUTH_LOCKED: 423,
  AUTH_FORBIDDEN: 403,
  AUTH_FOREIGN_ORIGIN: 403,
  AUTH_FOREIGN_HOST: 421,
  AUTH_WEAK_PIN: 400,
  AUTH_OFFICER_EXISTS: 409,
  AUTH_RATE_LIMITED: 429,
  AUTH_BUSY: 503,
};
