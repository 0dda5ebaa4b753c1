/**
 * The HTTP side of the relay: one kept-alive connection (undici Pool, connections: 1) to the
 * central receiver, POSTing encoded batches (protocol/src/batch.ts) and classifying every
 * way it can end into one SendOutcome. The relay never sees an exception from here for anything
 * the network or the centre does.
 *
 * Every attempt carries a fresh signed envelope (protocol/src/batch-envelope.ts: attempt time, nonce,
 * batch id, body hash). An answer counts only when the central signed it with the key pinned at
 * enrolment and bound it to this attempt: an unsigned or mis-signed 200 is a link failure ("bad-signature"),
 * never an acknowledgement; an unsigned refusal never quarantines (an unsigned 413 only makes batches smaller).
 * Without a pinned central key nothing is sent at all: personal data does not leave for a central
 * whose answers cannot be checked.
 *
 * Named timeouts: connect (TCP + TLS handshake), response (undici headersTimeout: from the request
 * being written until the response headers arrive; bodyTimeout: between body chunks). The relay
 * passes a per-batch response timeout grown by the time the body needs on the measured link.
 *
 * Clock: a BATCH_ATTEMPT_STALE refusal carries the central's clock in its Date header; the client keeps
 * the offset and retries once with a new envelope (appliances may run for days without NTP).
 */
import type { KeyObject } from 'node:crypto';
import { BATCH_PATH, type BatchResponse, type EncodedBatch } from '@lmc/protocol/batch.ts';
import { type AnswerBinding, attemptHeaders, HEADER_CENTRAL_SIGNATURE, newNonce, verifyAnswer } from '@lmc/protocol/batch-envelope.ts';
import { TIME_PATH } from '@lmc/protocol/enrolment.ts';
import { CentralLink, centralError, jsonOf, type UnavailableReason } from '../central-link/central-link.ts';
import type { SignedClientOptions } from '../central-link/signed-client-options.ts';
import { ApplianceErrors } from '../errors.ts';

export type SendOutcome =
  | { kind: 'acknowledged'; response: BatchResponse }
  /** 400/413/415, signed: the centre refused this batch's content; splitting finds the record at fault. */
  | { kind: 'rejected'; status: number; code: string; message: string }
  /** 401/403: the device is not enrolled or its key does not match, or no central key is pinned: a configuration problem. */
  | { kind: 'unauthorised'; status: number; code: string; message: string }
  | { kind: 'unavailable'; reason: UnavailableReason; status?: number; message: string };

export interface SendOptions {
  /** Response timeout for this batch (the link's default when absent). */
  responseTimeoutMs?: number;
}

/** The relay's view of the centre; the undici client below, or a fake in unit tests. */
export interface CentralTransport {
  send(batch: EncodedBatch, options?: SendOptions): Promise<SendOutcome>;
  /** A cheap reachability check (GET /api/v1/time): true when the central answered at all. */
  probe?(): Promise<boolean>;
  close(): Promise<void>;
}

export interface CentralClientOptions extends SignedClientOptions {
  /** How long the idle connection is kept open between batches. */
  keepAliveMs?: number;
  /** Most batches in flight on the connection (HTTP/1.1 pipelining; answers come back in order). */
  pipelining?: number;
}

const REJECTED = new Set([400, 413, 415]);
const UNAUTHORISED = new Set([401, 403]);
const MAX_ERROR_BODY = 64 * 1024;
const STALE_CODE = 'BATCH_ATTEMPT_STALE';
export const CENTRAL_KEY_MISSING = 'CENTRAL_KEY_MISSING';

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

export class CentralClient implements CentralTransport {
  readonly #link: CentralLink;
  readonly #probeLink: CentralLink;
  readonly #o: CentralClientOptions;
  readonly #now: () => number;
  /** Central clock minus ours, learnt from a stale-attempt refusal. */
  #clockOffsetMs = 0;

