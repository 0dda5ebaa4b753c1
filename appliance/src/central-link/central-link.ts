/**
 * The one HTTP link from the appliance to the central, shared by the relay (sync/central-client.ts) and reference
 * pulls (reference/client.ts): the central's URL checked once, one kept-alive connection (one undici
 * Client), named timeouts (connect: TCP + TLS handshake; response: until the headers, then between body
 * chunks), a bounded response body, and every network failure classified into an UnavailableReason. Nothing the
 * network does reaches a caller as an exception; what a status code means is each caller's business.
 *
 * TLS: https:// only, unless the development flag central.allowInsecureHttp is set. The certificate(s)
 * pinned at enrolment (<dataDir>/keys/central-tls.pem, keys/central-trust.ts) are the only trust
 * anchors: a pinned leaf is accepted by its exact fingerprint whatever name the URL uses; a pinned CA
 * must have issued the central's certificate for the URL's host name. Nothing pinned: the system's CAs.
 */
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { Client } from 'undici';
import { ApplianceError } from '../errors.ts';

type ErrorCode = ConstructorParameters<typeof ApplianceError>[0];

/** Why the central could not be reached or did not answer usably: retry later, the request is not at fault. */
export type UnavailableReason =
  | 'connect-refused'
  | 'connect-timeout'
  | 'connection-lost'
  | 'response-timeout'
  | 'server-error'
  | 'bad-response'
  /** The central's TLS certificate is not the pinned one (or not trusted): an on-path attacker, or a re-issued certificate. */
  | 'tls-untrusted'
  /** The answer is not signed by the pinned central key, or not for this request: never acted upon. */
  | 'bad-signature';

const NETWORK_REASONS: Record<string, UnavailableReason> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect-timeout',
  UND_ERR_HEADERS_TIMEOUT: 'response-timeout',
  UND_ERR_BODY_TIMEOUT: 'response-timeout',
  UND_ERR_SOCKET: 'connection-lost',
  UND_ERR_CLOSED: 'connection-lost',
  UND_ERR_DESTROYED: 'connection-lost',
  UND_ERR_ABORTED: 'connection-lost',
  ECONNREFUSED: 'connect-refused',
  EHOSTUNREACH: 'connect-refused',
  ENETUNREACH: 'connect-refused',
  ENOTFOUND: 'connect-refused',
  EAI_AGAIN: 'connect-refused',
  ETIMEDOUT: 'connect-timeout',
  ECONNRESET: 'connection-lost',
  EPIPE: 'connection-lost',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls-untrusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls-untrusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls-untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls-untrusted',
  CERT_HAS_EXPIRED: 'tls-untrusted',
  CERT_NOT_YET_VALID: 'tls-untrusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls-untrusted',
  ERR_SSL_WRONG_VERSION_NUMBER: 'tls-untrusted',
};

export function networkReason(err: unknown): UnavailableReason {
  const e = err as { code?: string; cause?: { code?: string } };
  return NETWORK_REASONS[e?.code ?? ''] ?? NETWORK_REASONS[e?.cause?.code ?? ''] ?? 'connection-lost';
}

/**
 * `central.url` with an endpoint path appended (a path prefix in the URL is kept); `invalidCode` names the
 * caller's error. http:// is refused unless `allowInsecureHttp` (the development flag) is set.
 */
export function parseCentralUrl(url: string, endpoint: string, invalidCode: ErrorCode, allowInsecureHttp = false): { origin: string; path: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ApplianceError(invalidCode, 'central.url is not a valid URL', {});
  }
  if (u.protocol === 'http:' && !allowInsecureHttp) {
    throw new ApplianceError(invalidCode, 'central.url must be https:// (plain http:// only with central.allowInsecureHttp, for development)', {});
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ApplianceError(invalidCode, 'central.url must be https://', {});
  }
  return { origin: u.origin, path: `${u.pathname.replace(/\/+$/, '')}${endpoint}` };
}

/** One or more PEM certificates from a pin file. */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * undici connect options that trust only the pinned certificates. A presented leaf equal to a pinned
 * certificate passes without a name check (it was pinned by fingerprint at enrolment); otherwise the
 * chain must end in a pinned CA and name the host, as usual.
 */
export function pinnedTls(pinnedPem: string): { ca: string[]; checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined } {
  const pinned = splitPem(pinnedPem);
  if (pinned.length === 0) throw new TypeError('pinnedTls: no PEM certificate');
  const fingerprints = new Set(pinned.map((c) => new X509Certificate(c).fingerprint256));
  return {
    ca: pinned,
    checkServerIdentity: (host, cert) => (fingerprints.has(cert.fingerprint256) ? undefined : checkServerIdentity(host, cert)),
  };
}

export interface CentralLinkOptions {
  url: string;
  /** The endpoint under central.url, e.g. /api/v1/batches. */
  endpoint: string;
  /** The caller's code for an unusable central.url. */
  invalidUrlCode: ErrorCode;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  /** How long the idle connection is kept open between requests (undici's default when absent). */
  keepAliveMs?: number;
  /** PEM certificate(s) pinned at enrolment; null/absent: the system's CAs. */
  pinnedTlsPem?: string | null;
  /** Development only: accept an http:// central.url. */
  allowInsecureHttp?: boolean;
  /** Requests in flight on the one connection (HTTP/1.1 pipelining, answers in order); default 1. */
  pipelining?: number;
}

