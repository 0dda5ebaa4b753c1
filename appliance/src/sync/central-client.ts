/**
 * The HTTP side of the relay: one kept-alive connection to the central receiver, POSTing encoded batches
 * (protocol/src/batch.ts) through the appliance's one signed exchange (central-link/signed-central.ts) and
 * classifying every way it can end into one SendOutcome. The relay never sees an exception from here for anything
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
import { BATCH_PATH, type BatchResponse, type EncodedBatch } from '@lmc/protocol/batch.ts';
import { attemptHeaders, newNonce } from '@lmc/protocol/batch-envelope.ts';
import { TIME_PATH } from '@lmc/protocol/enrolment.ts';
import type { CentralLink } from '../central-link/central-link.ts';
import { type CentralOutcome, hasLists, keyMissing, SignedCentral } from '../central-link/signed-central.ts';
import type { SignedClientOptions } from '../central-link/signed-client-options.ts';
import { ApplianceErrors } from '../errors.ts';

/** An acknowledgement; rejected: a signed 400/413/415, the centre refused this batch's content (splitting finds the record at fault). */
export type SendOutcome = CentralOutcome<{ kind: 'acknowledged'; response: BatchResponse }>;

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

const MAX_ERROR_BODY = 64 * 1024;
const STALE_CODE = 'BATCH_ATTEMPT_STALE';

const isBatchResponse = (v: unknown, batchId: string): v is BatchResponse =>
  hasLists(v, ['stored', 'duplicates'], { conflicts: ['id', 'reason'] }) && (v as BatchResponse).batchId === batchId;

export class CentralClient implements CentralTransport {
  readonly #central: SignedCentral;
  readonly #link: CentralLink;
  readonly #probeLink: CentralLink;

  constructor(options: CentralClientOptions) {
    this.#central = new SignedCentral(options, ApplianceErrors.SYNC_CENTRAL_URL_INVALID.code);
    this.#link = this.#central.link(BATCH_PATH, { keepAliveMs: options.keepAliveMs ?? 60_000, pipelining: options.pipelining ?? 1 });
    // Its own connection: a probe must not queue behind a batch crawling over EDGE.
    this.#probeLink = this.#central.link(TIME_PATH, { responseTimeoutMs: Math.min(options.responseTimeoutMs, 15_000), keepAliveMs: 1000 });
  }

  /** Central clock minus ours, learnt from a stale-attempt refusal. */
  get clockOffsetMs(): number {
    return this.#central.clockOffsetMs;
  }

  async send(batch: EncodedBatch, options: SendOptions = {}): Promise<SendOutcome> {
    const { batchId } = batch.batch;
    const { contentSha256 } = batch;
    const r = await this.#central.exchange(
      {
        link: this.#link,
        // Every attempt a fresh envelope: attempt time, nonce, batch id, body hash; the answer is bound to the nonce.
        sign: (attemptAt, { deviceId, privateKey }) => {
          const nonce = newNonce();
          const headers = attemptHeaders({ deviceId, batchId, contentSha256, attemptAt, nonce }, privateKey);
          return { headers, binding: { purpose: 'batch', deviceId, requestTag: nonce, batchId, contentSha256 } };
        },
        request: {
          method: 'POST',
          headers: batch.headers,
          body: batch.body,
          maxBodyBytes: MAX_ERROR_BODY,
          overflow: 'truncate',
          // Without it undici never pipelines a POST: the window of batches in flight would be one batch (80 % at 600 ms / 2 Mbit/s).
          pipelined: true,
          ...(options.responseTimeoutMs !== undefined ? { responseTimeoutMs: options.responseTimeoutMs } : {}),
        },
        clockRefusal: { code: STALE_CODE },
      },
      {
        valid: (json): json is BatchResponse => isBatchResponse(json, batchId),
        what: 'a valid acknowledgement',
        // An unsigned one is maybe a proxy's body limit, maybe a forger: nothing is quarantined on its word; a 413
        // still makes the relay send smaller batches (outbox-relay.ts).
        rejected: [400, 413, 415],
      },
    );
    if (r.kind === 'no-key') return keyMissing();
    return r.kind === 'ok' ? { kind: 'acknowledged', response: r.value } : r;
  }

  async probe(): Promise<boolean> {
    const res = await this.#probeLink.request({ method: 'GET', headers: { accept: 'application/json' }, maxBodyBytes: 1024, overflow: 'truncate' });
    return res.kind === 'response' && res.status < 500;
  }

  /** Drops the connections, aborting a request in flight (its batch is resent later: ingest is idempotent). */
  async close(): Promise<void> {
    await this.#central.close();
  }
}