  constructor(options: CentralClientOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    const common = {
      url: options.url,
      invalidUrlCode: ApplianceErrors.SYNC_CENTRAL_URL_INVALID.code,
      connectTimeoutMs: options.connectTimeoutMs,
      pinnedTlsPem: options.pinnedTlsPem ?? null,
      allowInsecureHttp: options.allowInsecureHttp ?? false,
    };
    this.#link = new CentralLink({
      ...common,
      endpoint: BATCH_PATH,
      responseTimeoutMs: options.responseTimeoutMs,
      keepAliveMs: options.keepAliveMs ?? 60_000,
      pipelining: options.pipelining ?? 1,
    });
    // Its own connection: a probe must not queue behind a batch crawling over EDGE.
    this.#probeLink = new CentralLink({ ...common, endpoint: TIME_PATH, responseTimeoutMs: Math.min(options.responseTimeoutMs, 15_000), keepAliveMs: 1000 });
  }

  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  async send(batch: EncodedBatch, options: SendOptions = {}): Promise<SendOutcome> {
    const centralKey = this.#o.centralKey;
    if (!centralKey) {
      return { kind: 'unauthorised', status: 0, code: CENTRAL_KEY_MISSING, message: "the central's public key is not pinned (keys/central-ed25519.pub): enrol this appliance" };
    }
    const first = await this.#attempt(batch, centralKey, options);
    if (first.retryWithOffset === undefined) return first.outcome;
    this.#clockOffsetMs = first.retryWithOffset;
    return (await this.#attempt(batch, centralKey, options)).outcome;
  }

  async #attempt(batch: EncodedBatch, centralKey: KeyObject, options: SendOptions): Promise<{ outcome: SendOutcome; retryWithOffset?: number }> {
    const { deviceId, privateKey } = this.#o.identity;
    const nonce = newNonce();
    const batchId = batch.batch.batchId;
    const envelope = attemptHeaders({ deviceId, batchId, contentSha256: batch.contentSha256, attemptAt: Math.round(this.#now() + this.#clockOffsetMs), nonce }, privateKey);
    const res = await this.#link.request({
      method: 'POST',
      headers: { ...batch.headers, ...envelope },
      body: batch.body,
      maxBodyBytes: MAX_ERROR_BODY,
      overflow: 'truncate',
      // Without it undici never pipelines a POST: the window of batches in flight would be one batch (80 % at 600 ms / 2 Mbit/s).
      pipelined: true,
      ...(options.responseTimeoutMs !== undefined ? { responseTimeoutMs: options.responseTimeoutMs } : {}),
    });
    if (res.kind === 'unavailable') return { outcome: res };
    const { status } = res;
    const binding: AnswerBinding = { purpose: 'batch', deviceId, requestTag: nonce, batchId, contentSha256: batch.contentSha256 };
    const signature = res.headers[HEADER_CENTRAL_SIGNATURE];
    const signed = verifyAnswer(binding, status, res.body, Array.isArray(signature) ? signature[0] : signature, centralKey);
    const json = jsonOf(res.body.toString('utf8'));
    if (status === 200) {
      if (!signed) return { outcome: { kind: 'unavailable', reason: 'bad-signature', status, message: 'the answer is not signed by the pinned central key for this attempt' } };
      if (isBatchResponse(json, batchId)) return { outcome: { kind: 'acknowledged', response: json } };
      return { outcome: { kind: 'unavailable', reason: 'bad-response', status, message: 'the central answered 200 without a valid acknowledgement' } };
    }
    const { code, message } = centralError(status, json);
    if (REJECTED.has(status)) {
      if (signed) return { outcome: { kind: 'rejected', status, code, message } };
      // Unsigned: maybe a proxy's body limit, maybe a forger. Nothing is quarantined on its word; a 413 still
      // makes the relay send smaller batches (outbox-relay.ts).
      return { outcome: { kind: 'unavailable', reason: 'bad-signature', status, message: `unsigned ${status} ${code}: ${message}` } };
    }
    if (UNAUTHORISED.has(status)) {
      const serverDate = Date.parse(String(res.headers.date ?? ''));
      if (code === STALE_CODE && Number.isFinite(serverDate)) {
        const offset = serverDate - this.#now();
        // Retry only when the correction changes something (Date has 1 s resolution).
        if (Math.abs(offset - this.#clockOffsetMs) > 1000) return { outcome: { kind: 'unauthorised', status, code, message }, retryWithOffset: offset };
      }
      return { outcome: { kind: 'unauthorised', status, code, message } };
    }
    return { outcome: { kind: 'unavailable', reason: 'server-error', status, message: `${code}: ${message}` } };
  }

  async probe(): Promise<boolean> {
    const res = await this.#probeLink.request({ method: 'GET', headers: { accept: 'application/json' }, maxBodyBytes: 1024, overflow: 'truncate' });
    return res.kind === 'response' && res.status < 500;
  }

  /** Drops the connections, aborting a request in flight (its batch is resent later: ingest is idempotent). */
  async close(): Promise<void> {
    await Promise.all([this.#link.close(), this.#probeLink.close()]);
  }
}
