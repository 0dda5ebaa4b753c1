/**
 * The HTTP side of the relay: one kept-alive connection (undici Pool, connections: 1) to the
 * central receiver, POSTing encoded batches (protocol/src/batch.ts) and classifying every
 * way it can end into one SendOutcome. The relay never sees an exception from here for anything
 * the network or the centre does.
 *
 * Named timeouts: connect (TCP + TLS handshake), response (undici headersTimeout: from the request
 * being written until the response headers arrive; bodyTimeout: between body chunks).
 */
import { Pool } from 'undici';
import { BATCH_PATH, type BatchResponse, type EncodedBatch } from '@lmc/protocol/batch.ts';
import { ApplianceError } from '@lmc/core/errors.ts';
import { SyncErrorCodes } from './errors.ts';

/** Why the centre could not be reached or did not answer usably: retry later, the batch is not at fault. */
export type UnavailableReason =
  | 'connect-refused'
  | 'connect-timeout'
  | 'connection-lost'
  | 'response-timeout'
  | 'server-error'
  | 'bad-response';

export type SendOutcome =
  | { kind: 'acknowledged'; response: BatchResponse }
  /** 400/413/415: the centre refused this batch's content; splitting finds the record at fault. */
  | { kind: 'rejected'; status: number; code: string; message: string }
  /** 401/403: the device is not enrolled or its key does not match: a configuration problem. */
  | { kind: 'unauthorised'; status: number; code: string; message: string }
  | { kind: 'unavailable'; reason: UnavailableReason; status?: number; message: string };

/** The relay's view of the centre; the undici client below, or a fake in unit tests. */
export interface CentralTransport {
  send(batch: EncodedBatch): Promise<SendOutcome>;
  close(): Promise<void>;
}

export interface CentralClientOptions {
  /** Base URL of the central receiver, e.g. https://central.example.org/ (a path prefix is kept). */
  url: string;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  /** How long the idle connection is kept open between batches. */
  keepAliveMs?: number;
}

const REJECTED = new Set([400, 413, 415]);
const UNAUTHORISED = new Set([401, 403]);
const MAX_ERROR_BODY = 64 * 1024;

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
};

export function parseCentralUrl(url: string): { origin: string; path: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ApplianceError(SyncErrorCodes.CentralUrlInvalid, 'central.url is not a valid URL', {});
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ApplianceError(SyncErrorCodes.CentralUrlInvalid, 'central.url must be http:// or https://', {});
  }
  return { origin: u.origin, path: `${u.pathname.replace(/\/+$/, '')}${BATCH_PATH}` };
}

function isBatchResponse(v: unknown, batchId: string): v is BatchResponse {
  const r = v as BatchResponse | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    r.batchId === batchId &&
    Array.isArray(r.stored) &&
    r.stored.every((s) => typeof s === 'string') &&
    Array.isArray(r.duplicates) &&
    r.duplicates.every((s) => typeof s === 'string') &&
    Array.isArray(r.conflicts) &&
    r.conflicts.every((c) => typeof c?.id === 'string' && typeof c?.reason === 'string')
  );
}

export function networkReason(err: unknown): UnavailableReason {
  const e = err as { code?: string; cause?: { code?: string } };
  return NETWORK_REASONS[e?.code ?? ''] ?? NETWORK_REASONS[e?.cause?.code ?? ''] ?? 'connection-lost';
}

export class CentralClient implements CentralTransport {
  readonly #pool: Pool;
  readonly #path: string;
  readonly #options: CentralClientOptions;

  constructor(options: CentralClientOptions) {
    const { origin, path } = parseCentralUrl(options.url);
    this.#options = options;
    this.#path = path;
    this.#pool = new Pool(origin, {
      connections: 1,
      pipelining: 1,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.responseTimeoutMs,
      bodyTimeout: options.responseTimeoutMs,
      keepAliveTimeout: options.keepAliveMs ?? 60_000,
    });
  }

  async send(batch: EncodedBatch): Promise<SendOutcome> {
    let status: number;
    let text: string;
    try {
      const res = await this.#pool.request({
        method: 'POST',
        path: this.#path,
        headers: batch.headers,
        body: batch.body,
        headersTimeout: this.#options.responseTimeoutMs,
        bodyTimeout: this.#options.responseTimeoutMs,
      });
      status = res.statusCode;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size <= MAX_ERROR_BODY) chunks.push(chunk);
      }
      text = Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      const reason = networkReason(err);
      return { kind: 'unavailable', reason, message: `${reason} (${(err as { code?: string }).code ?? 'error'})` };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status === 200) {
      if (isBatchResponse(json, batch.batch.batchId)) return { kind: 'acknowledged', response: json };
      return { kind: 'unavailable', reason: 'bad-response', status, message: 'the central answered 200 without a valid acknowledgement' };
    }
    const body = (json ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof body.code === 'string' ? body.code : `HTTP_${status}`;
    const message = typeof body.message === 'string' ? body.message.slice(0, 300) : `HTTP ${status}`;
    if (REJECTED.has(status)) return { kind: 'rejected', status, code, message };
    if (UNAUTHORISED.has(status)) return { kind: 'unauthorised', status, code, message };
    return { kind: 'unavailable', reason: 'server-error', status, message: `${code}: ${message}` };
  }

  /** Drops the connection, aborting a request in flight (its batch is resent later: ingest is idempotent). */
  async close(): Promise<void> {
    await this.#pool.destroy().catch(() => undefined);
  }
}
