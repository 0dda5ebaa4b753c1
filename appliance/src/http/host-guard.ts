import type { IncomingHttpHeaders } from 'node:http';
import { ApplianceError, ApplianceErrors } from '../errors.ts';

/** Names the appliance always answers to: its own browser reaches it on loopback. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'] as const;

/**
 * The host names the appliance answers to: loopback, the address it listens on (unless a wildcard) and any
 * configured extra names (a technician's laptop reaching it as 10.0.0.5 must be listed in server.allowedHosts).
 */
export function allowedHostNames(listenHost: string, extra: readonly string[] = []): Set<string> {
  const names = new Set<string>(LOOPBACK_HOSTS);
  if (!['0.0.0.0', '::', ''].includes(listenHost)) names.add(normaliseHostName(listenHost));
  for (const h of extra) names.add(normaliseHostName(h));
  return names;
}

/** Lower case, no trailing dot, no IPv6 brackets. */
function normaliseHostName(name: string): string {
  let n = name.trim().toLowerCase();
  if (n.startsWith('[') && n.endsWith(']')) n = n.slice(1, -1);
  if (n.endsWith('.')) n = n.slice(0, -1);
  return n;
}

/** The host name of a Host header value (`name`, `name:port`, `[v6]:port`), or null when it is not one. */
export function hostNameOfHeader(value: string | undefined): string | null {
  if (!value || value.length > 255) return null;
  try {
    const url = new URL(`http://${value}`);
    // A Host header with a path, credentials or query is not a host.
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return null;
    return normaliseHostName(url.hostname);
  } catch {
    return null;
  }
}

/** Whether an Origin URL names the same host and port as a Host header (default ports made explicit). */
function sameHostAndPort(origin: URL, hostHeader: string): boolean {
  try {
    const host = new URL(`${origin.protocol}//${hostHeader}`);
    return normaliseHostName(host.hostname) === normaliseHostName(origin.hostname) && host.port === origin.port;
  } catch {
    return false;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Checks Host and Origin of a request or socket.io handshake against the allow-list (DNS rebinding and CSRF).
 * - Host must name this appliance.
 * - An Origin, when present, must name an allowed host; on a state-changing method it must be this very origin.
 * - `Sec-Fetch-Site: cross-site` on a state-changing method is refused even without Origin.
 * Requests with neither header (curl, the technicians' CLI) pass; their session cookie is still required.
 */
export function checkHostAndOrigin(allowed: ReadonlySet<string>, method: string, headers: IncomingHttpHeaders): void {
  const host = hostNameOfHeader(headers.host);
  if (host === null || !allowed.has(host)) {
    throw new ApplianceError(ApplianceErrors.AUTH_FOREIGN_HOST.code, 'this appliance does not answer to that host name');
  }
  const unsafe = !SAFE_METHODS.has(method.toUpperCase());
  const origin = headers.origin;
  if (origin !== undefined) {
    let parsed: URL | null = null;
    try {
      parsed = origin === 'null' ? null : new URL(origin);
    } catch {
      parsed = null;
    }
    const originHost = parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:') ? normaliseHostName(parsed.hostname) : null;
    if (originHost === null || !allowed.has(originHost) || (unsafe && !sameHostAndPort(parsed as URL, headers.host ?? ''))) {
      throw new ApplianceError(ApplianceErrors.AUTH_FOREIGN_ORIGIN.code, 'this request came from a page that is not the appliance');
    }
  }
  if (unsafe && headers['sec-fetch-site'] === 'cross-site') {
    throw new ApplianceError(ApplianceErrors.AUTH_FOREIGN_ORIGIN.code, 'this request came from a page that is not the appliance');
  }
}
