import { describe, expect, it } from 'vitest';
import type { Batch, EncodedBatch } from '@lmc/protocol/batch.ts';
import type { Store } from '../store/index.ts';
import type { SendOutcome } from './central-client.ts';
import { DEFAULT_IN_FLIGHT_BATCHES, INITIAL_WINDOW_BATCHES, type OutboxRelay, type OutboxRelayOptions, pipeliningFor } from './outbox-relay.ts';
import { finalizeMany, ScriptedCentral, testIdentity, testRelay, useTempStore } from './test-support.ts';

/**
 * A central whose answers wait until the test releases them, in any order it likes: what a satellite link's
 * round trip looks like to the relay, and a worst case for ordering (the relay must still apply them in send order).
 */
class GatedCentral extends ScriptedCentral {
  readonly waiting: Array<{ batch: Batch; release: () => void }> = [];
  inFlight = 0;
  maxInFlight = 0;

  override async send(encoded: EncodedBatch): Promise<SendOutcome> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const outcome = await super.send(encoded);
    const batch = this.batches[this.batches.length - 1] as Batch;
    await new Promise<void>((release) => this.waiting.push({ batch, release }));
    this.inFlight--;
    return outcome;
  }

  /** Releases every answer held now, newest first; returns how many. */
  releaseAllReversed(): number {
    const held = this.waiting.splice(0).reverse();
    for (const w of held) w.release();
    return held.length;
  }
}

