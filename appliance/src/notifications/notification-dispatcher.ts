/**
 * Takes due messages from the outbox (notification-outbox.ts), composes each text in the migrant's language and
 * hands it to the configured channel. A message the channel could not take now waits with full-jitter backoff
 * (sync/backoff.ts) per message; after `maxAttempts` it is given up (kept, visible in the status view). Runs on
 * a timer and whenever something is queued (kick()).
 */
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { type BackoffPolicy, backoffDelay } from '../sync/backoff.ts';
import type { NotificationChannel } from './notification-channel.ts';
import type { NotificationOutbox } from './notification-outbox.ts';

export type ComposeText = (template: string, language: 'en' | 'sn' | 'nd', params: Record<string, string>) => string;

export interface DispatcherOptions {
  outbox: NotificationOutbox;
  channel: NotificationChannel;
  compose: ComposeText;
  intervalMs: number;
  backoff: BackoffPolicy;
  maxAttempts: number;
  now?: () => Date;
  random?: () => number;
  logger?: Logger;
}

export class NotificationDispatcher {
  readonly #o: DispatcherOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<number> | undefined;
  #again = false;

  constructor(o: DispatcherOptions) {
    this.#o = o;
    this.#log = o.logger ?? createLogger('notifications');
    this.#now = o.now ?? (() => new Date());
  }

  start(): void {
    this.#timer = setInterval(() => this.kick(), this.#o.intervalMs);
    this.#timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#busy;
    await this.#o.channel.close?.();
  }

  /** Dispatch now (a message was queued); a call during a run makes it run once more after. */
  kick(): void {
    if (this.#busy !== undefined) {
      this.#again = true;
      return;
    }
    this.#busy = this.dispatchDue()
      .catch((err: unknown) => {
        this.#log.error({ code: (err as { code?: string }).code, message: (err as Error).message }, 'notification dispatch failed');
        return 0;
      })
      .finally(() => {
        this.#busy = undefined;
        if (this.#again && this.#timer) {
          this.#again = false;
          this.kick();
        }
      });
  }

  /** One pass over the due messages; returns how many the channel took. */
  async dispatchDue(limit = 20): Promise<number> {
    const { outbox, channel } = this.#o;
    let taken = 0;
    for (const n of outbox.due(this.#now().toISOString(), limit)) {
      const text = this.#o.compose(n.template, n.language, n.params);
      const result = await channel.send({ notificationId: n.notificationId, to: n.recipient, text, language: n.language, template: n.template });
      const at = this.#now();
      if (result.kind === 'sent') {
        outbox.markSent(n.seq, at.toISOString(), result.providerRef ?? null);
        taken++;
      } else if (result.kind === 'failed' || n.attempts + 1 >= this.#o.maxAttempts) {
        outbox.markFailed(n.seq, result.kind === 'failed' ? result.reason : `gave up after ${n.attempts + 1} attempts: ${result.reason}`, at.toISOString());
        this.#log.warn({ notificationId: n.notificationId, reason: result.reason }, 'notification given up');
      } else {
        const next = new Date(at.getTime() + Math.max(1000, backoffDelay(n.attempts, this.#o.backoff, this.#o.random)));
        outbox.markRetry(n.seq, result.reason, next.toISOString());
      }
    }
    return taken;
  }
}
