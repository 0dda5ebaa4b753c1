/**
 * Recruitment at the counter (issue #17), assembled from configuration for the composition root (start.ts):
 * the service (profile, matching, candidacies, costs), the relay that forwards their events to the central,
 * the outcome notices and the notification channel. One start/stop unit.
 */
import type { KeyObject } from 'node:crypto';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { CentralConfig } from '../config/schema.ts';
import type { EventBus } from '../events/event-bus.ts';
import { type Notifications, type NotificationsConfig, createNotifications } from '../notifications/index.ts';
import type { NotificationChannel } from '../notifications/notification-channel.ts';
import type { Store } from '../store/index.ts';
import { type RecruitmentTransport, RecruitmentEventsClient } from './central-events-client.ts';
import { OutcomeNotices } from './outcome-notices.ts';
import type { RecruitmentConfig } from './recruitment-config.ts';
import { RecruitmentRelay } from './recruitment-relay.ts';
import type { RecruitmentRoutesOptions } from './recruitment-routes.ts';
import { RecruitmentService } from './recruitment-service.ts';
import { composeNotice } from './terms-text.ts';
import { receiptSections } from './vacancy-sections.ts';

export { recruitmentRoutes } from './recruitment-routes.ts';
export { RecruitmentConfig } from './recruitment-config.ts';
export type { RecruitmentService } from './recruitment-service.ts';

const DAY_MS = 86_400_000;

export interface RecruitmentOptions {
  store: Store;
  bus?: EventBus;
  central: CentralConfig;
  recruitment: RecruitmentConfig;
  notifications: NotificationsConfig;
  identity: { deviceId: string; privateKey: KeyObject };
  /** The central's key and certificate pinned at enrolment; no key: nothing is sent. */
  trust: { publicKey: KeyObject | null; tlsPem: string | null };
  officeName: string;
  timeZone?: string;
  logger?: Logger;
  now?: () => Date;
  /** Tests: a fake central, a recording channel. */
  transport?: RecruitmentTransport | null;
  channel?: NotificationChannel;
}

export class Recruitment {
  readonly service: RecruitmentService;
  readonly relay: RecruitmentRelay;
  readonly notices: OutcomeNotices;
  readonly notifications: Notifications;
  readonly #o: RecruitmentOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(o: RecruitmentOptions) {
    this.#o = o;
    this.#log = o.logger ?? createLogger('recruitment');
    const now = o.now ?? (() => new Date());
    this.service = new RecruitmentService({ store: o.store, now, ...(o.timeZone ? { timeZone: o.timeZone } : {}) });
    const transport =
      o.transport !== undefined
        ? o.transport
        : o.central.url === ''
          ? null
          : new RecruitmentEventsClient({
              url: o.central.url,
              identity: o.identity,
              centralKey: o.trust.publicKey,
              pinnedTlsPem: o.trust.tlsPem,
              allowInsecureHttp: o.central.allowInsecureHttp ?? false,
              connectTimeoutMs: o.central.connectTimeoutMs,
              responseTimeoutMs: o.central.responseTimeoutMs,
            });
    this.relay = new RecruitmentRelay({
      outbox: this.service.outbox,
      transport,
      backoff: { baseMs: o.recruitment.backoffBaseMs, maxMs: o.recruitment.backoffMaxMs },
      pollMs: o.recruitment.pollMs,
      unauthorisedRetryMs: o.recruitment.unauthorisedRetryMs,
      batchSize: o.recruitment.batchSize,
      now,
      logger: createLogger('recruitment:relay', this.#log),
    });
    this.notifications = createNotifications({
      store: o.store,
      config: o.notifications,
      compose: composeNotice,
      logger: createLogger('notifications', this.#log),
      now,
      ...(o.channel ? { channel: o.channel } : {}),
    });
    this.notices = new OutcomeNotices({ store: o.store, outbox: this.notifications.outbox, channel: this.notifications.channel.name, officeName: o.officeName, now, logger: this.#log });
  }

  /** What the HTTP routes need (recruitment-routes.ts). */
  routeOptions(): RecruitmentRoutesOptions {
    return { service: this.service, notices: this.notices, relay: this.relay, notifications: this.notifications, officeName: this.#o.officeName, ...(this.#o.now ? { now: this.#o.now } : {}) };
  }

  /** The vacancy terms the receipt prints, in its language (printing/printing-service.ts receipt sections). */
  receiptSections(registrationId: string, language: string) {
    return receiptSections(this.#o.store.connection, registrationId, language);
  }

  /** Outcomes → notices and messages; forwarded events older than the retention leave the outbox. */
  sweep(): void {
    try {
      if (this.notices.sweep() > 0) this.notifications.dispatcher.kick();
      const now = (this.#o.now ?? (() => new Date()))();
      this.service.outbox.purgeSent(new Date(now.getTime() - this.#o.recruitment.sentRetentionDays * DAY_MS).toISOString());
    } catch (err) {
      this.#log.error({ code: (err as { code?: string }).code, message: (err as Error).message }, 'recruitment sweep failed');
    }
  }

  async start(): Promise<void> {
    this.relay.start();
    this.notifications.dispatcher.start();
    this.sweep();
    this.#timer = setInterval(() => this.sweep(), this.#o.recruitment.outcomePollMs);
    this.#timer.unref();
    // The registration relay acknowledged something (a finalized record): the events about it may now go.
    let lastAck: string | null = null;
    this.#unsubscribe = this.#o.bus?.subscribe(
      'sync.status',
      (s) => {
        if (s.lastAcknowledgedAt === lastAck) return;
        lastAck = s.lastAcknowledgedAt;
        this.relay.kick();
      },
      'recruitment',
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    await this.relay.stop();
    await this.notifications.dispatcher.stop();
  }
}
