/**
 * Messages to migrants wait here until the channel has taken them (notifications-schema.ts). Enqueued inside the
 * transaction of the fact they announce; the dispatcher (notification-dispatcher.ts) takes the due ones. The phone
 * number is cleared once a message is sent or given up; the masked form stays for the status view.
 */
import type { Database } from 'better-sqlite3';
import { guard } from '../store/errors.ts';
import { maskPhone } from './notification-channel.ts';

export interface NotificationInput {
  notificationId: string;
  channel: string;
  recipient: string;
  language: 'en' | 'sn' | 'nd';
  template: string;
  params: Record<string, string>;
}

/** A queued notification as the dispatcher takes it: what was queued (the channel aside), its place in the queue and its attempts so far. */
export interface DueNotification extends Omit<NotificationInput, 'channel'> {
  seq: number;
  attempts: number;
}

export interface NotificationView {
  notificationId: string;
  channel: string;
  recipientMasked: string;
  language: string;
  template: string;
  createdAt: string;
  attempts: number;
  state: 'queued' | 'sent' | 'failed';
  sentAt: string | null;
  lastError: string | null;
}

export interface NotificationOutbox {
  /** In the caller's transaction; false when this notification id was queued before (nothing changes). */
  enqueue(n: NotificationInput, at: string): boolean;
  due(now: string, limit: number): DueNotification[];
  markSent(seq: number, at: string, providerRef: string | null): void;
  markRetry(seq: number, reason: string, nextAttemptAt: string): void;
  markFailed(seq: number, reason: string, at: string): void;
  recent(limit: number): NotificationView[];
  counts(): { queued: number; sent: number; failed: number };
}

export function createNotificationOutbox(db: Database): NotificationOutbox {
  const insert = db.prepare(
    `INSERT INTO notification_outbox (notification_id, channel, recipient, recipient_masked, language, template, params_json, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (notification_id) DO NOTHING`,
  );
  const due = db.prepare<[string, number], { seq: number; notification_id: string; recipient: string; language: 'en' | 'sn' | 'nd'; template: string; params_json: string; attempts: number }>(
    `SELECT seq, notification_id, recipient, language, template, params_json, attempts FROM notification_outbox
     WHERE sent_at IS NULL AND failed_at IS NULL AND recipient IS NOT NULL AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
     ORDER BY seq LIMIT ?`,
  );
  const sent = db.prepare('UPDATE notification_outbox SET sent_at = ?, provider_ref = ?, recipient = NULL, attempts = attempts + 1, last_error = NULL WHERE seq = ?');
  const retry = db.prepare('UPDATE notification_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE seq = ?');
  const failed = db.prepare('UPDATE notification_outbox SET failed_at = ?, recipient = NULL, attempts = attempts + 1, last_error = ? WHERE seq = ?');
  const recent = db.prepare<[number], Record<string, string | number | null>>('SELECT * FROM notification_outbox ORDER BY seq DESC LIMIT ?');
  const counts = db.prepare<[], { queued: number; sent: number; failed: number }>(
    `SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) AS queued, count(sent_at) AS sent, count(failed_at) AS failed FROM notification_outbox`,
  );
  return {
    enqueue(n, at) {
      return insert.run(n.notificationId, n.channel, n.recipient, maskPhone(n.recipient), n.language, n.template, JSON.stringify(n.params), at).changes === 1;
    },
    due: (now, limit) =>
      guard('notifications.due', () =>
        due.all(now, limit).map((r) => ({
          seq: r.seq,
          notificationId: r.notification_id,
          recipient: r.recipient,
          language: r.language,
          template: r.template,
          params: JSON.parse(r.params_json) as Record<string, string>,
          attempts: r.attempts,
        })),
      ),
    markSent: (seq, at, ref) => void guard('notifications.sent', () => sent.run(at, ref, seq)),
    markRetry: (seq, reason, next) => void guard('notifications.retry', () => retry.run(reason.slice(0, 200), next, seq)),
    markFailed: (seq, reason, at) => void guard('notifications.failed', () => failed.run(at, reason.slice(0, 200), seq)),
    recent: (limit) =>
      guard('notifications.recent', () =>
        recent.all(limit).map((r) => ({
          notificationId: String(r.notification_id),
          channel: String(r.channel),
          recipientMasked: String(r.recipient_masked),
          language: String(r.language),
          template: String(r.template),
          createdAt: String(r.created_at),
          attempts: Number(r.attempts),
          state: r.sent_at ? 'sent' : r.failed_at ? 'failed' : 'queued',
          sentAt: (r.sent_at as string | null) ?? null,
          lastError: (r.last_error as string | null) ?? null,
        })),
      ),
    counts: () => guard('notifications.counts', () => counts.get() ?? { queued: 0, sent: 0, failed: 0 }),
  };
}
