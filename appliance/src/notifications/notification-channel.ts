/**
 * How a message reaches a migrant's phone (issue #17 item 5): one small interface, so an SMS gateway is added by
 * writing one class and naming it in the configuration (`notifications.channel`), without touching the flow that
 * decides what to send (recruitment/outcome-notices.ts) or the outbox that keeps it until sent (notification-outbox.ts).
 *
 * A channel never throws for anything the network or the gateway does: it answers one SendResult.
 */

export interface OutgoingMessage {
  /** The outbox's idempotency key (e.g. outcome:<candidacy>:<status>): a gateway that dedupes can use it. */
  notificationId: string;
  /** E.164, e.g. +263771234567. Personal data: a channel must never log it in clear (maskPhone). */
  to: string;
  /** The composed text, in the migrant's language, plain ASCII (GSM 03.38 safe). */
  text: string;
  language: string;
  /** The template the text came from (logged instead of the text). */
  template: string;
}

export type SendResult =
  | { kind: 'sent'; providerRef?: string }
  /** Try again later (gateway down, rate limited, timeout). */
  | { kind: 'retry'; reason: string }
  /** Never retry (number refused, message refused): set aside for a person to look at. */
  | { kind: 'failed'; reason: string };

export interface NotificationChannel {
  /** Stored with each message: the channel that took it. */
  readonly name: string;
  send(message: OutgoingMessage): Promise<SendResult>;
  close?(): Promise<void>;
}

/**
 * A phone number as logs and screens may show it: the country code and the last two digits, the rest hidden
 * (+263 ******67). Anything that is not a phone number is hidden whole.
 */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  const digits = phone.replace(/[^0-9+]/g, '');
  const m = /^(\+\d{1,3})(\d*)(\d{2})$/.exec(digits.startsWith('+') ? digits : `+${digits}`);
  if (!m || digits.length < 7) return '***';
  return `${m[1]} ${'*'.repeat((m[2] ?? '').length)}${m[3]}`;
}
