import type { IncomingHttpHeaders } from 'node:http';

export const SESSION_COOKIE = 'bp_session';

/** The session token from a Cookie header (RFC 6265 §5.4 syntax: `name=value; name=value`). */
export function sessionTokenFrom(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * HttpOnly (no script can read it), SameSite=Strict (no other site's page can send it), no Max-Age (gone when
 * the kiosk browser restarts). Not `Secure`: the appliance serves plain HTTP on its own loopback.
 */
export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}
