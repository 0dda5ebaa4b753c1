/** HTTP client of the officer UI: same origin, cookie session, coded errors. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let onSessionLost: () => void = () => {};
/** Called when any request is refused for a missing or ended session (idle logout on the server). */
export function whenSessionLost(handler: () => void): void {
  onSessionLost = handler;
}

/** The live socket was dropped by the appliance and the session is gone: same as a refused request. */
export function reportSessionLost(): void {
  onSessionLost();
}

export interface RequestOptions {
  /** Automatic refreshes: the server does not count them as officer activity. */
  background?: boolean;
  /** Extra headers (e.g. x-supervisor-approval). */
  headers?: Record<string, string>;
  /** Sent even while the page unloads (autosave on reload or close). */
  keepalive?: boolean;
}

export async function api<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...opts.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (opts.background) headers['x-background'] = '1';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(opts.keepalive ? { keepalive: true } : {}), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the appliance did not answer');
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const code = typeof data.code === 'string' ? data.code : `HTTP_${res.status}`;
    if (code === 'AUTH_REQUIRED' && path !== '/api/auth/session') onSessionLost();
    throw new ApiError(res.status, code, typeof data.message === 'string' ? data.message : res.statusText, data);
  }
  return data as T;
}
