/**
 * The appliance's side of the cross-office lookup (protocol/src/lookup.ts): signed GETs to the central (like
 * reference pulls: x-device-id, x-timestamp, x-signature), answers accepted only when signed by the pinned central
 * key for this very request. Two connections (central-link/central-link.ts): one for the counter's online lookups,
 * one for the index pulls, so a large index page on a slow link never holds up a migrant at the counter. Nothing
 * the network or the central does reaches the caller as an exception.
 *
 * Clock: a REFERENCE_CLOCK_SKEW refusal (the central authenticates these requests as it does reference pulls) is
 * corrected from the central's Date header and retried once, as reference/client.ts does.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { type AnswerPurpose, HEADER_CENTRAL_SIGNATURE, verifyAnswer } from '@lmc/protocol/batch-envelope.ts';
import { HEADER_SIGNATURE, signRequest } from '@lmc/protocol/reference-feed.ts';
import { indexQuery, LOOKUP_INDEX_PATH, LOOKUP_PATH, type LookupAnswer, type LookupIndexPage, lookupQuery } from '@lmc/protocol/lookup.ts';
import { CentralLink, centralError, jsonOf, linkOptions, type UnavailableReason } from '../central-link/central-link.ts';
import type { SignedClientOptions } from '../central-link/signed-client-options.ts';
import { ApplianceErrors } from '../errors.ts';

const gunzipAsync = promisify(gunzip);
const CLOCK_SKEW_CODE = 'REFERENCE_CLOCK_SKEW';
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export type Fetched<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'refused'; status: number; code: string; message: string }
  | { kind: 'unavailable'; reason: UnavailableReason | 'no-key'; message: string };

/** What the lookup service needs of the central; the undici client below, or a fake in unit tests. */
export interface LookupTransport {
  lookup(hash: string, timeoutMs: number): Promise<Fetched<LookupAnswer>>;
  indexPage(since: number, limit: number): Promise<Fetched<LookupIndexPage>>;
  close(): Promise<void>;
}

export type LookupClientOptions = SignedClientOptions;

export class LookupClient implements LookupTransport {
  readonly #o: LookupClientOptions;
  readonly #now: () => number;
  readonly #counter: CentralLink;
  readonly #index: CentralLink;
  #clockOffsetMs = 0;

  constructor(o: LookupClientOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    const link = (endpoint: string, connectTimeoutMs: number) => new CentralLink(linkOptions({ ...o, connectTimeoutMs }, endpoint, ApplianceErrors.REFERENCE_CENTRAL_URL_INVALID.code));
    this.#counter = link(LOOKUP_PATH, Math.min(o.connectTimeoutMs, 2000));
    this.#index = link(LOOKUP_INDEX_PATH, o.connectTimeoutMs);
  }

  lookup(hash: string, timeoutMs: number): Promise<Fetched<LookupAnswer>> {
    return this.#get<LookupAnswer>(this.#counter, LOOKUP_PATH, lookupQuery(hash), 'lookup', timeoutMs);
  }

  indexPage(since: number, limit: number): Promise<Fetched<LookupIndexPage>> {
    return this.#get<LookupIndexPage>(this.#index, LOOKUP_INDEX_PATH, indexQuery(since, limit), 'lookup-index', this.#o.responseTimeoutMs);
  }

  async #get<T>(link: CentralLink, path: string, query: string, purpose: AnswerPurpose, timeoutMs: number): Promise<Fetched<T>> {
    let r = await this.#attempt<T>(link, path, query, purpose, timeoutMs);
    if (r.retryWithOffset !== undefined) {
      this.#clockOffsetMs = r.retryWithOffset;
      r = await this.#attempt<T>(link, path, query, purpose, timeoutMs);
    }
    return r.result;
  }

  async #attempt<T>(link: CentralLink, path: string, query: string, purpose: AnswerPurpose, timeoutMs: number): Promise<{ result: Fetched<T>; retryWithOffset?: number }> {
    const centralKey = this.#o.centralKey;
    if (!centralKey) return { result: { kind: 'unavailable', reason: 'no-key', message: "the central's public key is not pinned: enrol this appliance" } };
    const deviceId = this.#o.identity.deviceId;
    const headers = signRequest({ method: 'GET', path, query, deviceId, timestamp: this.#now() + this.#clockOffsetMs }, this.#o.identity.privateKey);
    const raw = await link.request({
      method: 'GET',
      suffix: `?${query}`,
      headers: { ...headers, 'accept-encoding': 'gzip', accept: 'application/json' },
      maxBodyBytes: MAX_ANSWER_BYTES,
      overflow: 'refuse',
      responseTimeoutMs: timeoutMs,
    });
    if (raw.kind === 'unavailable') return { result: raw };
    if (raw.status === 200) {
      const binding = { purpose, deviceId, requestTag: headers[HEADER_SIGNATURE] ?? '', batchId: '', contentSha256: '' };
      const signature = raw.headers[HEADER_CENTRAL_SIGNATURE];
      if (!verifyAnswer(binding, 200, raw.body, Array.isArray(signature) ? signature[0] : signature, centralKey)) {
        return { result: { kind: 'unavailable', reason: 'bad-signature', message: 'the answer is not signed by the pinned central key for this request' } };
      }
    }
    let text: string;
    try {
      const encoding = String(raw.headers['content-encoding'] ?? '').toLowerCase();
      text = (encoding === 'gzip' ? await gunzipAsync(raw.body, { maxOutputLength: MAX_ANSWER_BYTES }) : raw.body).toString('utf8');
    } catch {
      return { result: { kind: 'unavailable', reason: 'bad-response', message: 'the central sent a body that does not decompress' } };
    }
    const json = jsonOf(text);
    if (raw.status === 200) {
      if (json === undefined) return { result: { kind: 'unavailable', reason: 'bad-response', message: 'the central answered 200 without JSON' } };
      return { result: { kind: 'ok', value: json as T } };
    }
    const { code, message } = centralError(raw.status, json);
    if (raw.status === 401 && code === CLOCK_SKEW_CODE) {
      const serverDate = Date.parse(String(raw.headers.date ?? ''));
      if (Number.isFinite(serverDate)) {
        const offset = serverDate - this.#now();
        if (Math.abs(offset - this.#clockOffsetMs) > 1000) return { result: { kind: 'refused', status: raw.status, code, message }, retryWithOffset: offset };
      }
    }
    if (raw.status >= 500) return { result: { kind: 'unavailable', reason: 'server-error', message: `${code}: ${message}` } };
    return { result: { kind: 'refused', status: raw.status, code, message } };
  }

  async close(): Promise<void> {
    await Promise.all([this.#counter.close(), this.#index.close()]);
  }
}
