/**
 * The browser side of the central's JSON routes, for its console (central/console/src/api.ts): same origin, the
 * session cookie, JSON in and out, and a refusal turned into an ApiError with the code of the error body every route
 * answers with ({ statusCode, code, message }). Uses only `fetch`. The officer UI keeps its own client (ui/src/api.ts):
 * the design lets the UI import types only from other packages (tests/architecture.test.ts).
 */

/** A refused or unanswered request: the HTTP status (0 = no answer), the error code and message, the whole body. */
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

export interface JsonClientOptions {
  /** The message of the NETWORK error when the service does not answer. */
  unreachable: string;
  /** The session route itself: an AUTH_REQUIRED from it is an answer, not a lost session. */
  isSessionRoute: (path: string) => boolean;
}

export interface JsonRequestOptions {
  headers?: Record<string, string>;
  /** Sent even while the page unloads. */
  keepalive?: boolean;
}

export interface JsonClient {
  request<T>(method: string, path: string, body?: unknown, opts?: JsonRequestOptions): Promise<T>;
  /** Called when a request is refused for a missing or ended session (AUTH_REQUIRED). */
  whenSessionLost(handler: () => void): void;
  /** The session is known to be gone by other means (e.g. a dropped live socket): same as a refused request. */
  sessionLost(): void;
}

export function jsonClient(o: JsonClientOptions): JsonClient {
  let onSessionLost: () => void = () => {};
  return {
    async request<T>(method: string, path: string, body?: unknown, opts: JsonRequestOptions = {}): Promise<T> {
      const headers: Record<string, string> = { ...opts.headers };
      if (body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await fetch(path, { method, headers, credentials: 'same-origin', ...(opts.keepalive ? { keepalive: true } : {}), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      } catch {
        throw new ApiError(0, 'NETWORK', o.unreachable);
      }
      if (res.status === 204) return undefined as T;
      const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (!res.ok) {
        const code = typeof data.code === 'string' ? data.code : `HTTP_${res.status}`;
        if (code === 'AUTH_REQUIRED' && !o.isSessionRoute(path)) onSessionLost();
        throw new ApiError(res.status, code, typeof data.message === 'string' ? data.message : res.statusText, data);
      }
      return data as T;
    },
    whenSessionLost(handler) {
      onSessionLost = handler;
    },
    sessionLost() {
      onSessionLost();
    },
  };
}
