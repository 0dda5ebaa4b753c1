/**
 * Messages to migrants: the outbox keeps a message until the channel took it (idempotent per fact), the number
 * is cleared once sent and never logged in clear, a channel that cannot take a message now is retried with
 * backoff and given up after the configured attempts, and the HTTP gateway channel speaks to a real server.
 */
import { Writable } from 'node:stream';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApplianceStore } from '../schema.ts';
import type { Store } from '../store/index.ts';
import { tempDir } from '../store/test-support.ts';
import { HttpGatewayChannel, LoggingChannel, NotificationDispatcher, type NotificationChannel, type SendResult, createNotificationOutbox, maskPhone } from './index.ts';

const PHONE = '+263771234567';
let now = new Date('2026-11-29T09:00:00Z');
let store: Store;
let tmp: ReturnType<typeof tempDir>;

beforeEach(() => {
  now = new Date('2026-11-29T09:00:00Z');
  tmp = tempDir('notify-');
  store = openApplianceStore({ dataDir: tmp.dir, now: () => now });
});
afterEach(() => {
  store.close();
  tmp.remove();
});

const compose = (template: string, language: string, params: Record<string, string>) => `${template}/${language}: ${params.number ?? ''}`;
const enqueue = (outbox: ReturnType<typeof createNotificationOutbox>, id = 'outcome:c1:selected') =>
  store.transaction('t', () => outbox.enqueue({ notificationId: id, channel: 'log', recipient: PHONE, language: 'sn', template: 'outcome.selected', params: { number: 'BBR-7F3K-9QXM' } }, now.toISOString()));

describe('maskPhone', () => {
  it('keeps the country code and the last two digits', () => {
    expect(maskPhone('+263771234567')).toBe('+263 *******67');
    expect(maskPhone('+27825550101')).toBe('+278 ******01');
    expect(maskPhone('+27825550101')).not.toContain('55501');
    expect(maskPhone('12')).toBe('***');
    expect(maskPhone(null)).toBe('');
  });
});

describe('notification outbox and dispatcher', () => {
  it('sends once per fact through the logging channel, which logs no number or text in clear; the number is then cleared', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({
      write: (c, _e, cb) => {
        lines.push(String(c));
        cb();
      },
    }));
    const outbox = createNotificationOutbox(store.connection);
    expect(enqueue(outbox)).toBe(true);
    expect(enqueue(outbox)).toBe(false); // the same fact again: nothing new
    const channel = new LoggingChannel(logger);
    const d = new NotificationDispatcher({ outbox, channel, compose, intervalMs: 60_000, backoff: { baseMs: 1000, maxMs: 10_000 }, maxAttempts: 3, now: () => now });
    expect(await d.dispatchDue()).toBe(1);
    expect(await d.dispatchDue()).toBe(0);
    expect(channel.sent).toEqual([{ notificationId: 'outcome:c1:selected', to: maskPhone(PHONE), template: 'outcome.selected' }]);
    const log = lines.join('');
    expect(log).toContain('outcome:c1:selected');
    expect(log).not.toContain('771234567');
    expect(log).not.toContain('BBR-7F3K-9QXM');
    expect(store.connection.prepare('SELECT recipient, recipient_masked, sent_at FROM notification_outbox').get()).toEqual({ recipient: null, recipient_masked: maskPhone(PHONE), sent_at: now.toISOString() });
    expect(outbox.counts()).toEqual({ queued: 0, sent: 1, failed: 0 });
  });

  it('a channel that cannot take it now is retried after a backoff, and given up after maxAttempts', async () => {
    const outbox = createNotificationOutbox(store.connection);
    enqueue(outbox);
    const calls: string[] = [];
    const down: NotificationChannel = { name: 'down', send: async (m): Promise<SendResult> => {
        calls.push(m.text);
        return { kind: 'retry', reason: 'HTTP 503' };
      },
    };
    const d = new NotificationDispatcher({ outbox, channel: down, compose, intervalMs: 60_000, backoff: { baseMs: 2000, maxMs: 10_000 }, maxAttempts: 2, random: () => 0.99, now: () => now });
    await d.dispatchDue();
    expect(calls).toEqual(['outcome.selected/sn: BBR-7F3K-9QXM']);
    await d.dispatchDue(); // not due yet: waiting its backoff
    expect(calls).toHaveLength(1);
    now = new Date(now.getTime() + 2000);
    await d.dispatchDue();
    expect(calls).toHaveLength(2);
    expect(outbox.counts()).toEqual({ queued: 0, sent: 0, failed: 1 });
    expect(outbox.recent(1)[0]).toMatchObject({ state: 'failed', recipientMasked: maskPhone(PHONE), lastError: 'gave up after 2 attempts: HTTP 503' });
    expect(store.connection.prepare('SELECT recipient FROM notification_outbox').pluck().get()).toBeNull();
  });

  it('survives a restart: a queued message is still due after the store is reopened', async () => {
    enqueue(createNotificationOutbox(store.connection));
    store.close();
    store = openApplianceStore({ dataDir: tmp.dir, now: () => now });
    expect(createNotificationOutbox(store.connection).due(now.toISOString(), 10)).toHaveLength(1);
  });
});

describe('HTTP gateway channel', () => {
  let server: Server;
  let url: string;
  let status = 200;
  const received: Array<{ auth: string | undefined; body: unknown }> = [];
  beforeEach(async () => {
    received.length = 0;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, body: JSON.parse(body) });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'gw-42' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  const message = { notificationId: 'outcome:c1:selected', to: PHONE, text: 'hello', language: 'en', template: 'outcome.selected' };

  it('posts one JSON message with the bearer token from its file and keeps the gateway reference', async () => {
    const { writeFileSync } = await import('node:fs');
    const tokenFile = `${tmp.dir}/sms-token`;
    writeFileSync(tokenFile, 'secret-token\n', { mode: 0o600 });
    const ch = new HttpGatewayChannel({ url, tokenFile, sender: 'LMC', timeoutMs: 2000 });
    expect(await ch.send(message)).toEqual({ kind: 'sent', providerRef: 'gw-42' });
    expect(received).toEqual([{ auth: 'Bearer secret-token', body: { to: PHONE, text: 'hello', reference: 'outcome:c1:selected', sender: 'LMC' } }]);
  });

  it('retries 429 and 5xx, gives up on other 4xx, retries when unreachable', async () => {
    const ch = new HttpGatewayChannel({ url, timeoutMs: 2000 });
    status = 503;
    expect((await ch.send(message)).kind).toBe('retry');
    status = 429;
    expect((await ch.send(message)).kind).toBe('retry');
    status = 400;
    expect(await ch.send(message)).toEqual({ kind: 'failed', reason: 'HTTP 400' });
    status = 200;
    const gone = new HttpGatewayChannel({ url: 'http://127.0.0.1:9/send', timeoutMs: 1000 });
    expect((await gone.send(message)).kind).toBe('retry');
  });
});