describe('outbox relay window (batches in flight)', () => {
  let store: Store;
  const id = testIdentity();
  useTempStore('relay-window-', (opened) => {
    store = opened;
  });

  function relay(central: ScriptedCentral, extra: Partial<OutboxRelayOptions> = {}) {
    return testRelay(store, id, central, { bounds: { maxRecords: 2, maxBytes: 1024 * 1024 }, ...extra });
  }

  /** Runs one cycle, releasing answers (newest first) whenever the relay waits on them. */
  async function cycle(central: GatedCentral, r: OutboxRelay) {
    let done = false;
    const step = r.runOnce().finally(() => {
      done = true;
    });
    while (!done) {
      // Hold the answers until no further batch has gone out for a while (encodes run in the worker pool).
      let seen = -1;
      let stableSince = Date.now();
      await waitFor(() => {
        if (central.batches.length !== seen) {
          seen = central.batches.length;
          stableSince = Date.now();
        }
        return done || (central.waiting.length > 0 && Date.now() - stableSince > 300);
      });
      central.releaseAllReversed();
    }
    return step;
  }

  it(`sends up to ${INITIAL_WINDOW_BATCHES} small batches before the link is measured, then keeps ${DEFAULT_IN_FLIGHT_BATCHES} on the wire, each record once`, async () => {
    const ids = finalizeMany(store, 20);
    const central = new GatedCentral(id.publicKey);
    const r = relay(central);
    expect(r.linkEstimate.bytesPerSecond).toBeNull();
    const first = await cycle(central, r);
    // Before any answer: the widened first window (10 batches queued, 8 went out together).
    expect(central.maxInFlight).toBe(INITIAL_WINDOW_BATCHES);
    expect(first.acknowledged).toBe(20);
    expect(r.linkEstimate.bytesPerSecond).not.toBeNull();

    // Measured now: the shipped window.
    const more = finalizeMany(store, 20, 'BBR', 'M');
    central.maxInFlight = 0;
    const second = await cycle(central, r);
    expect(central.maxInFlight).toBe(DEFAULT_IN_FLIGHT_BATCHES);
    expect(second.acknowledged).toBe(20);
    expect(store.outbox.depth()).toBe(0);
    // Disjoint batches: each record went out once, in queue order.
    expect(central.batches.flatMap((b) => b.records.map((x) => x.id))).toEqual([...ids, ...more]);
    expect(central.batches.every((b) => b.records.length === 2)).toBe(true);
  });

  it('gives each pipelined batch the central\'s answer time once for every batch up to it, so the last of a window does not time out behind the others', async () => {
    finalizeMany(store, 8);
    const budgets: number[] = [];
    class TimedCentral extends GatedCentral {
      override send(encoded: EncodedBatch, opts?: { responseTimeoutMs?: number }): Promise<SendOutcome> {
        budgets.push(opts?.responseTimeoutMs ?? -1);
        return super.send(encoded);
      }
    }
    const central = new TimedCentral(id.publicKey);
    const r = relay(central, { responseTimeoutMs: 10_000 });
    await cycle(central, r);
    expect(central.maxInFlight).toBe(4);
    // 10 s per turn up to it, plus twice the wire time of the bytes up to it (at the floor rate: not measured yet).
    const turns = budgets.map((b, i) => b - (i > 0 ? (budgets[i - 1] as number) : 0));
    expect(turns).toHaveLength(4);
    for (const turn of turns) expect(turn).toBeGreaterThanOrEqual(10_000);
    for (const turn of turns) expect(turn).toBeLessThan(20_000);
  });

  it('a window of one stays one batch at a time, also before a measurement', async () => {
    finalizeMany(store, 6);
    const central = new GatedCentral(id.publicKey);
    const r = relay(central, { inFlightBatches: 1 });
    for (let i = 0; i < 3; i++) await cycle(central, r);
    expect(central.maxInFlight).toBe(1);
    expect(store.outbox.depth()).toBe(0);
    expect(pipeliningFor(1)).toBe(1);
    expect(pipeliningFor()).toBe(Math.max(DEFAULT_IN_FLIGHT_BATCHES, INITIAL_WINDOW_BATCHES));
  });

  it('a failure after progress backs off and says so at once, while the answers still in flight are collected', async () => {
    finalizeMany(store, 8);
    let sent = 0;
    const central = new GatedCentral(id.publicKey, [
      (batch, self) => (++sent === 2 ? { kind: 'unavailable', reason: 'server-error', status: 500, message: 'database gone' } : self.ingest(batch)),
    ]);
    const r = relay(central);
    const step = r.runOnce();
    await waitFor(() => central.waiting.length === 4);
    // Oldest first: an acknowledgement, then the failure; two answers still held.
    central.waiting.shift()?.release();
    central.waiting.shift()?.release();
    await waitFor(() => r.link.state !== 'unknown' && r.link.state !== 'online');
    expect(r.link.state).toBe('backing-off');
    expect(r.link.nextAttemptAt).not.toBeNull();
    central.releaseAllReversed();
    const done = await step;
    // The late answers were applied (signed and final), and the cycle still backs off instead of resending at once.
    expect(done.acknowledged).toBe(6);
    expect(done.delayMs).toBeGreaterThan(0);
    expect(store.outbox.depth()).toBe(2);
  });

  it('applies answers in send order even when they resolve in reverse: quarantine decisions keep the queue order', async () => {
    const ids = finalizeMany(store, 8);
    const [a, , , b, c] = ids as [string, string, string, string, string];
    // a and c: the central holds other content (conflict); b: refused as a record (400), so its batch is split.
    const central = new GatedCentral(id.publicKey, [
      (batch, self) => {
        if (batch.records.some((x) => x.id === b)) return { kind: 'rejected', status: 400, code: 'BATCH_INVALID', message: 'bad record' };
        const res = self.ingest(batch);
        if (res.kind !== 'acknowledged') return res;
        const bad = new Set([a, c]);
        const conflicts = batch.records.filter((x) => bad.has(x.id)).map((x) => ({ id: x.id, reason: 'content_differs' as const }));
        return { kind: 'acknowledged', response: { ...res.response, stored: res.response.stored.filter((x) => !bad.has(x)), conflicts } };
      },
    ]);
    const r = relay(central);
    for (let i = 0; i < 5 && store.outbox.depth() > 0; i++) await cycle(central, r);
    expect(central.maxInFlight).toBeGreaterThan(1);
    expect(store.outbox.depth()).toBe(0);
    const order = store.connection
      .prepare("SELECT entity_id FROM audit_log WHERE action = 'sync.quarantined' ORDER BY seq")
      .all()
      .map((row) => (row as { entity_id: string }).entity_id);
    expect(order).toEqual([a, b, c]);
    expect(store.outbox.quarantinedCount()).toBe(3);
    // Everything but b reached the central (a and c as conflicts); b never did.
    expect([...central.held.keys()].sort()).toEqual(ids.filter((x) => x !== b).sort());
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 5000 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
}
