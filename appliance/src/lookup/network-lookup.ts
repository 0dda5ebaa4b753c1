/**
 * Cross-office lookup at the counter (issue #16 item 2), as a start/stop Feature:
 *
 * - lookup(registrationId): after a scan, the person's earlier registrations at every office. The central is asked
 *   (signed, answer signed) within LOOKUP_BUDGET_MS; its answer lists office, date, status, occupation,
 *   employer/vacancy and the latest details to prefill. No answer in time (link down, slow, refused): the offline
 *   index says "registered at HRE on 2026-10-02" — no details, nothing to prefill — and this post's own records
 *   complete it either way (those not yet forwarded included).
 * - the offline index is pulled in the background (whenever the link is up, every `pollMs`, at once when the relay
 *   reports the central reachable again) and kept in <dataDir>/lookup-index.bin (lookup-index.ts).
 *
 * Prefill details are filtered to what this post can save: an employer or vacancy this post's reference copy does
 * not have (another office's scope), or a vacancy no longer open, is left for the officer to choose.
 */
import type { Database } from 'better-sqlite3';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { DEFAULT_INDEX_PAGE_LIMIT, LOOKUP_BUDGET_MS, type LookupAnswer } from '@lmc/protocol/lookup.ts';
import { RetryLoop, type RetryOptions } from '../central-link/retry-loop.ts';
import type { Feature } from '../devices/feature.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Store } from '../store/index.ts';
import { Backoff } from '../sync/backoff.ts';
import type { Fetched, LookupTransport } from './lookup-client.ts';
import { LookupIndex, type IndexStatus } from './lookup-index.ts';

export type LookupSource = 'central' | 'index' | 'local';

export interface LookupVisit {
  /** The registration's id (null for an index visit: the index holds no ids). */
  registrationId: string | null;
  registrationNumber: string | null;
  officeCode: string;
  officeName: string | null;
  /** YYYY-MM-DD, the office's local day. */
  date: string;
  finalizedAt: string | null;
  status: 'finalized' | 'corrected' | 'registered';
  occupationIsco: string | null;
  occupationTitle: string | null;
  employerName: string | null;
  vacancyTitle: string | null;
  source: LookupSource;
}

export interface LookupResult {
  /** Where the other offices' registrations came from: the central's answer, the offline index, or none. */
  source: LookupSource;
  online: boolean;
  returning: boolean;
  /** Newest first. */
  previous: LookupVisit[];
  /** Details to prefill (a PUT /details body in part), from the central's answer only. */
  prefill: Record<string, unknown> | null;
  elapsedMs: number;
  /** Why the central did not answer (offline), for the screen's note. */
  offlineReason: string | null;
  index: IndexStatus;
}

export interface NetworkLookupOptions extends RetryOptions {
  store: Store;
  officeCode: string;
  dataDir: string | null;
  /** null: no central configured (index and own records only). */
  transport: LookupTransport | null;
  budgetMs?: number;
  pollMs: number;
  pageLimit?: number;
  /** After the central failed a lookup, how long the counter answers from the index without asking it (default 15 s). */
  retryOnlineAfterMs?: number;
  timeZone?: string;
  bus?: EventBus;
}

const RETRY_ONLINE_AFTER_MS = 15_000;

export class NetworkLookup implements Feature {
  readonly name = 'network-lookup';
  readonly index: LookupIndex;
  readonly #o: NetworkLookupOptions;
  readonly #db: Database;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #cycles: RetryLoop;
  readonly #retries: Backoff;
  /** After the central failed a lookup, the counter does not wait for it again until then (epoch ms). */
  #skipOnlineUntil = 0;

