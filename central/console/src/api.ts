/** HTTP client of the console: same origin as the central, the staff session cookie, coded errors (protocol/src/json-client.ts). */
import { ApiError, jsonClient } from '@lmc/protocol/json-client.ts';

export { ApiError };

const client = jsonClient({ unreachable: 'The central did not answer', isSessionRoute: (path) => path.endsWith('/auth/session') });

/** Called when a request is refused for a missing or ended session. */
export const whenSessionLost: (handler: () => void) => void = client.whenSessionLost;

export const api = <T>(method: string, path: string, body?: unknown): Promise<T> => client.request<T>(method, path, body);

/** A query string from the defined values, in the order given. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export type StaffRole = 'admin' | 'statistician' | 'auditor';

export interface Session {
  username: string;
  role: StaffRole;
  displayName: string | null;
  expiresAt: string;
  idleTimeoutSeconds: number;
}

export const errorText = (err: unknown): string =>
  err instanceof ApiError ? `${err.message} (${err.code})` : err instanceof Error ? err.message : String(err);
