/**
 * Reference down-sync as a start/stop Feature: pulls `since=<local version>` page by page while the
 * link is up, applies each page atomically (apply.ts), waits `pollMs` once up to date, and backs
 * off with full jitter (sync/backoff.ts) while the central is unreachable. The local tables stay
 * readable throughout: queries.ts answers from them with or without a link.
 *
 * A new epoch (another central database, or the device's office or destinations changed) or a
 * central that has never issued the local version means the copy no longer matches: the next pull
 * starts from 0 and its first page empties the tables in the same transaction that refills them.
 */
import type { Database } from 'better-sqlite3';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { CentralConfig } from '../config/schema.ts';
import type { Feature } from '../devices/feature.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { CentralTrust } from '../keys/central-trust.ts';
import type { ApplianceIdentity } from '../keys/identity.ts';
import { RetryLoop, type RetryOptions } from '../central-link/retry-loop.ts';
import type { Store } from '../store/index.ts';
import { Backoff } from '../sync/backoff.ts';
import { type ApplyHooks, createReferenceApplier, type LocalReferenceState, type ReferenceApplier } from './apply.ts';
import { ReferenceClient, type PullOutcome, type ReferenceTransport } from './client.ts';
import type { ReferenceSyncConfig } from './config.ts';
import { createReferenceQueries, type ReferenceQueries } from './queries.ts';

export type ReferenceLinkState = 'not-configured' | 'unknown' | 'online' | 'offline' | 'backing-off' | 'unauthorised';

export interface ReferenceStatus {
  at: string;
  linkState: ReferenceLinkState;
  /** Version of the local copy. */
  version: number;
  /** Latest version the central reported (as of the last page). */
  headVersion: number;
  /** Changes at the central not yet here (as far as known). */
  lagVersions: number;
  /** Last pull that reached the end of the feed. */
  lastSyncAt: string | null;
  lastSyncAgeSeconds: number | null;
  lastAttemptAt: string | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  rows: Record<string, number>;
}

export interface ReferenceSyncOptions extends RetryOptions {
  /** A connection to the store's file (migrated), used for both applying and the queries. */
  db: Database;
  /** null: no central configured; the copy stays as it is. */
  transport: ReferenceTransport | null;
  pageSize: number;
  pollMs: number;
  unauthorisedRetryMs: number;
  timeZone?: string;
  /** Close `db` on stop (it was opened for this feature). */
  ownsDb?: boolean;
  hooks?: ApplyHooks;
  /** When given: the relay reporting the central reachable again ends a backoff wait here too. */
  bus?: EventBus;
}

export interface PullResult {
  pages: number;
  applied: number;
  /** true when the copy reached the end of the feed. */
  complete: boolean;
  /** Delay before the next cycle. */
  delayMs: number;
}

/** Upper bound of pages per cycle: a reset of a very large feed still yields to stop() in between. */
const MAX_PAGES_PER_CYCLE = 10_000;

export class ReferenceSync implements Feature {
  readonly name = 'reference-sync';
  readonly queries: ReferenceQueries;
  readonly #o: ReferenceSyncOptions;
  readonly #applier: ReferenceApplier;
  readonly #log: Logger;
  readonly #now: () => Date;
  #link: ReferenceLinkState;
  readonly #retries: Backoff;
  #nextAttemptAt: string | null = null;
  readonly #cycles: RetryLoop;

  constructor(options: ReferenceSyncOptions) {
    this.#o = options;
    this.#log = options.logger ?? createLogger('reference');
    this.#now = options.now ?? (() => new Date());
    this.#retries = new Backoff(options.backoff, options.random);
    this.#applier = createReferenceApplier(options.db, options.hooks);
    this.queries = createReferenceQueries(options.db, this.#now, options.timeZone);
    this.#link = options.transport ? 'unknown' : 'not-configured';
    this.#cycles = new RetryLoop({
      cycle: () => this.pullOnce(),
      logger: this.#log,
      failure: 'reference cycle failed',
      retryAfterFailureMs: () => this.#o.backoff.maxMs,
      // The relay reporting the central reachable again ends a backoff wait here too.
      linkStatus: {
        bus: options.bus,
        onStatus: (s) => {
          if (s.linkState === 'online' && this.#link !== 'online' && this.#link !== 'unauthorised') this.syncNow();
        },
      },
    });
  }

  /** From configuration: its own connection to the store's file, the undici client when central.url is set. */
  static fromConfig(o: {
    store: Store;
    identity: Pick<ApplianceIdentity, 'deviceId' | 'privateKey'>;
    central: CentralConfig;
    reference: ReferenceSyncConfig;
    /** The central's key and certificate pinned at enrolment (keys/central-trust.ts); none: no page is accepted. */
    trust?: CentralTrust;
    bus?: EventBus;
    logger?: Logger;
  }): ReferenceSync {
    const log = o.logger ?? createLogger('reference');
    const transport =
      o.reference.enabled && o.central.url !== ''
        ? new ReferenceClient({
            url: o.central.url,
            identity: o.identity,
            connectTimeoutMs: o.central.connectTimeoutMs,
            responseTimeoutMs: o.central.responseTimeoutMs,
            centralKey: o.trust?.publicKey ?? null,
            pinnedTlsPem: o.trust?.tlsPem ?? null,
            allowInsecureHttp: o.central.allowInsecureHttp ?? false,
          })
        : null;
    return new ReferenceSync({
      db: o.store.connection,
      ownsDb: false,
      transport,
      pageSize: o.reference.pageSize,
      pollMs: o.reference.pollMs,
      backoff: { baseMs: o.reference.backoffBaseMs, maxMs: o.reference.backoffMaxMs },
      unauthorisedRetryMs: o.reference.unauthorisedRetryMs,
      timeZone: o.reference.timeZone,
      logger: log,
      ...(o.bus ? { bus: o.bus } : {}),
    });
  }

