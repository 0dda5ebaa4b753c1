/**
 * Takes due messages from the outbox (notification-outbox.ts), composes each text in the migrant's language and
 * hands it to the configured channel. A message the channel could not take now waits with full-jitter backoff
 * (sync/backoff.ts) per message; after `maxAttempts` it is given up (kept, visible in the status view). Runs on
 * the appliance's one retry loop (central-link/retry-loop.ts): a pass every `intervalMs`, and at once when
 * something is queued (kick(); a kick during a pass makes another pass follow it).
 */
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { RetryLoop, type RetryOptions } from '../central-link/retry-loop.ts';
import { backoffDelay } from '../sync/backoff.ts';
import type { NotificationChannel } from './notification-channel.ts';
import type { NotificationOutbox } from './notification-outbox.ts';

export type ComposeText = (template: string, language: 'en' | 'sn' | 'nd', params: Record<string, string>) => string;

export interface DispatcherOptions extends RetryOptions {
  outbox: NotificationOutbox;
  channel: NotificationChannel;
  compose: ComposeText;
  intervalMs: number;
  maxAttempts: number;
}

export class NotificationDispatcher {
  readonly #o: DispatcherOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #passes: RetryLoop;

  constructor(o: DispatcherOptions) {
    this.#o = o;
    this.#log = o.logger ?? createLogger('notifications');
    this.#now = o.now ?? (() => new Date());
    this.#passes = new RetryLoop({
      cycle: async () => {
        await this.dispatchDue();
        return { delayMs: o.intervalMs };
      },
      logger: this.#log,
      failure: 'notification dispatch failed',
      retryAfterFailureMs: () => o.intervalMs,
      wakeDuringCycle: true,
    });
  }

  start(): void {
    this.#passes.start();
  }

  /** Lets a pass under way finish, then closes the channel. */
  async stop(): Promise<void> {
    await this.#passes.stop();
    await this.#o.channel.close?.();
  }

  /** Dispatch now (a message was queued); a call during a pass makes another pass follow it. */
  kick(): void {
    this.#passes.wake();
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
