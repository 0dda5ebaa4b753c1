/** Shared fixtures for the sync tests: real SQLite stores with finalized registrations, and a scripted central. */
import { generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { Batch, BatchResponse, EncodedBatch } from '@lmc/protocol/batch.ts';
import { afterEach, beforeEach } from 'vitest';
import { openApplianceStore } from '../schema.ts';
import { passport, tempDir } from '../store/test-support.ts';
import type { Store } from '../store/index.ts';
import type { CentralTransport, SendOutcome } from './central-client.ts';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.ts';

/** A migrated store in a fresh folder for every test of the calling suite (`opened` receives it), closed and removed after the test. */
export function useTempStore(prefix: string, opened: (store: Store) => void, options: { now?: () => Date } = {}): void {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  beforeEach(() => {
    tmp = tempDir(prefix);
    store = openApplianceStore({ dataDir: tmp.dir, ...options });
    opened(store);
  });
  afterEach(() => {
    store.close();
    tmp.remove();
  });
}

export function finalizeMany(store: Store, n: number, officeCode = 'BBR', prefix = 'N'): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = store.registrations.create({ officeCode, officerId: 'officer-1' });
    store.registrations.attachDocument(r.id, passport(`${prefix}${i}`), 'officer-1');
    ids.push(store.registrations.finalize(r.id, 'officer-1').id);
  }
  return ids;
}

/**
 * An OutboxRelay for the unit tests: timers long enough that nothing fires by itself within a test, jitter fixed at
 * the middle; `extra` overrides any option (a clock, a status reporter, smaller batches).
 */
export function testRelay(store: Store, identity: { deviceId: string; privateKey: KeyObject }, transport: CentralTransport | null, extra: Partial<OutboxRelayOptions> = {}): OutboxRelay {
  return new OutboxRelay({
    store,
    identity,
    transport,
    bounds: { maxRecords: 10, maxBytes: 1024 * 1024 },
    backoff: { baseMs: 1000, maxMs: 60_000 },
    unauthorisedRetryMs: 600_000,
    idlePollMs: 30_000,
    random: () => 0.5,
    ...extra,
  });
}

export function testIdentity(deviceId = 'apl-test') {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { deviceId, privateKey, publicKey };
}

/**
 * A central that answers from a script: each call takes the next function (or repeats the last),
 * which sees the decoded, signature-checked batch. `stored` keeps what a real central would hold,
 * so duplicates can be answered the way ingest does.
 */
export class ScriptedCentral implements CentralTransport {
  readonly batches: Batch[] = [];
  readonly held = new Map<string, string>();
  closed = false;
  constructor(
    private readonly publicKey: KeyObject,
    private readonly script: Array<(batch: Batch, central: ScriptedCentral) => SendOutcome> = [],
  ) {}

  /** What a healthy central answers: stored once, duplicate after, conflict on a different hash. */
  ingest(batch: Batch): SendOutcome {
    const response: BatchResponse = { batchId: batch.batchId, stored: [], duplicates: [], conflicts: [] };
    for (const r of batch.records) {
      const held = this.held.get(r.id);
      if (held === undefined) {
        this.held.set(r.id, r.contentHash);
        response.stored.push(r.id);
      } else if (held === r.contentHash) response.duplicates.push(r.id);
      else response.conflicts.push({ id: r.id, reason: 'content_differs' });
    }
    return { kind: 'acknowledged', response };
  }

  async send(encoded: EncodedBatch): Promise<SendOutcome> {
    if (!verify(null, encoded.body, this.publicKey, Buffer.from(encoded.headers['x-signature'], 'base64'))) {
      throw new Error('relay sent a batch whose signature does not verify');
    }
    const batch = JSON.parse(gunzipSync(encoded.body).toString('utf8')) as Batch;
    this.batches.push(batch);
    const step = this.script.length > 1 ? this.script.shift() : this.script[0];
    return step ? step(batch, this) : this.ingest(batch);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
