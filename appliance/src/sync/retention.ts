/**
 * Local retention: a registration the central database has acknowledged is deleted from the
 * appliance (registration row and outbox row) once its acknowledgement is `retentionDays` old. The
 * appliance is a buffer, not an archive; a stolen appliance should hold as few people as possible.
 * The audit chain stays: it holds ids, actions and codes, no personal data, and deleting from it
 * would break the hash chain (store/audit-chain.ts).
 */
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { Feature } from '../devices/feature.ts';
import type { PurgeResult, Store } from '../store/index.ts';

const DAY_MS = 86_400_000;
/** Rows per transaction: keeps the write lock short so an officer's finalize never waits long. */
const CHUNK = 500;

export interface RetentionOptions {
  store: Store;
  retentionDays: number;
  now?: () => Date;
  logger?: Logger;
  /** How often the purge runs; it also runs at start. */
  intervalMs?: number;
}

/** Purge everything acknowledged before now − retentionDays, in chunks. */
export function purgeAcknowledged(store: Store, retentionDays: number, now: Date): PurgeResult {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
  const total: PurgeResult = { outbox: 0, registrations: 0 };
  for (;;) {
    const r = store.outbox.purgeSent(cutoff, CHUNK);
    total.outbox += r.outbox;
    total.registrations += r.registrations;
    if (r.outbox < CHUNK) return total;
  }
}

export class RetentionFeature implements Feature {
  readonly name = 'sync-retention';
  readonly #o: RetentionOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RetentionOptions) {
    this.#o = options;
    this.#log = options.logger ?? createLogger('sync:retention');
  }

  async start(): Promise<void> {
    this.runNow();
    this.#timer = setInterval(() => this.runNow(), this.#o.intervalMs ?? 3_600_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  runNow(): PurgeResult {
    try {
      const r = purgeAcknowledged(this.#o.store, this.#o.retentionDays, (this.#o.now ?? (() => new Date()))());
      if (r.outbox > 0) this.#log.info({ ...r, retentionDays: this.#o.retentionDays }, 'purged acknowledged registrations');
      return r;
    } catch (err) {
      this.#log.error({ code: (err as { code?: string }).code, message: (err as Error).message }, 'retention purge failed');
      return { outbox: 0, registrations: 0 };
    }
  }
}
