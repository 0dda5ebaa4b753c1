import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';
import { tempDir } from '../store/test-support.ts';
import { purgeAcknowledged } from './retention.ts';
import { finalizeMany } from './test-support.ts';

const DAY = 86_400_000;

describe('retention purge', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let clock = Date.UTC(2025, 0, 1);
  beforeEach(() => {
    tmp = tempDir('retention-');
    clock = Date.UTC(2025, 0, 1);
    store = openApplianceStore({ dataDir: tmp.dir, now: () => new Date(clock) });
  });
  afterEach(() => {
    store.close();
    tmp.remove();
  });

  it('deletes registrations acknowledged more than retentionDays ago, keeps the rest and the audit chain', () => {
    const old = finalizeMany(store, 3, 'BBR', 'OLD');
    store.outbox.markSentMany(store.outbox.pending(10).map((e) => e.seq)); // acknowledged on day 0
    clock += 20 * DAY;
    const recent = finalizeMany(store, 2, 'BBR', 'NEW');
    store.outbox.markSentMany(store.outbox.pending(10).map((e) => e.seq)); // acknowledged on day 20
    const unsent = finalizeMany(store, 1, 'BBR', 'WAIT'); // never acknowledged
    clock += 15 * DAY; // day 35

    expect(purgeAcknowledged(store, 30, new Date(clock))).toEqual({ outbox: 3, registrations: 3 });
    for (const id of old) expect(store.registrations.get(id)).toBeUndefined();
    for (const id of [...recent, ...unsent]) expect(store.registrations.get(id)?.status).toBe('finalized');
    expect(store.outbox.depth()).toBe(1);
    // The audit rows of the purged registrations stay, and the chain still verifies.
    expect(store.audit.forEntity('registration', old[0]!).map((a) => a.action)).toContain('registration.finalized');
    expect(store.audit.verify().ok).toBe(true);
    expect(purgeAcknowledged(store, 30, new Date(clock))).toEqual({ outbox: 0, registrations: 0 });
  });

  it('never purges an unacknowledged or quarantined registration, however old', () => {
    const [a, b] = finalizeMany(store, 2);
    const [qa] = store.outbox.pending(1);
    store.outbox.quarantine(qa!.seq, 'central conflict: content_differs');
    clock += 400 * DAY;
    expect(purgeAcknowledged(store, 1, new Date(clock))).toEqual({ outbox: 0, registrations: 0 });
    expect(store.registrations.get(a!)).toBeDefined();
    expect(store.registrations.get(b!)).toBeDefined();
  });
});
