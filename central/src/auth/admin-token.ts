/**
 * The optional machine credential for admin routes (CENTRAL_ADMIN_TOKEN), for provisioning scripts
 * that cannot hold a staff session. One length rule for every way it enters the central (main.ts,
 * build() options, the enrolment settings): at least 32 characters, or the central refuses to start.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CentralErrorCodes, centralError } from '../errors.ts';

export const ADMIN_TOKEN_MIN_LENGTH = 32;

/** undefined or '' = no token (admin routes need an admin session); shorter than 32 = CONFIG_INVALID. */
export function validateAdminToken(token: string | undefined, source = 'CENTRAL_ADMIN_TOKEN'): string | undefined {
  if (token === undefined || token === '') return undefined;
  if (token.length < ADMIN_TOKEN_MIN_LENGTH) {
    throw centralError(
      CentralErrorCodes.ConfigInvalid,
      `${source} must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters (it has ${token.length}); make one with: openssl rand -base64 33`,
    );
  }
  return token;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison of a presented bearer token; the token's length does not leak either. */
export function adminTokenMatcher(token: string): (presented: string | undefined) => boolean {
  const expected = digest(token);
  return (presented) => presented !== undefined && timingSafeEqual(digest(presented), expected);
}

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v || !/^Bearer /i.test(v)) return undefined;
  const t = v.slice(7).trim();
  return t === '' ? undefined : t;
}