/** What a client of the central reads from its configuration: where the central is, how long to wait, what is pinned. */
export interface CentralClientConfig {
  url: string;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  pinnedTlsPem?: string | null | undefined;
  allowInsecureHttp?: boolean | undefined;
}

/** A client's link options for one endpoint: its configuration, no TLS pin meaning the system's CAs, https only unless allowed. */
export function linkOptions(config: CentralClientConfig, endpoint: string, invalidUrlCode: ErrorCode): CentralLinkOptions {
  return {
    url: config.url,
    endpoint,
    invalidUrlCode,
    connectTimeoutMs: config.connectTimeoutMs,
    responseTimeoutMs: config.responseTimeoutMs,
    pinnedTlsPem: config.pinnedTlsPem ?? null,
    allowInsecureHttp: config.allowInsecureHttp ?? false,
  };
}

export interface LinkRequest {
  method: 'GET' | 'POST';
  /** Appended to the endpoint path (e.g. `?since=4&limit=500`). */
  suffix?: string;
  headers: Record<string, string>;
  body?: Buffer | Uint8Array | string;
  /** Largest body read. */
  maxBodyBytes: number;
  /** Past maxBodyBytes: 'truncate' keeps the first bytes (error bodies), 'refuse' answers bad-response. */
  overflow: 'truncate' | 'refuse';
  /** This request's response timeout (a large body on a slow link needs longer); default: the link's. */
  responseTimeoutMs?: number;
  /**
   * May go out while earlier requests on the connection are unanswered (HTTP/1.1 pipelining): undici's
   * idempotent + non-blocking. Without both, undici holds a POST until the one before it is answered, whatever
   * `pipelining` says. For batches: the central stores frozen records idempotently.
   */
  pipelined?: boolean;
}

export type LinkResponse =
  | { kind: 'response'; status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }
  | { kind: 'unavailable'; reason: UnavailableReason; status?: number; message: string };

export class CentralLink {
  readonly #client: Client;
  readonly #path: string;
  readonly #responseTimeoutMs: number;

  constructor(options: CentralLinkOptions) {
    const { origin, path } = parseCentralUrl(options.url, options.endpoint, options.invalidUrlCode, options.allowInsecureHttp ?? false);
    this.#path = path;
    this.#responseTimeoutMs = options.responseTimeoutMs;
    const tls = origin.startsWith('https:') && options.pinnedTlsPem ? pinnedTls(options.pinnedTlsPem) : undefined;
    // One undici Client, not a Pool of one: after a failed connect a Pool drops its client from the list while that
    // client still reconnects for the requests queued on it, and the next request opens a second connection
    // (nodejs/undici#3895). A Client is one connection, reconnected on demand.
    this.#client = new Client(origin, {
      ...(tls ? { connect: { ...tls, minVersion: 'TLSv1.2' as const } } : {}),
      pipelining: options.pipelining ?? 1,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.responseTimeoutMs,
      bodyTimeout: options.responseTimeoutMs,
      ...(options.keepAliveMs !== undefined ? { keepAliveTimeout: options.keepAliveMs } : {}),
    });
  }

  async request(r: LinkRequest): Promise<LinkResponse> {
    try {
      const res = await this.#client.request({
        method: r.method,
        path: `${this.#path}${r.suffix ?? ''}`,
        headers: r.headers,
        ...(r.body !== undefined ? { body: r.body } : {}),
        ...(r.pipelined ? { idempotent: true, blocking: false } : {}),
        headersTimeout: r.responseTimeoutMs ?? this.#responseTimeoutMs,
        bodyTimeout: r.responseTimeoutMs ?? this.#responseTimeoutMs,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size <= r.maxBodyBytes) {
          chunks.push(chunk);
        } else if (r.overflow === 'refuse') {
          res.body.destroy();
          return { kind: 'unavailable', reason: 'bad-response', status: res.statusCode, message: `the central's answer exceeds ${r.maxBodyBytes} bytes` };
        }
      }
      return { kind: 'response', status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) };
    } catch (err) {
      const reason = networkReason(err);
      return { kind: 'unavailable', reason, message: `${reason} (${(err as { code?: string }).code ?? 'error'})` };
    }
  }

  /** Drops the connection, aborting a request in flight (its caller asks again later). */
  async close(): Promise<void> {
    await this.#client.destroy().catch(() => undefined);
  }
}

/** The central's coded error body (`{code, message}`), or a code made from the status. */
export function centralError(status: number, json: unknown): { code: string; message: string } {
  const body = (json ?? {}) as { code?: unknown; message?: unknown };
  return {
    code: typeof body.code === 'string' ? body.code : `HTTP_${status}`,
    message: typeof body.message === 'string' ? body.message.slice(0, 300) : `HTTP ${status}`,
  };
}

/** JSON of a body, or undefined. */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
