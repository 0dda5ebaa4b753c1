/**
 * The HTTP side of the relay: one kept-alive connection (undici Pool, connections: 1) to the
 * central receiver, POSTing encoded batches (protocol/src/batch.ts) and classifying every
 * way it can end into one SendOutcome. The relay never sees an exception from here for anything
 * the network or the centre does.
 *
 * Named timeouts: connect (TCP + TLS handshake), response (undici headersTimeout: from the request
 * being written until the response headers arrive; bodyTimeout: between body chunks).
 */
import { BATCH_PATH, type BatchResponse, type EncodedBatch } from '@lmc/protocol/batch.ts';
import { CentralLink, centralError, jsonOf, type UnavailableReason } from '../central-link/central-link.ts';
import { SyncErrors } from './errors.ts';

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

  constructor(options: CentralClientOptions) {
    this.#link = new CentralLink({
      url: options.url,
      endpoint: BATCH_PATH,
      invalidUrlCode: SyncErrors.SYNC_CENTRAL_URL_INVALID.code,
      connectTimeoutMs: options.connectTimeoutMs,
      responseTimeoutMs: options.responseTimeoutMs,
      keepAliveMs: options.keepAliveMs ?? 60_000,
    });
  }

  async send(batch: EncodedBatch): Promise<SendOutcome> {
    const res = await this.#link.request({ method: 'POST', headers: batch.headers, body: batch.body, maxBodyBytes: MAX_ERROR_BODY, overflow: 'truncate' });
    if (res.kind === 'unavailable') return res;
    const { status } = res;
    const json = jsonOf(res.body.toString('utf8'));
    if (status === 200) {
      if (isBatchResponse(json, batch.batch.batchId)) return { kind: 'acknowledged', response: json };
      return { kind: 'unavailable', reason: 'bad-response', status, message: 'the central answered 200 without a valid acknowledgement' };
    }
    const { code, message } = centralError(status, json);
    if (REJECTED.has(status)) return { kind: 'rejected', status, code, message };
    if (UNAUTHORISED.has(status)) return { kind: 'unauthorised', status, code, message };
    return { kind: 'unavailable', reason: 'server-error', status, message: `${code}: ${message}` };
  }

  /** Drops the connection, aborting a request in flight (its batch is resent later: ingest is idempotent). */
  async close(): Promise<void> {
    await this.#link.close();
  }
}
