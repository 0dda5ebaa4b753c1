/**
 * Forwards the recruitment outbox (recruitment-outbox.ts) to the central: takes the due events oldest first,
 * sends them in one signed request (central-events-client.ts), and applies the answer — accepted and duplicate
 * events leave the queue, rejected ones are set aside for good. A link failure backs off with full jitter
 * (sync/backoff.ts, the relay's policy); a signed refusal of a whole request sends the events one by one until
 * the one at fault is found and set aside; an unauthorised device waits the long retry. A new event, or the
 * registration relay reporting the link back, ends any wait (kick()).
 */
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { MAX_EVENTS_PER_REQUEST } from '@lmc/protocol/recruitment.ts';
import { RetryLoop, type RetryOptions } from '../central-link/retry-loop.ts';
import { Backoff } from '../sync/backoff.ts';
import type { RecruitmentTransport } from './central-events-client.ts';
import type { RecruitmentOutbox } from './recruitment-outbox.ts';

export type RelayLinkState = 'not-configured' | 'idle' | 'online' | 'backing-off' | 'unauthorised';

export interface RecruitmentRelayOptions extends RetryOptions {
  outbox: RecruitmentOutbox;
  /** null: no central configured; events wait in the outbox. */
  transport: RecruitmentTransport | null;
  pollMs: number;
  unauthorisedRetryMs: number;
  batchSize?: number;
}

export interface CycleResult {
  sent: number;
  rejected: number;
  /** Wait before the next cycle. */
  delayMs: number;
}

export class RecruitmentRelay {
  readonly #o: RecruitmentRelayOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #retries: Backoff;
  /** 1 after a signed refusal of a request: events go one by one until one is accepted. */
  #size: number;
  #state: RelayLinkState;
  /** A kick during a cycle: the wait after it is skipped (a new event may have missed that cycle). */
  readonly #cycles: RetryLoop;

  constructor(o: RecruitmentRelayOptions) {
    this.#o = o;
    this.#log = o.logger ?? createLogger('recruitment:relay');
    this.#now = o.now ?? (() => new Date());
    this.#size = Math.min(o.batchSize ?? 100, MAX_EVENTS_PER_REQUEST);
    this.#retries = new Backoff(o.backoff, o.random);
    this.#state = o.transport ? 'idle' : 'not-configured';
    this.#cycles = new RetryLoop({
      cycle: () => this.cycle(),
      // A store fault (disk full…): logged, retried later; the events are still in the outbox.
      logger: this.#log,
      failure: 'recruitment relay cycle failed',
      retryAfterFailureMs: () => this.#retries.next(),
      wakeDuringCycle: true,
    });
  }

  get linkState(): RelayLinkState {
    return this.#state;
  }

  start(): void {
    if (this.#o.transport) this.#cycles.start();
  }

  async stop(): Promise<void> {
    await this.#cycles.stop(() => this.#o.transport?.close());
  }

  /** Send now: ends any wait, backoff included. */
  kick(): void {
    this.#cycles.wake();
  }

  /** One request's worth: never throws for anything the network or the central does. */
  async cycle(): Promise<CycleResult> {
    const transport = this.#o.transport;
    if (!transport) return { sent: 0, rejected: 0, delayMs: this.#o.pollMs };
    const due = this.#o.outbox.due(this.#size);
    if (due.length === 0) return { sent: 0, rejected: 0, delayMs: this.#o.pollMs };
    const outcome = await transport.send(due.map((d) => d.event));
    const at = this.#now().toISOString();
    const ids = due.map((d) => d.eventId);
    switch (outcome.kind) {
      case 'answered': {
        const { accepted, duplicates, rejected } = outcome.answer;
        const mine = new Set(ids);
        const sent = this.#o.outbox.markSent([...accepted, ...duplicates].filter((id) => mine.has(id)), at);
        const refused = this.#o.outbox.markRejected(rejected.filter((r) => mine.has(r.eventId)), at);
        if (refused > 0) this.#log.warn({ rejected: rejected.map((r) => r.code) }, 'the central refused recruitment events for good');
        this.#state = 'online';
        this.#retries.reset();
        this.#size = Math.min(this.#o.batchSize ?? 100, MAX_EVENTS_PER_REQUEST);
        // An event the central neither stored nor refused stays due; it goes again after the usual wait.
        return { sent, rejected: refused, delayMs: sent + refused > 0 ? 0 : this.#o.pollMs };
      }
      case 'rejected': {
        if (due.length > 1) {
          this.#size = 1;
          return { sent: 0, rejected: 0, delayMs: 0 };
        }
        const refused = this.#o.outbox.markRejected([{ eventId: ids[0] as string, code: outcome.code }], at);
        this.#log.warn({ code: outcome.code, status: outcome.status }, 'the central refused a recruitment event for good');
        return { sent: 0, rejected: refused, delayMs: 0 };
      }
      case 'unauthorised':
        this.#state = 'unauthorised';
        this.#o.outbox.markFailed(ids, `${outcome.code}: ${outcome.message}`);
        this.#log.warn({ code: outcome.code, status: outcome.status }, 'the central refuses this device\u2019s recruitment events');
        return { sent: 0, rejected: 0, delayMs: this.#o.unauthorisedRetryMs };
      case 'unavailable': {
        this.#state = 'backing-off';
        this.#o.outbox.markFailed(ids, `${outcome.reason}: ${outcome.message}`);
        const delayMs = this.#retries.next();
        this.#log.info({ reason: outcome.reason, delayMs }, 'recruitment events not sent; retrying later');
        return { sent: 0, rejected: 0, delayMs };
      }
    }
  }
}
