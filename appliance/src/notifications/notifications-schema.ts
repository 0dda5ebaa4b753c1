/**
 * The notification outbox (issue #17 item 5): messages to migrants (an SMS when shortlisted or selected) wait here
 * until the configured channel has taken them, so a gateway outage or a restart loses none. Appended to the
 * appliance's schema history (appliance/src/schema.ts); append-only like every migration.
 *
 * The recipient is a phone number: personal data, kept only until the message is sent and then cleared (the
 * row keeps its masked form for the status view). The text is composed when sending, from the template and its
 * parameters, in the migrant's language.
 */
import type { Migration } from '../store/migrations.ts';

export const NOTIFICATIONS_MIGRATION_NAME = 'notification-outbox';

export const notificationsSchema = /* sql */ `
CREATE TABLE notification_outbox (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  -- Idempotency: one message per fact (e.g. outcome:<candidacy>:<status>); a second enqueue is ignored.
  notification_id  TEXT NOT NULL UNIQUE,
  channel          TEXT NOT NULL,
  -- E.164 until sent, then NULL; recipient_masked stays.
  recipient        TEXT,
  recipient_masked TEXT NOT NULL,
  language         TEXT NOT NULL CHECK (language IN ('en', 'sn', 'nd')),
  template         TEXT NOT NULL,
  params_json      TEXT NOT NULL CHECK (json_valid(params_json)),
  created_at       TEXT NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at  TEXT,
  sent_at          TEXT,
  -- The channel's message id (gateway reference), when it gives one.
  provider_ref     TEXT,
  last_error       TEXT,
  -- Given up (the gateway refused the number for good): never retried.
  failed_at        TEXT,
  CHECK (sent_at IS NULL OR recipient IS NULL)
);
CREATE INDEX notification_outbox_due ON notification_outbox (seq) WHERE sent_at IS NULL AND failed_at IS NULL;
`;

export const notificationMigrations: readonly Migration[] = [{ version: 14, name: NOTIFICATIONS_MIGRATION_NAME, sql: notificationsSchema }];
