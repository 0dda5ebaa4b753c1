/**
 * The relay: drains the outbox to the central database in the background (store-and-forward).
 *
 * Delivery is at-least-once with the registration uuid as the idempotency key: a row is marked
 * sent only after the central's acknowledgement lists it in `stored` or `duplicates`
 * (protocol/src/batch.ts). A kill -9 anywhere — even between the central's commit and our
 * markSent — leaves the row queued; the resend carries the frozen wire form (wire_json), so the
 * central answers "duplicate" and keeps one row.
 *
 * One cycle (runOnce) = one batch and everything its answer implies:
 * - acknowledged: mark stored/duplicates sent; quarantine conflicts (content differs at the centre).
 * - rejected (400/413/415): split in halves until the record at fault is alone, quarantine it;
 *   the rest goes through. A 413 also lowers the bounds for the following batches.
 * - unauthorised (401/403): nothing is quarantined (the device, not the data, is at fault);
 *   link "unauthorised", retried slowly.
 * - unavailable (network, timeouts, 5xx, unsigned or mis-signed answers): exponential backoff with
 *   full jitter; while waiting, a cheap probe (at most every probeIntervalMs) ends the wait as soon as
 *   the central answers again. A response timeout or an unsigned 413 halves the next batch.
 *
 * Slow links: the relay measures the link (batch bytes per second of send-to-answer time, EWMA) and
 * sizes each batch to take at most maxBatchSeconds on it (the configured bounds stay the ceiling; the
 * first batch is small, 64 KiB, until a measurement exists). Each batch's response timeout is the
 * configured one plus twice the time its bytes, and those queued ahead of it, need at the measured
 * rate: an EDGE link is not cut after 30 s, a dead link still is. A timeout halves both the next
 * batch and the rate estimate (so the following timeout is twice as long): never the same oversized
 * batch resent for ever.
 *
 * High latency: a sliding window of inFlightBatches (default 4) disjoint batches on the one connection
 * (HTTP/1.1 pipelining; up to INITIAL_WINDOW_BATCHES small ones before the first measurement): when the oldest is
 * answered the next goes out. Two batches are always allowed; a
 * third or later only while the bytes ahead of it need less than 2 × maxBatchSeconds on the measured link
 * (on EDGE two 15 s batches already fill the pipe, and more would only be more to resend after a cut). Answers
 * come back, and are applied, in send order, so the exactly-once accounting (each answer marks only its own
 * records) and the order of quarantine decisions hold.
 */
import type { ApplianceStatus, EncodedBatch } from '@lmc/protocol/batch.ts';
import { encodeBatchInPool } from '../workers/cpu-jobs.ts';
import type { FrameBlob } from '@lmc/protocol/batch-frame.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { RetryLoop, type RetryOptions } from '../central-link/retry-loop.ts';
import type { Feature } from '../devices/feature.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { ApplianceIdentity } from '../keys/identity.ts';
import type { OutboxEvent, Store } from '../store/index.ts';
import type { StatusSource } from './appliance-status.ts';
import { backoffDelay } from './backoff.ts';
import { type BatchBounds, recordBytes, takeBatch } from './batch-bounds.ts';
import type { CentralTransport, SendOutcome } from './central-client.ts';
import { computeSyncStatus, type LinkSnapshot, type SyncStatus, ThroughputMeter } from './sync-status.ts';
import { biometricRefs, toWireRecord, type WireRecord } from './wire-record.ts';

function declaredBlobBytes(wire: string): number {
  const payload = (JSON.parse(wire) as WireRecord).payload;
  return biometricRefs(payload.biometrics).reduce((n, b) => n + b.bytes, 0);
}

export const RELAY_ACTOR = 'sync-relay';

export interface RelayHooks {
  /** Test seam: called with every answer before the relay acts on it (a crash test kills the process here). */
  afterResponse?(outcome: SendOutcome, batch: EncodedBatch): void;
}

/**
 * Sealed blob bytes by id (TemplateVault.sealedBlob); undefined when the blob is gone (purged, or
 * the finger captured again): the record is forwarded without it rather than held back forever.
 */
export type BlobSource = (blobId: string) => Buffer | undefined;

