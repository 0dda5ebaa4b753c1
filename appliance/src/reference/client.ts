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
import { HEADER_SIGNATURE, REFERENCE_PATH, referenceQuery, signRequest, type ReferencePage } from '@lmc/protocol/reference-feed.ts';
import { HEADER_CENTRAL_SIGNATURE, verifyAnswer } from '@lmc/protocol/batch-envelope.ts';
import { CentralLink, centralError, jsonOf, linkOptions, type UnavailableReason } from '../central-link/central-link.ts';
import type { SignedClientOptions } from '../central-link/signed-client-options.ts';
import { ApplianceErrors } from '../errors.ts';

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

export interface ReferenceClientOptions extends SignedClientOptions {
  /** Largest decompressed page accepted. */
  maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const CLOCK_SKEW_CODE = 'REFERENCE_CLOCK_SKEW';

export class ReferenceClient implements ReferenceTransport {
  readonly #link: CentralLink;
  readonly #o: ReferenceClientOptions;
  readonly #now: () => number;
  /** Central clock minus ours, learnt from a skew refusal. */
  #clockOffsetMs = 0;

  constructor(options: ReferenceClientOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#link = new CentralLink(linkOptions(options, REFERENCE_PATH, ApplianceErrors.REFERENCE_CENTRAL_URL_INVALID.code));
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
    const centralKey = this.#o.centralKey;
    if (!centralKey) {
      return { result: { kind: 'unauthorised', status: 0, code: 'CENTRAL_KEY_MISSING', message: "the central's public key is not pinned: enrol this appliance" } };
    }
    const query = referenceQuery(since, limit);
    const timestamp = this.#now() + this.#clockOffsetMs;
    const headers = signRequest({ method: 'GET', path: REFERENCE_PATH, query, deviceId: this.#o.identity.deviceId, timestamp }, this.#o.identity.privateKey);
    const max = this.#o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const raw = await this.#link.request({
      method: 'GET',
      suffix: `?${query}`,
      headers: { ...headers, 'accept-encoding': 'gzip', accept: 'application/json' },
      maxBodyBytes: max,
      overflow: 'refuse',
    });
    if (raw.kind === 'unavailable') return { result: raw };
    if (raw.status === 200) {
      // The page as it came (compressed or not) must be the central's answer to this very request.
      const binding = { purpose: 'reference-page' as const, deviceId: this.#o.identity.deviceId, requestTag: headers[HEADER_SIGNATURE] ?? '', batchId: '', contentSha256: '' };
      const signature = raw.headers[HEADER_CENTRAL_SIGNATURE];
      if (!verifyAnswer(binding, 200, raw.body, Array.isArray(signature) ? signature[0] : signature, centralKey)) {
        return { result: { kind: 'unavailable', reason: 'bad-signature', status: 200, message: 'the page is not signed by the pinned central key for this request' } };
      }
    }
    let text: string;
    try {
      const encoding = String(raw.headers['content-encoding'] ?? '').toLowerCase();
      text = (encoding === 'gzip' ? await gunzipAsync(raw.body, { maxOutputLength: max }) : raw.body).toString('utf8');
    } catch {
      return { result: { kind: 'unavailable', reason: 'bad-response', status: raw.status, message: 'the central sent a body that does not decompress' } };
    }
    const json = jsonOf(text);
    if (raw.status === 200) {
      if (json === undefined) return { result: { kind: 'unavailable', reason: 'bad-response', status: 200, message: 'the central answered 200 without JSON' } };
      return { result: { kind: 'page', page: json as ReferencePage } };
    }
    const { code, message } = centralError(raw.status, json);
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

  /** Drops the connection, aborting a pull in flight (the page is simply asked for again). */
  async close(): Promise<void> {
    await this.#link.close();
  }
}
