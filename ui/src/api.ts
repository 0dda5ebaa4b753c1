/** HTTP client of the officer UI: same origin, cookie session, coded errors (protocol/src/json-client.ts). */
import { jsonClient } from '@lmc/protocol/json-client.ts';

export { ApiError } from '@lmc/protocol/json-client.ts';

const client = jsonClient({ unreachable: 'the appliance did not answer', isSessionRoute: (path) => path === '/api/auth/session' });

/** Called when any request is refused for a missing or ended session (idle logout on the server). */
export const whenSessionLost: (handler: () => void) => void = client.whenSessionLost;

/** The live socket was dropped by the appliance and the session is gone: same as a refused request. */
export const reportSessionLost: () => void = client.sessionLost;

export interface RequestOptions {
  /** Automatic refreshes: the server does not count them as officer activity. */
  background?: boolean;
  /** Extra headers (e.g. x-supervisor-approval). */
  headers?: Record<string, string>;
  /** Sent even while the page unloads (autosave on reload or close). */
  keepalive?: boolean;
}

export function api<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const headers = { ...opts.headers, ...(opts.background ? { 'x-background': '1' } : {}) };
  return client.request<T>(method, path, body, { headers, keepalive: opts.keepalive });
}