export interface OutboxRelayOptions extends RetryOptions {
  store: Store;
  identity: Pick<ApplianceIdentity, 'deviceId' | 'privateKey'>;
  /** null: no central configured; the relay idles with link state "not-configured". */
  transport: CentralTransport | null;
  bounds: BatchBounds;
  /** Delay between attempts while the central refuses this device (401/403). */
  unauthorisedRetryMs: number;
  /** Re-check of an empty queue; a finalized registration wakes the relay earlier. */
  idlePollMs: number;
  bus?: EventBus;
  throughputWindowMs?: number;
  hooks?: RelayHooks;
  blobSource?: BlobSource;
  /** A batch is sized to take at most this long on the measured link (default 15 s). */
  maxBatchSeconds?: number;
  /** Most batches on the wire before the oldest is answered (default DEFAULT_IN_FLIGHT_BATCHES). */
  inFlightBatches?: number;
  /** While backing off, probe the central at most this often (default 30 s; 0 = never). */
  probeIntervalMs?: number;
  /** The central's own answer time; each batch adds its bytes' time on the link (default 30 s). */
  responseTimeoutMs?: number;
  /** The appliance's status each batch carries (appliance-status.ts); absent: batches carry none. */
  status?: StatusSource;
}

/**
 * Batches in flight by default. At 600 ms RTT and 2–10 Mbit/s a batch's answer (RTT + the central's insert +
 * encoding the next) takes longer than the batch behind it needs on the wire: with 2 the link idles (80 % at
 * 2 Mbit/s measured before); 4 keeps it busy up to 10 Mbit/s with 1 MiB batches.
 */
export const DEFAULT_IN_FLIGHT_BATCHES = 4;
/**
 * Before the first measurement the link's rate is unknown and the first batches are small (INITIAL_BATCH_BYTES):
 * up to this many of them go out together (a window of more than one only), so a fast link does not idle
 * through the TLS handshake and the first round trip (on EDGE they are simply queued on the wire).
 */
export const INITIAL_WINDOW_BATCHES = 8;
/** Requests the connection must let through at once (undici's `pipelining`) for a relay with this window. */
export function pipeliningFor(inFlightBatches: number = DEFAULT_IN_FLIGHT_BATCHES): number {
  return inFlightBatches > 1 ? Math.max(inFlightBatches, INITIAL_WINDOW_BATCHES) : 1;
}

/** Batches one cycle (runOnce) sends at most before it returns and the status is published. */
const MAX_BATCHES_PER_CYCLE = 64;
/** The first batch before any measurement: ~10 s at 50 kbit/s. */
export const INITIAL_BATCH_BYTES = 64 * 1024;
/** Rate assumed for timeouts before a measurement: EDGE's 50 kbit/s. */
export const FLOOR_BYTES_PER_SECOND = 6250;

export interface RelayStep {
  /** Records acknowledged (stored or duplicate) in this cycle. */
  acknowledged: number;
  quarantined: number;
  /** How long the loop waits before the next cycle. */
  delayMs: number;
}

interface Item {
  event: OutboxEvent;
  wire: string;
  /** Sum of the sizes the record's biometrics list declares. */
  blobBytes: number;
}

type Delivery = { kind: 'progress'; acknowledged: number; quarantined: number } | { kind: 'blocked'; outcome: SendOutcome };

interface Sent {
  outcome: SendOutcome;
  encoded: EncodedBatch;
  started: number;
  ended: number;
}

export class OutboxRelay implements Feature {
  readonly name = 'sync-relay';
  readonly #o: OutboxRelayOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #random: () => number;
  readonly #meter: ThroughputMeter;
  #bounds: BatchBounds;
  #link: LinkSnapshot;
  readonly #cycles: RetryLoop;
  #unsubscribe: (() => void) | undefined;
  #blobSource: BlobSource | undefined;
  /** Measured link rate in batch bytes (record JSON + blobs, as the bounds count) per second; null until measured. */
  #rate: number | null = null;
  /** Cap after a timeout or an unsigned 413 (halved each time); grows back by a quarter per success. */
  #shrunkBytes = Number.POSITIVE_INFINITY;
  /** The last batch encode queued (encodes run one after another, in launch order). */
  #encoding: Promise<unknown> = Promise.resolve();

