import { describe, expect, it } from 'vitest';
import { finalizeMany, useTempStore } from '../sync/test-support.ts';
import type { Store } from './index.ts';

describe('Store.transaction: a change and its audit row commit together', () => {
  let store: Store;
  useTempStore('store-tx-', (opened) => {
    store = opened;
  });

  it('rolls the change back when its audit row cannot be written', () => {
    finalizeMany(store, 1);
    const seq = store.outbox.pending(1)[0]?.seq ?? 0;
    store.outbox.quarantine(seq, 'central rejected the record');
    // The audit write fails (as on a full disk or a damaged chain) after the requeue ran.
    store.connection.exec(`CREATE TEMP TRIGGER fail_retry_audit BEFORE INSERT ON audit_log WHEN NEW.action = 'sync.quarantine_retry'
      BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END`);
    expect(() =>
      store.transaction('test.retry', () => {
        const item = store.outbox.requeue(seq);
        store.audit.append({ actor: 'tech-1', action: 'sync.quarantine_retry', entityType: 'registration', entityId: item.registrationId, details: {} });
      }),
    ).toThrow();
    expect(store.outbox.quarantinedCount()).toBe(1);
    expect(store.outbox.pending(10)).toHaveLength(0);
  });

  it('commits both when both succeed, and nests as a savepoint', () => {
    finalizeMany(store, 1);
    const seq = store.outbox.pending(1)[0]?.seq ?? 0;
    store.outbox.quarantine(seq, 'central rejected the record');
    const before = store.audit.verify();
    store.transaction('outer', () =>
      store.transaction('inner', () => {
        const item = store.outbox.requeue(seq);
        store.audit.append({ actor: 'tech-1', action: 'sync.quarantine_retry', entityType: 'registration', entityId: item.registrationId, details: {} });
      }),
    );
    expect(store.outbox.quarantinedCount()).toBe(0);
    expect(store.outbox.pending(10)).toHaveLength(1);
    expect(store.audit.verify()).toMatchObject({ ok: true });
    expect(before).toMatchObject({ ok: true });
  });
});
