/**
 * The HTTP side of forwarding recruitment events (protocol/src/recruitment.ts): one POST of `{ events }` to
 * RECRUITMENT_EVENTS_PATH, signed as a reference pull is (reference-feed.ts signRequest) with the body's SHA-256 in
 * the signed query, through the appliance's one signed exchange (central-link/signed-central.ts: pinned TLS, named
 * timeouts, bounded bodies, clock correction from a skew refusal), every way it can end classified into one
 * EventsOutcome. Nothing the network or the central does reaches the caller as an exception.
 *
 * An answer counts only when the central signed it with the key pinned at enrolment and bound it to this request:
 * an unsigned 200 is never an acknowledgement, an unsigned 400 never rejects.
 */
import { sha256Hex } from '@lmc/protocol/batch-envelope.ts';
import {
  RECRUITMENT_ANSWER_PURPOSE,
  RECRUITMENT_EVENTS_PATH,
  type RecruitmentEvent,
  type RecruitmentEventsAnswer,
  recruitmentEventsQuery,
} from '@lmc/protocol/recruitment.ts';
import type { CentralLink } from '../central-link/central-link.ts';
import { type CentralOutcome, hasLists, keyMissing, SignedCentral, signedAs } from '../central-link/signed-central.ts';
import type { SignedClientOptions } from '../central-link/signed-client-options.ts';
import { ApplianceErrors } from '../errors.ts';

/** The central's answer; rejected: a signed 400/413, the central refuses this request's content (one event at fault: send them one by one). */
export type EventsOutcome = CentralOutcome<{ kind: 'answered'; answer: RecruitmentEventsAnswer }>;

/** The relay's view of the central: the client below, or a fake in unit tests. */
export interface RecruitmentTransport {
  send(events: readonly RecruitmentEvent[]): Promise<EventsOutcome>;
  close(): Promise<void>;
}

export type EventsClientOptions = SignedClientOptions;

const MAX_ANSWER_BYTES = 1024 * 1024;

const isAnswer = (v: unknown): v is RecruitmentEventsAnswer => hasLists(v, ['accepted', 'duplicates'], { rejected: ['eventId', 'code'] });

export class RecruitmentEventsClient implements RecruitmentTransport {
  readonly #central: SignedCentral;
  readonly #link: CentralLink;

  constructor(o: EventsClientOptions) {
    this.#central = new SignedCentral(o, ApplianceErrors.SYNC_CENTRAL_URL_INVALID.code);
    this.#link = this.#central.link(RECRUITMENT_EVENTS_PATH, { keepAliveMs: 10_000 });
  }

  /** Central clock minus ours, learnt from a skew refusal. */
  get clockOffsetMs(): number {
    return this.#central.clockOffsetMs;
  }

  async send(events: readonly RecruitmentEvent[]): Promise<EventsOutcome> {
    const body = Buffer.from(JSON.stringify({ events }), 'utf8');
    const query = recruitmentEventsQuery(body);
    const r = await this.#central.exchange(
      {
        link: this.#link,
        sign: signedAs(RECRUITMENT_ANSWER_PURPOSE, 'POST', RECRUITMENT_EVENTS_PATH, query, sha256Hex(body)),
        request: { method: 'POST', suffix: `?${query}`, headers: { 'content-type': 'application/json', accept: 'application/json' }, body, maxBodyBytes: MAX_ANSWER_BYTES, overflow: 'truncate' },
        clockRefusal: { code: /CLOCK_SKEW|STALE/ },
      },
      { valid: isAnswer, what: 'a valid events answer', rejected: [400, 413] },
    );
    if (r.kind === 'no-key') return keyMissing();
    return r.kind === 'ok' ? { kind: 'answered', answer: r.value } : r;
  }

  async close(): Promise<void> {
    await this.#central.close();
  }
}