  constructor(options: OutboxRelayOptions) {
    this.#o = options;
    this.#log = options.logger ?? createLogger('sync:relay');
    this.#now = options.now ?? (() => new Date());
    this.#random = options.random ?? Math.random;
    this.#meter = new ThroughputMeter(options.throughputWindowMs);
    this.#bounds = { ...options.bounds };
    this.#blobSource = options.blobSource;
    this.#link = {
      state: options.transport ? 'unknown' : 'not-configured',
      nextAttemptAt: null,
      lastError: null,
      failedAttempts: 0,
    };
    const transport = options.transport;
    const probeEveryMs = options.probeIntervalMs ?? 30_000;
    this.#cycles = new RetryLoop({
      cycle: () => this.runOnce(),
      // A store failure (disk, corruption) must not kill the relay silently: log, back off, retry.
      logger: this.#log,
      failure: 'relay cycle failed',
      retryAfterFailureMs: () => this.#o.backoff.maxMs,
      afterCycle: () => this.publishStatus(),
      backingOff: () => this.#link.nextAttemptAt !== null,
      ...(transport?.probe
        ? {
            probe: {
              everyMs: probeEveryMs,
              up: async () => (await transport.probe?.()) ?? false,
              onUp: () => this.#log.info('probe: the central answers again; resuming the drain'),
            },
          }
        : {}),
    });
  }

  /** The fingerprint vault starts after the relay is built (start.ts): it hands over its blobs here. */
  setBlobSource(source: BlobSource | undefined): void {
    this.#blobSource = source;
  }

  get link(): LinkSnapshot {
    return { ...this.#link };
  }

  async start(): Promise<void> {
    if (this.#cycles.running) return;
    this.#unsubscribe = this.#o.bus?.subscribe('registration.changed', (e) => {
      if (e.change !== 'finalized') return;
      this.publishStatus();
      this.wake();
    });
    this.publishStatus();
    if (!this.#o.transport) this.#log.warn('no central.url configured: registrations stay queued on this appliance');
    this.#cycles.start(this.#o.transport !== null);
  }

  async stop(): Promise<void> {
    if (!this.#cycles.running) return;
    this.#unsubscribe?.();
    // Aborts a request in flight; its batch is simply resent after restart.
    await this.#cycles.stop(() => this.#o.transport?.close());
  }

  /** New work arrived: end an idle wait (not a backoff wait: that would defeat the backoff). */
  wake(): void {
    this.#cycles.wake(false);
  }

  /** A technician asked for an attempt now: ends any wait, backoff included. */
  retryNow(): void {
    this.#cycles.wake(true);
  }

  status(): SyncStatus {
    const { outbox } = this.#o.store;
    const now = this.#now();
    return computeSyncStatus({
      now,
      deviceId: this.#o.identity.deviceId,
      link: this.link,
      queueDepth: outbox.depth(),
      quarantined: outbox.quarantinedCount(),
      oldestUnsentAt: outbox.oldestPendingAt(),
      lastAcknowledgedAt: outbox.lastSentAt(),
      throughputPerSecond: this.#meter.rate(now.getTime()),
    });
  }

  publishStatus(): void {
    if (!this.#o.bus) return;
    try {
      this.#o.bus.publish('sync.status', this.status());
    } catch (err) {
      this.#log.warn({ code: (err as { code?: string }).code }, 'sync status could not be computed');
    }
  }

  /** The link as measured: bytes per second (null until a batch went through) and the current byte bound. */
  get linkEstimate(): { bytesPerSecond: number | null; batchBytes: number } {
    return { bytesPerSecond: this.#rate, batchBytes: this.#effectiveBounds().maxBytes };
  }

  #effectiveBounds(): BatchBounds {
    const seconds = this.#o.maxBatchSeconds ?? 15;
    const sized = this.#rate === null ? INITIAL_BATCH_BYTES : Math.floor(this.#rate * seconds);
    return { maxRecords: this.#bounds.maxRecords, maxBytes: Math.max(1, Math.min(this.#bounds.maxBytes, sized, this.#shrunkBytes)) };
  }

  /** The configured window, widened to INITIAL_WINDOW_BATCHES until the link has been measured. */
  #windowNow(configured: number): number {
    return configured > 1 && this.#rate === null ? Math.max(configured, INITIAL_WINDOW_BATCHES) : configured;
  }

  /** Whether one more batch may join `count` in flight holding `bytesAhead`: always a second; more while they need < 2 × maxBatchSeconds. */
  #roomAhead(count: number, bytesAhead: number): boolean {
    if (count < 2 || this.#rate === null) return true;
    return bytesAhead < this.#rate * 2 * (this.#o.maxBatchSeconds ?? 15);
  }

  /** Time for `bytes` on the link at the measured rate (the floor rate before any measurement). */
  #wireMs(bytes: number): number {
    return Math.ceil((bytes * 1000) / (this.#rate ?? FLOOR_BYTES_PER_SECOND));
  }

  #itemBytes(items: readonly Item[]): number {
    return items.reduce((n, i) => n + recordBytes(i.wire) + i.blobBytes, 0);
  }

  /** One cycle: batches kept inFlightBatches deep on the wire until the queue is empty or the link blocks; answers applied in order. */
  async runOnce(): Promise<RelayStep> {
    const transport = this.#o.transport;
    if (!transport) return { acknowledged: 0, quarantined: 0, delayMs: this.#o.idlePollMs };
    const window = Math.max(1, this.#o.inFlightBatches ?? DEFAULT_IN_FLIGHT_BATCHES);
    if (this.#o.store.outbox.depth() === 0) return { acknowledged: 0, quarantined: 0, delayMs: this.#o.idlePollMs };

    // A sliding window: as soon as the oldest batch is answered, the next one goes out, so the link never
    // idles for a round trip while records wait. Bounded per cycle so the status is published now and then.
    // Blob bytes count against the byte bound: a batch is what crosses the link, not only its JSON.
    const sizeOf = (i: Item) => recordBytes(i.wire) + i.blobBytes;
    const inFlight: Array<{ items: Item[]; bytes: number; sent: Promise<Sent> }> = [];
    const taken = new Set<number>();
    let ahead = 0;
    let launched = 0;
    let blocked: { outcome: SendOutcome; items: Item[] } | undefined;
    let blockedDelayMs = 0;
    // One batch at a time (window 1) keeps the one-batch cycle; a window slides for up to MAX_BATCHES_PER_CYCLE.
    const maxBatches = window === 1 ? 1 : MAX_BATCHES_PER_CYCLE;
    const fill = () => {
      while (!blocked && inFlight.length < this.#windowNow(window) && launched < maxBatches && this.#roomAhead(inFlight.length, ahead)) {
        const limit = Math.min(this.#bounds.maxRecords, 1000);
        const events = this.#o.store.outbox.pending(Math.min(1000, limit + taken.size)).filter((e) => !taken.has(e.seq));
        if (events.length === 0) return;
        const items = takeBatch(this.#freeze(events.slice(0, limit)), sizeOf, this.#effectiveBounds());
        for (const i of items) taken.add(i.event.seq);
        const bytes = this.#itemBytes(items);
        ahead += bytes;
        launched++;
        const sent = this.#send(transport, items, ahead, inFlight.length);
        // Awaited in order below; a failure of a later one must not surface as an unhandled rejection meanwhile.
        sent.catch(() => undefined);
        inFlight.push({ items, bytes, sent });
      }
    };
    fill();
    let acknowledged = 0;
    let quarantined = 0;
    let previousAnswerAt = 0;
    for (let next = inFlight.shift(); next; next = inFlight.shift()) {
      const { items, bytes, sent } = next;
      const s = await sent;
      ahead -= bytes;
      // The link time of this batch: from its send, or from the previous answer when it queued behind it.
      const busyFrom = Math.max(s.started, previousAnswerAt);
      previousAnswerAt = s.ended;
      if (blocked) {
        // After a blocked batch only plain acknowledgements are applied (they are signed and final); a
        // refusal waits for the next cycle so quarantine decisions keep their order.
        if (s.outcome.kind === 'acknowledged') {
          const late = this.#applyAck(items, s.outcome.response, s.ended - busyFrom, s.encoded.batch.status);
          if (late.kind === 'progress') acknowledged += late.acknowledged;
        }
      } else {
        const r = await this.#handle(transport, items, s, s.ended - busyFrom);
        if (r.kind === 'blocked') {
          blocked = { outcome: r.outcome, items };
          // Said at once, not after the answers still in flight: a central waiting on its database answers each of
          // them slowly, and the link is not "online" meanwhile. The cycle backs off even after earlier progress.
          blockedDelayMs = this.#blocked(r.outcome, items);
          this.publishStatus();
        }
        else {
          acknowledged += r.acknowledged;
          quarantined += r.quarantined;
        }
      }
      for (const i of items) taken.delete(i.event.seq);
      fill();
    }
    if (blocked) return { acknowledged, quarantined, delayMs: blockedDelayMs };
    this.#setLink({ state: 'online', nextAttemptAt: null, lastError: null, failedAttempts: 0 });
    const more = this.#o.store.outbox.depth() > 0;
    return { acknowledged, quarantined, delayMs: more ? 0 : this.#o.idlePollMs };
  }

  #freeze(events: OutboxEvent[]): Item[] {
    const fresh = events.filter((e) => e.wireJson === null);
    const frozen = new Map<number, string>();
    if (fresh.length > 0) {
      const entries = fresh.map((e) => ({ seq: e.seq, wireJson: JSON.stringify(toWireRecord(e)) }));
      const stored = this.#o.store.outbox.freezeWire(entries);
      for (const [i, e] of entries.entries()) frozen.set(e.seq, stored[i] ?? e.wireJson);
    }
    return events.map((event) => {
      const wire = event.wireJson ?? (frozen.get(event.seq) as string);
      return { event, wire, blobBytes: this.#blobSource ? declaredBlobBytes(wire) : 0 };
    });
  }

  /**
   * Encodes and sends one batch; `bytesThrough` = its bytes plus those queued ahead of it on the connection,
   * `batchesAhead` = the batches in flight before it (pipelined, answered one by one in order).
   */
  async #send(transport: CentralTransport, items: Item[], bytesThrough: number, batchesAhead: number): Promise<Sent> {
    const { deviceId, privateKey } = this.#o.identity;
    const records = items.map((i) => JSON.parse(i.wire) as WireRecord);
    const blobs = this.#collectBlobs(records);
    const status = this.#statusSnapshot();
    // JSON, gzip and signature off the event loop.
    // One encode at a time, in launch order: the pool's batch lane takes one job and two waiting (a window of four would
    // be refused WORKER_BUSY), and the connection must carry the batches in the order their answers are awaited.
    const encoding = this.#encoding.then(() =>
      encodeBatchInPool(records, { deviceId, privateKey, sentAt: this.#now(), blobs, ...(status ? { status } : {}) }),
    );
    this.#encoding = encoding.catch(() => undefined);
    const encoded = await encoding;
    // Its answer comes after the central has answered every batch ahead of it on the connection (HTTP/1.1 answers in
    // order), so it gets the central's time once per batch up to it, plus twice the wire time of all those bytes: with
    // one turn only, the last batch of a window behind slow answers would time out, and undici drops the connection
    // on a timeout. A stalled central is still found within one turn: the oldest batch times out first, and the
    // connection (with everything behind it) goes with it.
    const responseTimeoutMs = (1 + batchesAhead) * (this.#o.responseTimeoutMs ?? 30_000) + 2 * this.#wireMs(bytesThrough);
    this.#log.debug({ batchId: encoded.batch.batchId, records: items.length, bytes: encoded.body.length, responseTimeoutMs }, '» batch');
    // Sub-millisecond monotonic time: a fast link answers within the same millisecond, and a wall-clock jump
    // (NTP at link-up) must not turn into a rate.
    const started = performance.now();
    const outcome = await transport.send(encoded, { responseTimeoutMs });
    const ended = performance.now();
    this.#o.hooks?.afterResponse?.(outcome, encoded);
    return { outcome, encoded, started, ended };
  }

  /** The status for a batch being encoded now; none (logged) when it cannot be read: reporting never blocks forwarding. */
  #statusSnapshot(): ApplianceStatus | undefined {
    try {
      return this.#o.status?.snapshot();
    } catch (err) {
      this.#log.warn({ code: (err as { code?: string }).code, message: (err as Error).message }, 'appliance status not readable; batch sent without it');
      return undefined;
    }
  }

  async #handle(transport: CentralTransport, items: Item[], sent: Sent, busyMs: number): Promise<Delivery> {
    const { outcome } = sent;
    switch (outcome.kind) {
      case 'acknowledged':
        return this.#applyAck(items, outcome.response, busyMs, sent.encoded.batch.status);
      case 'rejected':
        return this.#split(transport, items, outcome);
      case 'unauthorised':
      case 'unavailable':
        return { kind: 'blocked', outcome };
    }
  }

  /** One batch alone (the halves of a split). */
  async #deliver(transport: CentralTransport, items: Item[]): Promise<Delivery> {
    const sent = await this.#send(transport, items, this.#itemBytes(items), 0);
    return this.#handle(transport, items, sent, sent.ended - sent.started);
  }

  #applyAck(
    items: Item[],
    response: { stored: string[]; duplicates: string[]; conflicts: Array<{ id: string; reason: string }> },
    busyMs: number,
    status: ApplianceStatus | undefined,
  ): Delivery {
    const seqById = new Map(items.map((i) => [i.event.registrationId, i.event.seq]));
    const acked = [...response.stored, ...response.duplicates].flatMap((id) => seqById.get(id) ?? []);
    const marked = this.#o.store.outbox.markSentMany(acked);
    // The central holds this batch's status now: its chain head becomes the anchor later batches re-read (in send order).
    if (status) this.#anchor(status);
    const ended = Date.now();
    this.#meter.record(acked.length, ended - busyMs, ended);
    this.#measure(this.#itemBytes(items), busyMs);
    let quarantined = 0;
    for (const c of response.conflicts) {
      const seq = seqById.get(c.id);
      if (seq !== undefined && this.#quarantine(seq, c.id, `central conflict: ${c.reason}`, { reason: c.reason })) quarantined++;
    }
    this.#log.info(
      { stored: response.stored.length, duplicates: response.duplicates.length, conflicts: response.conflicts.length, marked },
      '« batch acknowledged',
    );
    if (acked.length + quarantined === 0) {
      // An answer that settles nothing would make us resend the same batch at once, forever.
      return { kind: 'blocked', outcome: { kind: 'unavailable', reason: 'bad-response', status: 200, message: 'acknowledgement listed none of the records sent' } };
    }
    return { kind: 'progress', acknowledged: acked.length, quarantined };
  }

  async #split(transport: CentralTransport, items: Item[], outcome: Extract<SendOutcome, { kind: 'rejected' }>): Promise<Delivery> {
    if (outcome.status === 413 && items.length > 1) {
      // The central's limits are lower than ours: stay under them from now on instead of splitting every batch.
      const bytes = items.reduce((n, i) => n + recordBytes(i.wire), 0);
      this.#bounds = {
        maxRecords: Math.max(1, Math.min(this.#bounds.maxRecords, Math.floor(items.length / 2))),
        maxBytes: Math.max(1, Math.min(this.#bounds.maxBytes, Math.floor(bytes / 2))),
      };
      this.#log.warn({ bounds: this.#bounds, code: outcome.code }, 'central refused the batch size; lowering batch bounds');
    }
    const only = items[0];
    if (items.length === 1 && only) {
      const reason = `central rejected the record: ${outcome.status} ${outcome.code}: ${outcome.message}`;
      const q = this.#quarantine(only.event.seq, only.event.registrationId, reason, { status: outcome.status, code: outcome.code });
      return { kind: 'progress', acknowledged: 0, quarantined: q ? 1 : 0 };
    }
    this.#log.info({ records: items.length, status: outcome.status, code: outcome.code }, 'batch rejected; splitting to find the record at fault');
    const mid = Math.ceil(items.length / 2);
    let acknowledged = 0;
    let quarantined = 0;
    for (const half of [items.slice(0, mid), items.slice(mid)]) {
      const r = await this.#deliver(transport, half);
      if (r.kind === 'blocked') return acknowledged + quarantined > 0 ? { kind: 'progress', acknowledged, quarantined } : r;
      acknowledged += r.acknowledged;
      quarantined += r.quarantined;
    }
    return { kind: 'progress', acknowledged, quarantined };
  }

  /** The sealed blobs the records name, read from the vault at send time (never kept in the outbox). */
  #collectBlobs(records: readonly WireRecord[]): FrameBlob[] {
    const source = this.#blobSource;
    if (!source) return [];
    const blobs: FrameBlob[] = [];
    const seen = new Set<string>();
    for (const r of records) {
      for (const ref of biometricRefs(r.payload.biometrics)) {
        if (seen.has(ref.blobId)) continue;
        seen.add(ref.blobId);
        let data: Buffer | undefined;
        try {
          data = source(ref.blobId);
        } catch {
          data = undefined;
        }
        if (data) blobs.push({ blobId: ref.blobId, data });
        else this.#log.warn({ registrationId: r.id, blobId: ref.blobId }, 'sealed blob not found; record forwarded without it');
      }
    }
    return blobs;
  }

  #anchor(status: ApplianceStatus): void {
    try {
      this.#o.status?.acknowledged(status);
    } catch (err) {
      this.#log.warn({ code: (err as { code?: string }).code, message: (err as Error).message }, 'audit anchor not saved; the next batches send the previous one');
    }
  }

  #quarantine(seq: number, registrationId: string, reason: string, details: Record<string, unknown>): boolean {
    const store = this.#o.store;
    // The quarantine and its audit row commit together. The audit row carries codes only: the central's message
    // text stays on the outbox row.
    const done = store.transaction('sync.quarantine', () => {
      if (!store.outbox.quarantine(seq, reason)) return false;
      store.audit.append({ actor: RELAY_ACTOR, action: 'sync.quarantined', entityType: 'registration', entityId: registrationId, details });
      return true;
    });
    if (!done) return false;
    this.#log.warn({ seq, registrationId, ...details }, 'record quarantined: a technician must review it');
    return true;
  }

  /**
   * A successful batch: the link's rate (EWMA of batch bytes per busy second); a cap left by a timeout
   * grows back by a quarter per success (additive increase, halving on a timeout), so a link that
   * only just fits a size is not hit with twice that size at once.
   */
  #measure(bytes: number, busyMs: number): void {
    if (Number.isFinite(this.#shrunkBytes)) {
      this.#shrunkBytes = Math.ceil(this.#shrunkBytes * 1.25);
      if (this.#shrunkBytes >= this.#bounds.maxBytes) this.#shrunkBytes = Number.POSITIVE_INFINITY;
    }
    if (busyMs <= 0 || bytes <= 0) return;
    const sample = (bytes * 1000) / busyMs;
    this.#rate = this.#rate === null ? sample : 0.5 * this.#rate + 0.5 * sample;
  }

  /**
   * A response timeout, or an unsigned 413 (a proxy's body limit, say): the next batch is half this one
   * and the rate estimate halves (so the next timeout is longer). Returns whether it shrank.
   */
  #shrinkAfter(outcome: SendOutcome, batch: Item[]): boolean {
    const timedOut = outcome.kind === 'unavailable' && outcome.reason === 'response-timeout';
    const tooLarge = outcome.kind === 'unavailable' && outcome.status === 413;
    if (!timedOut && !tooLarge) return false;
    this.#shrunkBytes = Math.max(1, Math.floor(this.#itemBytes(batch) / 2));
    this.#rate = this.#rate === null ? FLOOR_BYTES_PER_SECOND / 2 : this.#rate / 2;
    this.#log.warn({ batchBytes: this.#shrunkBytes, reason: timedOut ? 'response-timeout' : 'unsigned-413' }, 'batch too slow or too large for the link; sending smaller batches');
    return true;
  }

  /** Decide the wait after a blocked cycle and record why; returns the delay. */
  #blocked(outcome: SendOutcome, batch: Item[]): number {
    this.#shrinkAfter(outcome, batch);
    const now = this.#now().getTime();
    const failedAttempts = this.#link.failedAttempts + 1;
    let state: LinkSnapshot['state'];
    let delayMs: number;
    let lastError: string;
    if (outcome.kind === 'unauthorised') {
      state = 'unauthorised';
      // Jittered too: several appliances enrolled in one go should not retry in step.
      delayMs = Math.floor(this.#o.unauthorisedRetryMs * (0.5 + this.#random() / 2));
      lastError = `${outcome.status} ${outcome.code}: ${outcome.message}`;
      this.#log.error({ status: outcome.status, code: outcome.code }, 'central refuses this device: enrol its id and public key');
    } else if (outcome.kind === 'unavailable') {
      state = outcome.reason.startsWith('connect') || outcome.reason === 'connection-lost' ? 'offline' : 'backing-off';
      delayMs = backoffDelay(failedAttempts - 1, this.#o.backoff, this.#random);
      lastError = outcome.message;
      this.#log.info({ reason: outcome.reason, status: outcome.status, delayMs }, 'central unavailable; backing off');
    } else {
      state = 'backing-off';
      delayMs = backoffDelay(failedAttempts - 1, this.#o.backoff, this.#random);
      lastError = 'unexpected outcome';
    }
    this.#o.store.outbox.markFailedMany(batch.map((i) => i.event.seq), lastError);
    this.#setLink({ state, nextAttemptAt: new Date(now + delayMs).toISOString(), lastError, failedAttempts });
    return delayMs;
  }

  #setLink(next: LinkSnapshot): void {
    if (next.state !== this.#link.state) this.#log.info({ from: this.#link.state, to: next.state }, 'link state changed');
    this.#link = next;
  }
}