  constructor(o: NetworkLookupOptions) {
    this.#o = o;
    this.#db = o.store.connection;
    this.#log = o.logger ?? createLogger('lookup');
    this.#now = o.now ?? (() => new Date());
    this.index = new LookupIndex(o.dataDir);
    this.#retries = new Backoff(o.backoff, o.random);
    this.#cycles = new RetryLoop({
      cycle: async () => ({ delayMs: await this.pullIndex() }),
      logger: this.#log,
      failure: 'lookup index pull failed',
      retryAfterFailureMs: () => this.#o.pollMs,
      // The relay reports the central reachable: the counter asks it again at once, and a failed index pull is retried.
      linkStatus: {
        bus: o.bus,
        onStatus: (s) => {
          if (s.linkState !== 'online') return;
          this.#skipOnlineUntil = 0;
          if (this.#retries.failures > 0) this.pullNow();
        },
      },
    });
  }

  async start(): Promise<void> {
    if (this.#o.transport) this.#cycles.start();
  }

  async stop(): Promise<void> {
    await this.#cycles.stop(() => this.#o.transport?.close());
  }

  pullNow(): void {
    this.#cycles.wake();
  }

  /** Pulls index pages until complete or a pull fails; returns the delay before the next cycle. */
  async pullIndex(): Promise<number> {
    const transport = this.#o.transport;
    if (!transport) return this.#o.pollMs;
    let since = this.index.version;
    for (let pages = 0; pages < 1000; pages++) {
      const r = await transport.indexPage(since, this.#o.pageLimit ?? DEFAULT_INDEX_PAGE_LIMIT);
      if (r.kind !== 'ok') {
        const delay = this.#retries.next();
        this.#log.info({ kind: r.kind, ...(r.kind === 'refused' ? { code: r.code } : { reason: r.reason }) }, 'lookup index not pulled');
        return delay;
      }
      const applied = this.index.apply(r.value, this.#now());
      if (applied.reset && applied.applied === 0) {
        this.#log.warn({ epochChanged: true }, 'lookup index epoch or key changed: reloading from 0');
        this.index.clear();
        since = 0;
        continue;
      }
      since = r.value.toVersion;
      if (r.value.complete) {
        this.#retries.reset();
        if (applied.applied > 0) this.#log.info({ version: since, documents: this.index.status().documents }, 'lookup index up to date');
        return this.#o.pollMs;
      }
    }
    return 0;
  }

  #officeName(code: string): string | null {
    try {
      return (this.#db.prepare('SELECT name FROM ref_offices WHERE code = ?').pluck().get(code) as string | undefined) ?? null;
    } catch {
      return null;
    }
  }

  #localDay(iso: string): string {
    return new Date(iso).toLocaleDateString('en-CA', { timeZone: this.#o.timeZone ?? 'Africa/Harare' });
  }

  /** The details this post can save: reference codes it does not hold, and closed vacancies, are left out. */
  #prefillHere(prefill: Record<string, unknown> | null): Record<string, unknown> | null {
    if (!prefill) return null;
    const out = { ...prefill };
    const has = (sql: string, v: unknown) => {
      try {
        return typeof v === 'string' && this.#db.prepare(sql).get(v) !== undefined;
      } catch {
        return false;
      }
    };
    if (out.vacancyId !== undefined && !has("SELECT 1 FROM ref_vacancies WHERE vacancy_id = ? AND status = 'open'", out.vacancyId)) delete out.vacancyId;
    if (out.employerId !== undefined && !has('SELECT 1 FROM ref_employers WHERE employer_id = ?', out.employerId)) {
      delete out.employerId;
      delete out.vacancyId;
    }
    if (out.homeDistrict !== undefined && !has('SELECT 1 FROM ref_districts WHERE code = ?', out.homeDistrict)) {
      delete out.homeDistrict;
      delete out.homeProvince;
    }
    if (out.occupationIsco !== undefined && !has('SELECT 1 FROM ref_occupations WHERE isco_code = ?', out.occupationIsco)) delete out.occupationIsco;
    return Object.keys(out).length > 0 ? out : null;
  }

  /** This post's own earlier finalized registrations of the same document (forwarded or not). */
  #ownVisits(registrationId: string): LookupVisit[] {
    return this.#o.store.registrations.previousRegistrations(registrationId).flatMap((id): LookupVisit[] => {
      const r = this.#o.store.registrations.get(id);
      if (!r?.finalizedAt) return [];
      return [
        {
          registrationId: r.id,
          registrationNumber: r.registrationNumber,
          officeCode: r.officeCode,
          officeName: this.#officeName(r.officeCode),
          date: this.#localDay(r.finalizedAt),
          finalizedAt: r.finalizedAt,
          status: 'finalized',
          occupationIsco: null,
          occupationTitle: null,
          employerName: null,
          vacancyTitle: null,
          source: 'local',
        },
      ];
    });
  }

  /** Asks the central within the budget; undefined when it did not answer usably in time. */
  async #online(hash: string, budgetMs: number): Promise<{ answer?: LookupAnswer; reason: string | null }> {
    const transport = this.#o.transport;
    if (!transport) return { reason: 'not-configured' };
    if (Date.now() < this.#skipOnlineUntil) return { reason: 'link-down' };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Fetched<LookupAnswer>>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'unavailable', reason: 'response-timeout', message: `no answer within ${budgetMs} ms` }), budgetMs);
    });
    const r = await Promise.race([transport.lookup(hash, budgetMs), late]);
    clearTimeout(timer);
    if (r.kind === 'ok') {
      this.#skipOnlineUntil = 0;
      return { answer: r.value, reason: null };
    }
    // The link is down or the central unwell: the next migrants are answered from the index at once, and the
    // central is tried again after a while (or as soon as the relay reports it reachable).
    if (r.kind === 'unavailable') this.#skipOnlineUntil = Date.now() + (this.#o.retryOnlineAfterMs ?? RETRY_ONLINE_AFTER_MS);
    return { reason: r.kind === 'refused' ? r.code : r.reason };
  }

  async lookup(registrationId: string): Promise<LookupResult> {
    const started = performance.now();
    const registration = this.#o.store.registrations.get(registrationId);
    const doc = registration?.document ?? null;
    const own = registration ? this.#ownVisits(registration.id) : [];
    const hash = this.index.hashOf(doc);
    let previous: LookupVisit[] = [];
    let source: LookupSource = 'local';
    let prefill: Record<string, unknown> | null = null;
    let offlineReason: string | null = hash ? null : this.index.networkKey ? 'no-document-key' : 'no-network-key';
    let online = false;
    if (hash) {
      const budget = this.#o.budgetMs ?? LOOKUP_BUDGET_MS;
      const { answer, reason } = await this.#online(hash, budget);
      offlineReason = reason;
      if (answer) {
        online = true;
        source = 'central';
        const others = answer.registrations.filter((r) => r.registrationId.toLowerCase() !== registrationId.toLowerCase());
        previous = others.map((r) => ({
          registrationId: r.registrationId,
          registrationNumber: null,
          officeCode: r.officeCode,
          officeName: r.officeName ?? this.#officeName(r.officeCode),
          date: this.#localDay(r.finalizedAt),
          finalizedAt: r.finalizedAt,
          status: r.status,
          occupationIsco: r.occupationIsco,
          occupationTitle: r.occupationTitle,
          employerName: r.employerName,
          vacancyTitle: r.vacancyTitle,
          source: 'central' as const,
        }));
        // Own records the central already has keep the central's details and gain the local number.
        for (const p of previous) {
          const mine = own.find((o) => o.registrationId === p.registrationId);
          if (mine) p.registrationNumber = mine.registrationNumber;
        }
        if (others.length > 0) prefill = this.#prefillHere(answer.prefill);
      }
    }
    if (!online) {
      const visits = doc ? (this.index.find(doc) ?? []) : [];
      if (visits.length > 0) source = 'index';
      const ownDays = new Set(own.map((v) => `${v.officeCode}|${v.date}`));
      previous = visits
        .filter((v) => !ownDays.has(`${v.officeCode}|${v.day}`))
        .map((v) => ({
          registrationId: null,
          registrationNumber: null,
          officeCode: v.officeCode,
          officeName: this.#officeName(v.officeCode),
          date: v.day,
          finalizedAt: null,
          status: 'registered' as const,
          occupationIsco: null,
          occupationTitle: null,
          employerName: null,
          vacancyTitle: null,
          source: 'index' as const,
        }));
    }
    const seen = new Set<string | null>(previous.map((p) => p.registrationId).filter((id) => id !== null));
    previous.push(...own.filter((o) => !seen.has(o.registrationId)));
    previous.sort((a, b) => (b.finalizedAt ?? `${b.date}T23:59`).localeCompare(a.finalizedAt ?? `${a.date}T23:59`));
    return {
      source,
      online,
      returning: previous.length > 0,
      previous,
      prefill,
      elapsedMs: Math.round((performance.now() - started) * 10) / 10,
      offlineReason,
      index: this.index.status(),
    };
  }
}
