import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';
import { tempDir } from '../store/test-support.ts';
import { EventBus } from '../events/event-bus.ts';
import type { SendOutcome } from './central-client.ts';
import type { OutboxRelayOptions } from './outbox-relay.ts';
import type { SyncStatus } from './sync-status.ts';
import { finalizeMany, ScriptedCentral, testIdentity, testRelay } from './test-support.ts';

const T0 = Date.UTC(2025, 2, 10, 8, 0, 0);

describe('outbox relay', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  const id = testIdentity();
  let clock = T0;
  beforeEach(() => {
    tmp = tempDir('relay-');
    clock = T0;
    store = openApplianceStore({ dataDir: tmp.dir, now: () => new Date(clock++) });
  });
  afterEach(() => {
    store.close();
    tmp.remove();
  });

  function relay(central: ScriptedCentral | null, extra: Partial<OutboxRelayOptions> = {}) {
    return testRelay(store, id, central, { now: () => new Date(clock), ...extra });
  }

  it('marks a record sent only when the acknowledgement lists it in stored or duplicates', async () => {
    const ids = finalizeMany(store, 3);
    // The central answers for the first two only (e.g. a proxy cut the list): the third stays queued.
    const central = new ScriptedCentral(id.publicKey, [
      (b) => ({ kind: 'acknowledged', response: { batchId: b.batchId, stored: [ids[0]!], duplicates: [ids[1]!], conflicts: [] } }),
      (b, c) => c.ingest(b),
    ]);
    // One batch per cycle, so the state between the partial answer and the resend can be looked at.
    const r = relay(central, { inFlightBatches: 1 });
    expect(await r.runOnce()).toMatchObject({ acknowledged: 2, delayMs: 0 });
    expect(store.outbox.pending(10).map((e) => e.registrationId)).toEqual([ids[2]]);
    expect(r.link.state).toBe('online');
    await r.runOnce();
    expect(store.outbox.depth()).toBe(0);
    expect(central.batches[0]?.records.map((x) => x.id)).toEqual(ids);
    expect(central.batches[0]?.deviceId).toBe(id.deviceId);
  });

  it('resends byte-identical records after the sent mark was lost, and the central answers duplicates', async () => {
    const ids = finalizeMany(store, 4);
    const central = new ScriptedCentral(id.publicKey);
    // Crash between the central's commit and our markSent: the hook throws after the answer arrived.
    const crashing = relay(central, {
      hooks: {
        afterResponse: () => {
          throw new Error('power cut');
        },
      },
    });
    await expect(crashing.runOnce()).rejects.toThrow('power cut');
    expect(store.outbox.depth()).toBe(4);
    expect(central.held.size).toBe(4);

    await relay(central).runOnce();
    expect(store.outbox.depth()).toBe(0);
    const [first, second] = central.batches;
    expect(second?.records).toEqual(first?.records);
    expect(central.held.size).toBe(4);
    expect([...central.held.keys()]).toEqual(ids);
  });

  it('quarantines a record the central holds with different content, with the reason, and drains the rest', async () => {
    const ids = finalizeMany(store, 5);
    const central = new ScriptedCentral(id.publicKey);
    central.held.set(ids[1]!, 'f'.repeat(64));
    const r = relay(central);
    expect(await r.runOnce()).toMatchObject({ acknowledged: 4, quarantined: 1 });
    expect(store.outbox.depth()).toBe(0);
    expect(store.outbox.quarantined(10)).toMatchObject([{ registrationId: ids[1], reason: 'central conflict: content_differs' }]);
    expect(store.audit.forEntity('registration', ids[1]!).at(-1)).toMatchObject({ action: 'sync.quarantined', details: { reason: 'content_differs' } });
    expect(r.status()).toMatchObject({ queueDepth: 0, quarantined: 1, linkState: 'online' });
  });

  it('splits a rejected batch until the bad record is alone, quarantines it, and delivers the others', async () => {
    const ids = finalizeMany(store, 7);
    const bad = ids[4]!;
    const central = new ScriptedCentral(id.publicKey, [
      (b, c): SendOutcome =>
        b.records.some((x) => x.id === bad)
          ? { kind: 'rejected', status: 400, code: 'BATCH_INVALID', message: 'body/records/0/officeCode must NOT have more than 32 characters' }
          : c.ingest(b),
    ]);
    const step = await relay(central).runOnce();
    expect(step).toMatchObject({ acknowledged: 6, quarantined: 1 });
    expect(store.outbox.depth()).toBe(0);
    const [q] = store.outbox.quarantined(10);
    expect(q?.registrationId).toBe(bad);
    expect(q?.reason).toMatch(/^central rejected the record: 400 BATCH_INVALID/);
    expect(central.held.size).toBe(6);
    // Bisection: fewer requests than one per record, yet every good record got through.
    expect(central.batches.length).toBeLessThan(8);
  });

  it('lowers its batch bounds after a 413 so later batches fit the central limit', async () => {
    finalizeMany(store, 8);
    const central = new ScriptedCentral(id.publicKey, [
      (b, c): SendOutcome => (b.records.length > 2 ? { kind: 'rejected', status: 413, code: 'BATCH_TOO_MANY_RECORDS', message: 'at most 2' } : c.ingest(b)),
    ]);
    const r = relay(central, { bounds: { maxRecords: 8, maxBytes: 1024 * 1024 } });
    while (store.outbox.depth() > 0) await r.runOnce();
    expect(store.outbox.quarantinedCount()).toBe(0);
    const sizes = central.batches.map((b) => b.records.length);
    // After the first refusals, every batch is sent at a size the central accepts.
    expect(sizes.slice(-2)).toEqual([2, 2]);
    expect(central.held.size).toBe(8);
  });

  it('treats 401 as a configuration problem: link unauthorised, nothing quarantined or marked, slow retry', async () => {
    finalizeMany(store, 3);
    const central = new ScriptedCentral(id.publicKey, [
      () => ({ kind: 'unauthorised', status: 401, code: 'DEVICE_UNKNOWN', message: 'Device is not enrolled' }),
    ]);
    const r = relay(central);
    const step = await r.runOnce();
    expect(step.delayMs).toBe(450_000); // 600 s × (0.5 + 0.5/2) with random() = 0.5
    expect(r.link).toMatchObject({ state: 'unauthorised', lastError: '401 DEVICE_UNKNOWN: Device is not enrolled' });
    expect(store.outbox.depth()).toBe(3);
    expect(store.outbox.quarantinedCount()).toBe(0);
  });

  it('backs off exponentially with jitter while the central is unreachable, and reports offline with the next attempt', async () => {
    finalizeMany(store, 2);
    const central = new ScriptedCentral(id.publicKey, [() => ({ kind: 'unavailable', reason: 'connect-refused', message: 'connect-refused (ECONNREFUSED)' })]);
    const r = relay(central, { random: () => 0.99 });
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) delays.push((await r.runOnce()).delayMs);
    expect(delays).toEqual([990, 1980, 3960, 7920, 15840, 31680, 59400, 59400]);
    expect(r.link).toMatchObject({ state: 'offline', failedAttempts: 8, nextAttemptAt: new Date(clock + 59_400).toISOString() });
    expect(store.outbox.pending(10).map((e) => e.attempts)).toEqual([8, 8]);

    const back = new ScriptedCentral(id.publicKey);
    const again = relay(back);
    await again.runOnce();
    expect(again.link).toMatchObject({ state: 'online', failedAttempts: 0, nextAttemptAt: null });
  });

  it('idles as not-configured without a central and still publishes the queue on the bus', async () => {
    const bus = new EventBus();
    const seen: SyncStatus[] = [];
    bus.subscribe('sync.status', (s) => seen.push(s));
    const r = relay(null, { bus });
    await r.start();
    const ids = finalizeMany(store, 2);
    bus.publish('registration.changed', { registration: store.registrations.get(ids[1]!)!, change: 'finalized' });
    expect(seen.at(-1)).toMatchObject({ linkState: 'not-configured', queueDepth: 2, estimatedDrainSeconds: null });
    await r.stop();
  });

  it('drains in the background once started and stops cleanly, closing the connection', async () => {
    const central = new ScriptedCentral(id.publicKey);
    const bus = new EventBus();
    const r = relay(central, { bus, idlePollMs: 60_000 });
    await r.start();
    const ids = finalizeMany(store, 3);
    // A finalization wakes the idle relay at once (no waiting for the idle poll).
    bus.publish('registration.changed', { registration: store.registrations.get(ids[2]!)!, change: 'finalized' });
    await expect.poll(() => store.outbox.depth(), { timeout: 5000 }).toBe(0);
    await r.stop();
    expect(central.closed).toBe(true);
    expect(central.held.size).toBe(3);
  });

  it('never resends the same oversized batch for ever: each response timeout halves the next batch until one fits the link', async () => {
    finalizeMany(store, 40);
    // A link on which only batches of at most 3 records answer before the timeout.
    const central = new ScriptedCentral(id.publicKey, [
      (b, c) => (b.records.length > 3 ? { kind: 'unavailable', reason: 'response-timeout', message: 'response-timeout (UND_ERR_HEADERS_TIMEOUT)' } : c.ingest(b)),
    ]);
    const r = relay(central, { bounds: { maxRecords: 40, maxBytes: 1024 * 1024 } });
    for (let i = 0; i < 60 && store.outbox.depth() > 0; i++) await r.runOnce();
    expect(store.outbox.depth()).toBe(0);
    const sizes = central.batches.map((b) => b.records.length);
    // Strictly smaller after every timeout, never the same oversized batch twice in a row.
    const firstFit = sizes.findIndex((n) => n <= 3);
    expect(firstFit).toBeGreaterThan(0);
    for (let i = 1; i <= firstFit; i++) expect(sizes[i]).toBeLessThan(sizes[i - 1]!);
    expect(central.held.size).toBe(40);
  });

  it('sizes batches from the measured link: a slow link gets batches of about maxBatchSeconds', async () => {
    finalizeMany(store, 60);
    const central = new ScriptedCentral(id.publicKey);
    const r = relay(central, { bounds: { maxRecords: 1000, maxBytes: 10 * 1024 * 1024 }, maxBatchSeconds: 15 });
    await r.runOnce();
    // Before any measurement: the first batch is at most 64 KiB of records.
    expect(r.linkEstimate.bytesPerSecond).toBeGreaterThan(0);
    const rate = r.linkEstimate.bytesPerSecond ?? 0;
    expect(r.linkEstimate.batchBytes).toBe(Math.min(10 * 1024 * 1024, Math.floor(rate * 15)));
  });
});
