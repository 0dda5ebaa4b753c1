/** Messages to migrants: channel interface, outbox, dispatcher, assembled from configuration. */
import type { Logger } from '@lmc/core/logger.ts';
import type { Store } from '../store/index.ts';
import { HttpGatewayChannel } from './http-gateway-channel.ts';
import { LoggingChannel } from './logging-channel.ts';
import type { NotificationChannel } from './notification-channel.ts';
import { type ComposeText, NotificationDispatcher } from './notification-dispatcher.ts';
import { type NotificationOutbox, createNotificationOutbox } from './notification-outbox.ts';
import type { NotificationsConfig } from './notifications-config.ts';

export { maskPhone, type NotificationChannel, type OutgoingMessage, type SendResult } from './notification-channel.ts';
export { LoggingChannel } from './logging-channel.ts';
export { HttpGatewayChannel } from './http-gateway-channel.ts';
export { NotificationDispatcher } from './notification-dispatcher.ts';
export { createNotificationOutbox, type NotificationOutbox } from './notification-outbox.ts';
export { NotificationsConfig } from './notifications-config.ts';

/** The configured channel: where a real SMS gateway plugs in (README "Notifications to migrants"). */
export function channelFromConfig(config: NotificationsConfig, logger: Logger): NotificationChannel {
  if (config.channel === 'http-gateway') {
    const g = config.httpGateway;
    if (!g) throw new Error("notifications.channel is 'http-gateway' but notifications.httpGateway is not set");
    return new HttpGatewayChannel({ url: g.url, timeoutMs: g.timeoutMs, ...(g.tokenFile ? { tokenFile: g.tokenFile } : {}), ...(g.sender ? { sender: g.sender } : {}), logger });
  }
  return new LoggingChannel(logger);
}

export interface Notifications {
  outbox: NotificationOutbox;
  channel: NotificationChannel;
  dispatcher: NotificationDispatcher;
}

export function createNotifications(o: { store: Store; config: NotificationsConfig; compose: ComposeText; logger: Logger; channel?: NotificationChannel; now?: () => Date }): Notifications {
  const outbox = createNotificationOutbox(o.store.connection);
  const channel = o.channel ?? channelFromConfig(o.config, o.logger);
  const dispatcher = new NotificationDispatcher({
    outbox,
    channel,
    compose: o.compose,
    intervalMs: o.config.intervalMs,
    maxAttempts: o.config.maxAttempts,
    backoff: { baseMs: o.config.backoffBaseMs, maxMs: o.config.backoffMaxMs },
    logger: o.logger,
    ...(o.now ? { now: o.now } : {}),
  });
  return { outbox, channel, dispatcher };
}
