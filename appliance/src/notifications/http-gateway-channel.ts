import { readFileSync } from 'node:fs';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { type NotificationChannel, type OutgoingMessage, type SendResult, maskPhone } from './notification-channel.ts';

export interface HttpGatewayOptions {
  /** The gateway's send endpoint (https://…). */
  url: string;
  /** File holding the gateway's API token (sent as `Authorization: Bearer …`); none: no header. Kept out of the config file. */
  tokenFile?: string;
  /** Sender id or short code the gateway shows, when it needs one. */
  sender?: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

/**
 * A generic SMS gateway that takes one JSON POST per message — `{ to, text, reference, sender? }` — and answers
 * 2xx (optionally `{ id }`) when it has taken it. Most aggregators (and a small adapter in front of any other)
 * speak this; a gateway with another body is one more class implementing NotificationChannel.
 * 408, 429 and 5xx are retried later; any other 4xx means the gateway will never take this message.
 */
export class HttpGatewayChannel implements NotificationChannel {
  readonly name = 'http-gateway';
  readonly #o: HttpGatewayOptions;
  readonly #token: string | null;
  readonly #log: Logger;

  constructor(o: HttpGatewayOptions) {
    this.#o = o;
    this.#token = o.tokenFile ? readFileSync(o.tokenFile, 'utf8').trim() : null;
    this.#log = o.logger ?? createLogger('notifications:http');
  }

  async send(m: OutgoingMessage): Promise<SendResult> {
    const doFetch = this.#o.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(this.#o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}) },
        body: JSON.stringify({ to: m.to, text: m.text, reference: m.notificationId, ...(this.#o.sender ? { sender: this.#o.sender } : {}) }),
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable';
      this.#log.info({ notificationId: m.notificationId, to: maskPhone(m.to), reason }, 'SMS gateway not reached');
      return { kind: 'retry', reason };
    }
    const body = (await res.json().catch(() => null)) as { id?: unknown; messageId?: unknown } | null;
    if (res.ok) {
      const ref = body?.id ?? body?.messageId;
      return { kind: 'sent', ...(typeof ref === 'string' || typeof ref === 'number' ? { providerRef: String(ref).slice(0, 100) } : {}) };
    }
    const reason = `HTTP ${res.status}`;
    this.#log.warn({ notificationId: m.notificationId, to: maskPhone(m.to), status: res.status }, 'SMS gateway refused a message');
    return res.status === 408 || res.status === 429 || res.status >= 500 ? { kind: 'retry', reason } : { kind: 'failed', reason };
  }
}