  async start(): Promise<void> {
    if (this.#cycles.running) return;
    if (!this.#o.transport) this.#log.warn('no central configured: reference data stays as last pulled');
    this.#cycles.start(this.#o.transport !== null);
  }

  async stop(): Promise<void> {
    await this.#cycles.stop(() => this.#o.transport?.close());
    if (this.#o.ownsDb && this.#o.db.open) this.#o.db.close();
  }

  /** Pull now (a technician's button, or the link coming back): ends any wait, backoff included. */
  syncNow(): void {
    this.#cycles.wake();
  }

  status(): ReferenceStatus {
    const s: LocalReferenceState = this.#applier.state();
    const now = this.#now();
    const age = s.lastSyncAt ? Math.max(0, Math.round((now.getTime() - Date.parse(s.lastSyncAt)) / 1000)) : null;
    return {
      at: now.toISOString(),
      linkState: this.#link,
      version: s.version,
      headVersion: Math.max(s.headVersion, s.version),
      lagVersions: Math.max(0, s.headVersion - s.version),
      lastSyncAt: s.lastSyncAt,
      lastSyncAgeSeconds: age,
      lastAttemptAt: s.lastAttemptAt,
      lastError: s.lastError,
      nextAttemptAt: this.#nextAttemptAt,
      rows: this.queries.counts(),
    };
  }

  /** One cycle: pages until the copy is complete or a pull fails. Never throws for network trouble. */
  async pullOnce(): Promise<PullResult> {
    const transport = this.#o.transport;
    if (!transport) return { pages: 0, applied: 0, complete: false, delayMs: this.#o.pollMs };
    let state = this.#applier.state();
    let since = state.version;
    let reset = false;
    let pages = 0;
    let applied = 0;
    while (!this.#cycles.stopping) {
      if (pages >= MAX_PAGES_PER_CYCLE) return { pages, applied, complete: false, delayMs: 0 };
      const outcome = await transport.fetchPage(since, this.#o.pageSize);
      if (outcome.kind !== 'page') return { pages, applied, complete: false, delayMs: this.#failed(outcome) };
      const page = outcome.page as { epoch?: unknown; fromVersion?: unknown; toVersion?: unknown };
      const stale =
        (state.epoch !== null && page.epoch !== state.epoch) || (typeof page.toVersion === 'number' && typeof page.fromVersion === 'number' && page.toVersion < page.fromVersion);
      if (stale && !reset) {
        this.#log.warn({ localVersion: state.version, epochChanged: page.epoch !== state.epoch }, 'reference copy does not match the central feed: reloading from 0');
        reset = true;
        since = 0;
        continue;
      }
      let result: ReturnType<ReferenceApplier['applyPage']>;
      try {
        result = this.#applier.applyPage(outcome.page, { reset, expectedVersion: since, now: this.#now() });
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'REFERENCE_APPLY_FAILED';
        this.#log.error({ code, message: (err as Error).message }, 'reference page not applied');
        return { pages, applied, complete: false, delayMs: this.#failed({ kind: 'unavailable', reason: 'bad-response', message: code }) };
      }
      pages++;
      applied += result.applied;
      reset = false;
      since = result.version;
      state = this.#applier.state();
      if ((outcome.page as { complete?: boolean }).complete) {
        this.#succeeded();
        if (applied > 0) this.#log.info({ version: since, applied, pages }, 'reference data up to date');
        return { pages, applied, complete: true, delayMs: this.#o.pollMs };
      }
    }
    return { pages, applied, complete: false, delayMs: 0 };
  }

  #succeeded(): void {
    this.#link = 'online';
    this.#retries.reset();
    this.#nextAttemptAt = null;
  }

  #failed(outcome: Exclude<PullOutcome, { kind: 'page' }>): number {
    const at = this.#now();
    let delay: number;
    if (outcome.kind === 'unauthorised') {
      this.#link = 'unauthorised';
      delay = this.#o.unauthorisedRetryMs;
      this.#log.warn({ code: outcome.code, status: outcome.status }, 'central refuses this device\u2019s reference pulls');
    } else {
      this.#link = this.#retries.failures === 0 ? 'offline' : 'backing-off';
      delay = this.#retries.next();
      this.#log.info({ reason: outcome.kind === 'unavailable' ? outcome.reason : outcome.code, delayMs: delay }, 'reference pull failed');
    }
    const reason = outcome.kind === 'unavailable' ? `${outcome.reason}: ${outcome.message}` : `${outcome.code}: ${outcome.message}`;
    try {
      this.#applier.recordAttempt(at, reason.slice(0, 300));
    } catch (err) {
      this.#log.warn({ code: (err as { code?: string }).code }, 'could not record the failed reference pull');
    }
    this.#nextAttemptAt = new Date(at.getTime() + delay).toISOString();
    return delay;
  }
}
