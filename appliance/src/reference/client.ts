/**
 * The HTTP side of reference pulls: one kept-alive connection (undici Pool, connections: 1, the
 * relay's pattern in sync/central-client.ts) to the central, GETting signed pages
 * (protocol/src/reference-feed.ts) and classifying every way a pull can end into one
 * PullOutcome. Nothing the network or the central does reaches the caller as an exception.
 *
 * Clock: appliances may run for days without NTP. When the central refuses a request as outside
 * its skew window, the client takes the central's clock from the `Date` header (RFC 9110 §6.6.1),
 * keeps the offset, and retries once; later requests carry the corrected time.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Pool } from 'undici';
import type { KeyObject } from 'node:crypto';
import { REFERENCE_PATH, referenceQuery, signRequest, type ReferencePage } from '@lmc/protocol/reference-feed.ts';
import { ApplianceError } from '@lmc/core/errors.ts';
import { networkReason, type UnavailableReason } from '../sync/central-client.ts';
import { ReferenceErrorCodes } from './errors.ts';

const gunzipAsync = promisify(gunzip);

export type PullOutcome =
  | { kind: 'page'; page: unknown }
  /** 401/403: not enrolled, wrong key, or a clock the central still refuses after correction. */
  | { kind: 'unauthorised'; status: number; code: string; message: string }
  /** 400/404: the central does not understand the request (older central, bad parameters). */
  | { kind: 'rejected'; status: number; code: string; message: string }
  | { kind: 'unavailable'; reason: UnavailableReason; status?: number; message: string };

/** The pull loop's view of the central: the undici client below, or a fake in unit tests. */
export interface ReferenceTransport {
  fetchPage(since: number, limit: number): Promise<PullOutcome>;
  close(): Promise<void>;
}

export interface ReferenceClientOptions {
  /** Base URL of the central (central.url); a path prefix is kept. */
  url: string;
  identity: { deviceId: string; privateKey: KeyObject };
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  /** Largest decompressed page accepted. */
  maxResponseBytes?: number;
  now?: () => number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const CLOCK_SKEW_CODE = 'REFERENCE_CLOCK_SKEW';

export function parseReferenceUrl(url: string): { origin: string; path: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ApplianceError(ReferenceErrorCodes.CentralUrlInvalid, 'central.url is not a valid URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ApplianceError(ReferenceErrorCodes.CentralUrlInvalid, 'central.url must be http:// or https://');
  }
  return { origin: u.origin, path: `${u.pathname.replace(/\/+$/, '')}${REFERENCE_PATH}` };
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export class ReferenceClient implements ReferenceTransport {
  readonly #pool: Pool;
  readonly #path: string;
  readonly #o: ReferenceClientOptions;
  readonly #now: () => number;
  /** Central clock minus ours, learnt from a skew refusal. */
  #clockOffsetMs = 0;

  constructor(options: ReferenceClientOptions) {
    const { origin, path } = parseReferenceUrl(options.url);
    this.#o = options;
    this.#path = path;
    this.#now = options.now ?? Date.now;
    this.#pool = new Pool(origin, {
      connections: 1,
      pipelining: 1,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.responseTimeoutMs,
      bodyTimeout: options.responseTimeoutMs,
    });
  }

  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  async fetchPage(since: number, limit: number): Promise<PullOutcome> {
    let outcome = await this.#attempt(since, limit);
    if (outcome.retryWithOffset !== undefined) {
      this.#clockOffsetMs = outcome.retryWithOffset;
      outcome = await this.#attempt(since, limit);
    }
    return outcome.result;
  }

  async #attempt(since: number, limit: number): Promise<{ result: PullOutcome; retryWithOffset?: number }> {
    const query = referenceQuery(since, limit);
    const timestamp = this.#now() + this.#clockOffsetMs;
    const headers = signRequest({ method: 'GET', path: REFERENCE_PATH, query, deviceId: this.#o.identity.deviceId, timestamp }, this.#o.identity.privateKey);
    let raw: RawResponse;
    try {
      raw = await this.#request(`${this.#path}?${query}`, headers);
    } catch (err) {
      if (err instanceof PageTooLarge) return { result: { kind: 'unavailable', reason: 'bad-response', status: 200, message: err.message } };
      const reason = networkReason(err);
      return { result: { kind: 'unavailable', reason, message: `${reason} (${(err as { code?: string }).code ?? 'error'})` } };
    }
    let text: string;
    try {
      const encoding = String(raw.headers['content-encoding'] ?? '').toLowerCase();
      const max = this.#o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
      text = (encoding === 'gzip' ? await gunzipAsync(raw.body, { maxOutputLength: max }) : raw.body).toString('utf8');
    } catch {
      return { result: { kind: 'unavailable', reason: 'bad-response', status: raw.status, message: 'the central sent a body that does not decompress' } };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (raw.status === 200) {
      if (json === undefined) return { result: { kind: 'unavailable', reason: 'bad-response', status: 200, message: 'the central answered 200 without JSON' } };
      return { result: { kind: 'page', page: json as ReferencePage } };
    }
    const body = (json ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof body.code === 'string' ? body.code : `HTTP_${raw.status}`;
    const message = typeof body.message === 'string' ? body.message.slice(0, 300) : `HTTP ${raw.status}`;
    if (raw.status === 401 || raw.status === 403) {
      const serverDate = Date.parse(String(raw.headers.date ?? ''));
      if (code === CLOCK_SKEW_CODE && Number.isFinite(serverDate)) {
        const offset = serverDate - this.#now();
        // Retry only when the correction changes something (Date has 1 s resolution).
        if (Math.abs(offset - this.#clockOffsetMs) > 1000) {
          return { result: { kind: 'unauthorised', status: raw.status, code, message }, retryWithOffset: offset };
        }
      }
      return { result: { kind: 'unauthorised', status: raw.status, code, message } };
    }
    if (raw.status === 400 || raw.status === 404) return { result: { kind: 'rejected', status: raw.status, code, message } };
    return { result: { kind: 'unavailable', reason: 'server-error', status: raw.status, message: `${code}: ${message}` } };
  }

  async #request(path: string, headers: Record<string, string>): Promise<RawResponse> {
    const res = await this.#pool.request({
      method: 'GET',
      path,
      headers: { ...headers, 'accept-encoding': 'gzip', accept: 'application/json' },
      headersTimeout: this.#o.responseTimeoutMs,
      bodyTimeout: this.#o.responseTimeoutMs,
    });
    const max = this.#o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) {
        res.body.destroy();
        throw new PageTooLarge(`the central's page exceeds ${max} bytes`);
      }
      chunks.push(chunk);
    }
    return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) };
  }

  /** Drops the connection, aborting a pull in flight (the page is simply asked for again). */
  async close(): Promise<void> {
    await this.#pool.destroy().catch(() => undefined);
  }
}

class PageTooLarge extends Error {}
