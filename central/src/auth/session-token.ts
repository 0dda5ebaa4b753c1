/**
 * Session tokens and the cookie that carries them. The token is 256 random bits, opaque; the
 * database keeps its SHA-256 only (no slow hash needed: there is nothing to guess). The cookie is
 * HttpOnly (no script reads it) and SameSite=Strict (no other site's page can send it, which is the
 * CSRF defence together with JSON-only bodies). With Secure on, the name takes the __Host- prefix,
 * which browsers accept only from a secure origin, for Path=/ and without Domain.
 */
import { createHash, randomBytes } from 'node:crypto';

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(`zlmc-staff-session:${token}`, 'utf8').digest('hex');
}

export const SESSION_COOKIE = 'lmc_session';
export const SECURE_SESSION_COOKIE = '__Host-lmc_session';

export const sessionCookieName = (secure: boolean) => (secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE);

/** The value of one cookie from a Cookie header (RFC 6265 §5.4); undefined when absent or not a token. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    // Our tokens are base64url: anything else is not ours, and never reaches SQL or a log.
    return /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}

export function sessionCookie(name: string, token: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${name}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`, ...(secure ? ['Secure'] : [])].join(
    '; ',
  );
}

export function clearedSessionCookie(name: string, secure: boolean): string {
  return sessionCookie(name, '', 0, secure);
}
