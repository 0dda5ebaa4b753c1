/**
 * The HTTP side of forwarding recruitment events (protocol/src/recruitment.ts): one POST of
 * `{ events }` to RECRUITMENT_EVENTS_PATH over the appliance's one kind of central link
 * (central-link/central-link.ts: pinned TLS, named timeouts, bounded bodies), signed as a reference pull is
 * (reference-feed.ts signRequest) with the body's SHA-256 in the signed query, and every way it can end
 * classified into one EventsOutcome. Nothing the network or the central does reaches the caller as an exception.
 *
 * An answer counts only when the central signed it with the key pinned at enrolment and bound it to this request
 * (batch-envelope.ts verifyAnswer): an unsigned 200 is never an acknowledgement, an unsigned 400 never rejects.
 * Clock: a refusal for skew carries the central's clock in its Date header; the client keeps the offset and
 * retries once (appliances may run for days without NTP).
 */
import { type AnswerBinding, HEADER_CENTRAL_SIGNATURE, sha256Hex, verifyAnswer } from '@lmc/protocol/batch-envelope.ts';
import { HEADER_SIGNATURE, signRequest } from '@lmc/protocol/reference-feed.ts';
import {
  RECRUITMENT_ANSWER_PURPOSE,
  RECRUITMENT_EVENTS_PATH,
  type RecruitmentEvent,
  type RecruitmentEventsAnswer,
  recruitmentEventsQuery,
} from '@lmc/protocol/recruitment.ts';
import { CentralLink, centralError, jsonOf, linkOptions, type UnavailableReason } from '../central-link/central-link.ts';
import type { SignedClientOptions } from '../central-link/signed-client-options.ts';
import { ApplianceErrors } from '../errors.ts';

export type EventsOutcome =
  | { kind: 'answered'; answer: RecruitmentEventsAnswer }
  /** A signed 400/413: the central refuses this request's content (one event at fault: send them one by one). */
  | { kind: 'rejected'; status: number; code: string; message: string }
  /** 401/403 (not enrolled, wrong key, clock refused after correction) or no central key pinned. */
  | { kind: 'unauthorised'; status: number; code: string; message: string }
  | { kind: 'unavailable'; reason: UnavailableReason; status?: number; message: string };

/** The relay's view of the central: the client below, or a fake in unit tests. */
export interface RecruitmentTransport {
  send(events: readonly RecruitmentEvent[]): Promise<EventsOutcome>;
  close(): Promise<void>;
}

export type EventsClientOptions = SignedClientOptions;

const MAX_ANSWER_BYTES = 1024 * 1024;

function isAnswer(v: unknown): v is RecruitmentEventsAnswer {
  const a = v as RecruitmentEventsAnswer | null;
  return (
    typeof a === 'object' &&
    a !== null &&
    Array.isArray(a.accepted) &&
    a.accepted.every((s) => typeof s === 'string') &&
    Array.isArray(a.duplicates) &&
    a.duplicates.every((s) => typeof s === 'string') &&
    Array.isArray(a.rejected) &&
    a.rejected.every((r) => typeof r?.eventId === 'string' && typeof r?.code === 'string')
  );
}

export class RecruitmentEventsClient implements RecruitmentTransport {
  readonly #link: CentralLink;
  readonly #o: EventsClientOptions;
  readonly #now: () => number;
  #clockOffsetMs = 0;

  constructor(o: EventsClientOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#link = new CentralLink({ ...linkOptions(o, RECRUITMENT_EVENTS_PATH, ApplianceErrors.SYNC_CENTRAL_URL_INVALID.code), keepAliveMs: 10_000 });
  }

  /** Central clock minus ours, learnt from a skew refusal. */
  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  async send(events: readonly RecruitmentEvent[]): Promise<EventsOutcome> {
    const first = await this.#attempt(events);
    if (first.retryWithOffset === undefined) return first.outcome;
    this.#clockOffsetMs = first.retryWithOffset;
    return (await this.#attempt(events)).outcome;
  }

  async #attempt(events: readonly RecruitmentEvent[]): Promise<{ outcome: EventsOutcome; retryWithOffset?: number }> {
    const centralKey = this.#o.centralKey;
    if (!centralKey) {
      return { outcome: { kind: 'unauthorised', status: 0, code: 'CENTRAL_KEY_MISSING', message: "the central's public key is not pinned: enrol this appliance" } };
    }
    const body = Buffer.from(JSON.stringify({ events }), 'utf8');
    const query = recruitmentEventsQuery(body);
    const { deviceId, privateKey } = this.#o.identity;
    const timestamp = Math.round(this.#now() + this.#clockOffsetMs);
    const headers = signRequest({ method: 'POST', path: RECRUITMENT_EVENTS_PATH, query, deviceId, timestamp }, privateKey);
    const res = await this.#link.request({
      method: 'POST',
      suffix: `?${query}`,
      headers: { ...headers, 'content-type': 'application/json', accept: 'application/json' },
      body,
      maxBodyBytes: MAX_ANSWER_BYTES,
      overflow: 'truncate',
    });
    if (res.kind === 'unavailable') return { outcome: res };
    const binding: AnswerBinding = { purpose: RECRUITMENT_ANSWER_PURPOSE, deviceId, requestTag: headers[HEADER_SIGNATURE] ?? '', batchId: '', contentSha256: sha256Hex(body) };
    const signature = res.headers[HEADER_CENTRAL_SIGNATURE];
    const signed = verifyAnswer(binding, res.status, res.body, Array.isArray(signature) ? signature[0] : signature, centralKey);
    const json = jsonOf(res.body.toString('utf8'));
    if (res.status === 200) {
      if (!signed) return { outcome: { kind: 'unavailable', reason: 'bad-signature', status: 200, message: 'the answer is not signed by the pinned central key for this request' } };
      if (isAnswer(json)) return { outcome: { kind: 'answered', answer: json } };
      return { outcome: { kind: 'unavailable', reason: 'bad-response', status: 200, message: 'the central answered 200 without a valid events answer' } };
    }
    const { code, message } = centralError(res.status, json);
    if (res.status === 400 || res.status === 413) {
      if (signed) return { outcome: { kind: 'rejected', status: res.status, code, message } };
      return { outcome: { kind: 'unavailable', reason: 'bad-signature', status: res.status, message: `unsigned ${res.status} ${code}: ${message}` } };
    }
    if (res.status === 401 || res.status === 403) {
      const serverDate = Date.parse(String(res.headers.date ?? ''));
      if (/CLOCK_SKEW|STALE/.test(code) && Number.isFinite(serverDate)) {
        const offset = serverDate - this.#now();
        if (Math.abs(offset - this.#clockOffsetMs) > 1000) return { outcome: { kind: 'unauthorised', status: res.status, code, message }, retryWithOffset: offset };
      }
      return { outcome: { kind: 'unauthorised', status: res.status, code, message } };
    }
    return { outcome: { kind: 'unavailable', reason: 'server-error', status: res.status, message: `${code}: ${message}` } };
  }

  async close(): Promise<void> {
    await this.#link.close();
  }
}
