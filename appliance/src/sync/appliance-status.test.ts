import { beforeEach, describe, expect, it } from 'vitest';
import { auditHash, GENESIS_HASH, type Store } from '../store/index.ts';
import { EventBus } from '../events/event-bus.ts';
import { ApplianceStatusReporter, auditHead, installedVersion } from './appliance-status.ts';
import { finalizeMany, ScriptedCentral, testIdentity, testRelay, useTempStore } from './test-support.ts';

describe('appliance status carried by each batch', () => {
  let store: Store;
  let bus: EventBus;
  const id = testIdentity();
  useTempStore('status-', (opened) => {
    store = opened;
  });
  beforeEach(() => {
    bus = new EventBus();
  });

  const audit = (n: number) => {
    for (let i = 0; i < n; i++) store.audit.append({ actor: 'officer-1', action: 'test.event', entityType: 'test', entityId: `e${i}` });
  };
  const lastRow = () => store.connection.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };

  it('reports the audit head (last seq and its hash), the backlog, the version and the configured devices', () => {
    const reporter = new ApplianceStatusReporter({ store, bus, devices: ['mrz', 'fingerprint'], softwareVersion: '9.8.7' });
    finalizeMany(store, 3);
    audit(2);
    bus.publish('device.state', { device: 'mrz', state: 'reading', simulated: true, transportId: 'sim', at: new Date().toISOString() });
    bus.publish('device.state', { device: 'fingerprint', state: 'unresponsive', simulated: true, transportId: 'sim', at: new Date().toISOString() });
    // Not configured here: not reported.
    bus.publish('device.state', { device: 'printer', state: 'connected', simulated: true, transportId: 'sim', at: new Date().toISOString() });
    const s = reporter.snapshot();
    const head = lastRow();
    expect(s.auditChain.length).toBe(head.seq);
    expect(s.auditChain.headHash).toBe(head.hash);
    expect(s.auditChain.prior).toBeUndefined();
    expect(s.backlog).toEqual({ pending: 3, oldestUnsentAt: store.outbox.oldestPendingAt() });
    expect(s.backlog.oldestUnsentAt).not.toBeNull();
    expect(s.softwareVersion).toBe('9.8.7');
    // 'reading' is a connected device in the middle of a scan.
    expect(s.devices).toEqual({ mrz: 'connected', fingerprint: 'unresponsive' });
    reporter.close();
  });

  it('sends back the last acknowledged anchor with its hash re-read now, so a rewritten chain shows', () => {
    const reporter = new ApplianceStatusReporter({ store, devices: [], softwareVersion: '1' });
    audit(4);
    const sent = reporter.snapshot();
    reporter.acknowledged(sent);
    audit(2);
    const next = reporter.snapshot();
    expect(next.auditChain.prior).toEqual({ length: sent.auditChain.length, hash: sent.auditChain.headHash });
    expect(next.auditChain.length).toBe(sent.auditChain.length + 2);

    // Someone with file access rewrites the chain from the anchored row on (the triggers dropped, hashes recomputed).
    const db = store.connection;
    db.exec('DROP TRIGGER audit_log_no_update');
    const rows = db.prepare('SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq').all(sent.auditChain.length) as Array<Record<string, unknown> & { seq: number; prev_hash: string }>;
    let prev = (rows[0] as { prev_hash: string }).prev_hash;
    for (const row of rows) {
      const forged = { ...row, details_json: row.seq === sent.auditChain.length ? '{"edited":true}' : row.details_json, prev_hash: prev } as Parameters<typeof auditHash>[0];
      const hash = auditHash(forged);
      db.prepare('UPDATE audit_log SET details_json = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(forged.details_json, prev, hash, row.seq);
      prev = hash;
    }
    expect(store.audit.verify().ok).toBe(true);
    const after = reporter.snapshot();
    expect(after.auditChain.prior?.length).toBe(sent.auditChain.length);
    expect(after.auditChain.prior?.hash).not.toBe(sent.auditChain.headHash);
    expect(after.auditChain.prior?.hash).toBe(lastHashAt(sent.auditChain.length));
  });

  function lastHashAt(seq: number): string {
    return (store.connection.prepare('SELECT hash FROM audit_log WHERE seq = ?').get(seq) as { hash: string }).hash;
  }

  it('the relay puts the status in the signed batch body and moves the anchor only on an acknowledgement', async () => {
    const reporter = new ApplianceStatusReporter({ store, devices: ['mrz'], softwareVersion: '2.0.0' });
    finalizeMany(store, 2);
    let answer: 'down' | 'up' = 'down';
    const central = new ScriptedCentral(id.publicKey, [(b, c) => (answer === 'down' ? { kind: 'unavailable', reason: 'server-error', status: 503, message: 'down' } : c.ingest(b))]);
    const relay = testRelay(store, id, central, { status: reporter });
    await relay.runOnce();
    const first = central.batches[0];
    expect(first?.status?.softwareVersion).toBe('2.0.0');
    expect(first?.status?.devices).toEqual({ mrz: 'unknown' });
    expect(first?.status?.backlog.pending).toBe(2);
    // Not acknowledged: no anchor yet.
    expect(reporter.snapshot().auditChain.prior).toBeUndefined();

    answer = 'up';
    await relay.runOnce();
    const delivered = central.batches[1];
    expect(delivered?.status?.auditChain.length).toBeGreaterThan(0);
    expect(reporter.snapshot().auditChain.prior).toEqual({ length: delivered?.status?.auditChain.length, hash: delivered?.status?.auditChain.headHash });
    expect(store.outbox.depth()).toBe(0);
  });

  it('reads the installation version from the root package.json', () => {
    expect(installedVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('reports an empty chain as length 0 at the genesis hash, and a vanished anchored row as an empty hash', () => {
    store.connection.exec('DROP TRIGGER audit_log_no_delete');
    store.connection.exec('DELETE FROM audit_log');
    expect(auditHead(store)).toEqual({ length: 0, hash: GENESIS_HASH });
    const reporter = new ApplianceStatusReporter({ store, devices: [], softwareVersion: '1' });
    audit(3);
    const sent = reporter.snapshot();
    reporter.acknowledged(sent);
    store.connection.prepare('DELETE FROM audit_log WHERE seq = ?').run(sent.auditChain.length);
    expect(reporter.snapshot().auditChain.prior).toEqual({ length: sent.auditChain.length, hash: '' });
  });
});
