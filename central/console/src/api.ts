/** HTTP client of the console: same origin as the central, the staff session cookie, coded errors. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let onSessionLost: () => void = () => {};
/** Called when a request is refused for a missing or ended session. */
export function whenSessionLost(handler: () => void): void {
  onSessionLost = handler;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The central did not answer');
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const code = typeof data.code === 'string' ? data.code : `HTTP_${res.status}`;
    if (code === 'AUTH_REQUIRED' && !path.endsWith('/auth/session')) onSessionLost();
    throw new ApiError(res.status, code, typeof data.message === 'string' ? data.message : res.statusText);
  }
  return data as T;
}

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
