import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { type NotificationChannel, type OutgoingMessage, type SendResult, maskPhone } from './notification-channel.ts';

/**
 * The default channel: nothing leaves the appliance, each message is logged as sent — the number masked, the
 * template and length instead of the text (the text names the vacancy, and a log is no place for who applied
 * where). For offices without an SMS gateway, for training, and for tests.
 */
export class LoggingChannel implements NotificationChannel {
  readonly name = 'log';
  readonly #log: Logger;
  /** The last 100 messages taken, masked (the status view and tests read them). */
  readonly sent: Array<{ notificationId: string; to: string; template: string }> = [];

  constructor(logger?: Logger) {
    this.#log = logger ?? createLogger('notifications:log');
  }

  async send(m: OutgoingMessage): Promise<SendResult> {
    const to = maskPhone(m.to);
    this.#log.info({ notificationId: m.notificationId, to, template: m.template, language: m.language, chars: m.text.length }, 'notification (logging channel: not sent to a phone)');
    this.sent.push({ notificationId: m.notificationId, to, template: m.template });
    if (this.sent.length > 100) this.sent.shift();
    return { kind: 'sent', providerRef: `log:${m.notificationId}` };
  }
}
