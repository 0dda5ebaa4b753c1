/**
 * One signed exchange with the central, shared by every device-signed client that acts on the central's answer
 * (batches: sync/central-client.ts; reference pages: reference/client.ts; the cross-office lookup:
 * lookup/lookup-client.ts; recruitment events: recruitment/central-events-client.ts):
 *
 * - nothing is asked while no central key is pinned (`no-key`: the caller says so in its own terms);
 * - the request is signed on our clock corrected by the central's, then sent over a CentralLink (central-link.ts);
 * - an answer counts only when the pinned central key signed it, bound to this very request
 *   (batch-envelope.ts verifyAnswer): an unsigned or mis-signed 200 is `bad-signature`, never acted upon;
 * - a gzip body (when asked for) is inflated up to the request's byte limit, the JSON read, a coded refusal's
 *   `{code, message}` taken;
 * - Clock: appliances may run for days without NTP. When the central refuses a request as outside its window
 *   (the caller's `clockRefusal` code), its clock is taken from the `Date` header (RFC 9110 §6.6.1), the offset kept,
 *   and the request signed again and retried once; later requests carry the corrected time;
 * - `classify` turns the answer into what the caller's relay acts on: ok, rejected, unauthorised or unavailable.
 *
 * Nothing the network or the central does reaches the caller as an exception.
 */
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { type AnswerBinding, type AnswerPurpose, HEADER_CENTRAL_SIGNATURE, verifyAnswer } from '@lmc/protocol/batch-envelope.ts';
import { HEADER_SIGNATURE, signRequest } from '@lmc/protocol/reference-feed.ts';
import type { ApplianceError } from '../errors.ts';
import { CentralLink, type CentralLinkOptions, centralError, jsonOf, type LinkRequest, linkOptions, type UnavailableReason } from './central-link.ts';
import type { SignedClientOptions } from './signed-client-options.ts';

type ErrorCode = ConstructorParameters<typeof ApplianceError>[0];

const gunzipAsync = promisify(gunzip);

export const CENTRAL_KEY_MISSING = 'CENTRAL_KEY_MISSING';

/** The central's key is not pinned: a configuration problem (enrol the appliance), nothing was sent. */
export const keyMissing = () =>
  ({
    kind: 'unauthorised',
    status: 0,
    code: CENTRAL_KEY_MISSING,
    message: "the central's public key is not pinned (keys/central-ed25519.pub): enrol this appliance",
  }) as const;

/** The central could not be reached or did not answer usably: retry later, the request is not at fault. */
export type Unavailable = { kind: 'unavailable'; reason: UnavailableReason; status?: number; message: string };

/** The central's coded refusal: 'rejected' (this request's content) or 'unauthorised' (this device). */
export type Refusal<K extends string> = { kind: K; status: number; code: string; message: string };

/**
 * What a client's request can come to: `Ok` (the answer it acts on); rejected (a refusal of this request's content:
 * the statuses the client names); unauthorised (401/403: not enrolled, wrong key, a clock still refused after
 * correction, or no central key pinned: a configuration problem); or unavailable (retry later).
 */
export type CentralOutcome<Ok> = Ok | Refusal<'rejected'> | Refusal<'unauthorised'> | Unavailable;

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/**
 * The shape of an answer that sorts ids: an object whose `lists` are lists of strings (stored, duplicates…) and whose
 * `records` are lists of objects with the named string fields (conflicts: id, reason…).
 */
export function hasLists(v: unknown, lists: readonly string[], records: Record<string, readonly string[]>): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const answer = v as Record<string, unknown>;
  const isRecords = (items: unknown, fields: readonly string[]) =>
    Array.isArray(items) && items.every((r) => fields.every((f) => typeof (r as Record<string, unknown> | null)?.[f] === 'string'));
  return lists.every((k) => isStringList(answer[k])) && Object.entries(records).every(([k, fields]) => isRecords(answer[k], fields));
}

const UNAUTHORISED: readonly number[] = [401, 403];

/** A request's signature headers and what the central's answer to it must be bound to. */
export interface RequestSignature {
  headers: Record<string, string>;
  binding: AnswerBinding;
}

/** Signs one request at `timestamp` (our clock plus the offset learnt from the central) with the device's key. */
export type Signer = (timestamp: number, identity: SignedClientOptions['identity']) => RequestSignature;

/**
 * A request signed as reference pulls are (reference-feed.ts signRequest: device id, timestamp, signature over
 * method, path and query); the answer is bound to its x-signature (and `contentSha256`, a signed body's hash).
 */
export function signedAs(purpose: AnswerPurpose, method: 'GET' | 'POST', path: string, query: string, contentSha256 = ''): Signer {
  return (timestamp, { deviceId, privateKey }) => {
    const headers = signRequest({ method, path, query, deviceId, timestamp }, privateKey);
    return { headers, binding: { purpose, deviceId, requestTag: headers[HEADER_SIGNATURE] ?? '', batchId: '', contentSha256 } };
  };
}

export interface SignedCall {
  link: CentralLink;
  sign: Signer;
  /** The request but its signature; `headers` are the unsigned ones (accept, content-type, the batch's own). */
  request: Omit<LinkRequest, 'headers'> & { headers?: Record<string, string> };
  /** Ask for gzip and inflate the answer (at most maxBodyBytes). */
  gzip?: boolean;
  /** The refusal that says our clock is outside the central's window: its code, and its statuses (default 401, 403). */
  clockRefusal: { code: string | RegExp; statuses?: readonly number[] };
}

/** Any HTTP answer of the central, its signature checked, its body read. */
export interface SignedAnswer {
  kind: 'answer';
  status: number;
  /** Signed by the pinned central key for this request. */
  signed: boolean;
  json: unknown;
  /** The central's coded refusal (centralError), for a status other than 200. */
  code: string;
  message: string;
}

export type Exchange = SignedAnswer | Unavailable | { kind: 'no-key' };

export interface Classification<T> {
  /** A 200 the caller can act on (its shape checked; default: any JSON); `what` names it in the bad-response message. */
  valid?(json: unknown): json is T;
  what?: string;
  /** Statuses meaning "this request's content is refused". */
  rejected: readonly number[] | ((status: number) => boolean);
  /** Statuses meaning "this device is refused" (default 401, 403). */
  unauthorised?: readonly number[];
  /** A refusal counts only when signed (it sets records aside; the default); unsigned it is `bad-signature`. */
  signedRejections?: boolean;
}

export type Classified<T> =
  | { kind: 'ok'; value: T }
  | Refusal<'rejected' | 'unauthorised'>
  | Unavailable
  | { kind: 'no-key' };

export class SignedCentral {
  readonly #o: SignedClientOptions;
  readonly #invalidUrlCode: ErrorCode;
  readonly #now: () => number;
  readonly #links: CentralLink[] = [];
  /** Central clock minus ours, learnt from a clock refusal. */
  #clockOffsetMs = 0;

  /** `invalidUrlCode`: the caller's error for an unusable central.url. */
  constructor(options: SignedClientOptions, invalidUrlCode: ErrorCode) {
    this.#o = options;
    this.#invalidUrlCode = invalidUrlCode;
    this.#now = options.now ?? Date.now;
  }

  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  /** A connection to one endpoint (closed with the others by close()); `extra` overrides the configuration's options. */
  link(endpoint: string, extra: Partial<CentralLinkOptions> = {}): CentralLink {
    const link = new CentralLink({ ...linkOptions(this.#o, endpoint, this.#invalidUrlCode), ...extra });
    this.#links.push(link);
    return link;
  }

  async call(c: SignedCall): Promise<Exchange> {
    const centralKey = this.#o.centralKey;
    if (!centralKey) return { kind: 'no-key' };
    const first = await this.#attempt(c, centralKey);
    if (first.retryWithOffset === undefined) return first.result;
    this.#clockOffsetMs = first.retryWithOffset;
    return (await this.#attempt(c, centralKey)).result;
  }

  /** call(), then the answer classified (see Classification). */
  async exchange<T>(c: SignedCall, k: Classification<T>): Promise<Classified<T>> {
    const a = await this.call(c);
    if (a.kind !== 'answer') return a;
    const { status, code, message } = a;
    if (status === 200) {
      if (k.valid ? k.valid(a.json) : a.json !== undefined) return { kind: 'ok', value: a.json as T };
      return { kind: 'unavailable', reason: 'bad-response', status, message: `the central answered 200 without ${k.what ?? 'JSON'}` };
    }
    if (typeof k.rejected === 'function' ? k.rejected(status) : k.rejected.includes(status)) {
      if (a.signed || k.signedRejections === false) return { kind: 'rejected', status, code, message };
      // Unsigned: maybe a proxy's body limit, maybe a forger. Nothing is set aside on its word.
      return { kind: 'unavailable', reason: 'bad-signature', status, message: `unsigned ${status} ${code}: ${message}` };
    }
    if ((k.unauthorised ?? UNAUTHORISED).includes(status)) return { kind: 'unauthorised', status, code, message };
    return { kind: 'unavailable', reason: 'server-error', status, message: `${code}: ${message}` };
  }

  async #attempt(c: SignedCall, centralKey: KeyObject): Promise<{ result: Exchange; retryWithOffset?: number }> {
    const { headers, binding } = c.sign(Math.round(this.#now() + this.#clockOffsetMs), this.#o.identity);
    const { headers: extra, ...request } = c.request;
    const raw = await c.link.request({ ...request, headers: { ...extra, ...(c.gzip ? { 'accept-encoding': 'gzip' } : {}), ...headers } });
    if (raw.kind === 'unavailable') return { result: raw };
    const { status } = raw;
    const signature = raw.headers[HEADER_CENTRAL_SIGNATURE];
    const signed = verifyAnswer(binding, status, raw.body, Array.isArray(signature) ? signature[0] : signature, centralKey);
    if (status === 200 && !signed) {
      return { result: { kind: 'unavailable', reason: 'bad-signature', status, message: 'the answer is not signed by the pinned central key for this request' } };
    }
    let text: string;
    try {
      const inflate = c.gzip && String(raw.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
      text = (inflate ? await gunzipAsync(raw.body, { maxOutputLength: request.maxBodyBytes }) : raw.body).toString('utf8');
    } catch {
      return { result: { kind: 'unavailable', reason: 'bad-response', status, message: 'the central sent a body that does not decompress' } };
    }
    const json = jsonOf(text);
    const { code, message } = status === 200 ? { code: '', message: '' } : centralError(status, json);
    const result: SignedAnswer = { kind: 'answer', status, signed, json, code, message };
    const serverDate = Date.parse(String(raw.headers.date ?? ''));
    const clock = c.clockRefusal;
    const clockRefused = (clock.statuses ?? UNAUTHORISED).includes(status) && (typeof clock.code === 'string' ? code === clock.code : clock.code.test(code));
    if (clockRefused && Number.isFinite(serverDate)) {
      const offset = serverDate - this.#now();
      // Retry only when the correction changes something (Date has 1 s resolution).
      if (Math.abs(offset - this.#clockOffsetMs) > 1000) return { result, retryWithOffset: offset };
    }
    return { result };
  }

  /** Drops every connection, aborting a request in flight (its caller asks again later). */
  async close(): Promise<void> {
    await Promise.all(this.#links.map((l) => l.close()));
  }
}
