import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReferenceChange, ReferencePage } from '@lmc/protocol/reference-feed.ts';
import type { PullOutcome, ReferenceTransport } from './client.ts';
import { ReferenceSync } from './reference-sync.ts';
import { EPOCH, employer, openReferenceFixture, province, type ReferenceFixture, remove } from './test-support.ts';

/** A feed that behaves like the central's: latest change per key, versions in order, bounded pages. */
class FakeFeed implements ReferenceTransport {
  epoch = EPOCH;
  version = 0;
  changes: ReferenceChange[] = [];
  calls: number[] = [];
  /** Outcomes to return instead of a page, consumed one per call. */
  failures: PullOutcome[] = [];

  change(c: Omit<ReferenceChange, 'version'>): void {
    this.changes = this.changes.filter((x) => !(x.table === c.table && x.key === c.key));
    this.changes.push({ ...c, version: ++this.version });
  }

  async fetchPage(since: number, limit: number): Promise<PullOutcome> {
    this.calls.push(since);
    const failure = this.failures.shift();
    if (failure) return failure;
    const after = this.changes.filter((c) => c.version > since).sort((a, b) => a.version - b.version);
    const slice = after.slice(0, limit);
    const full = slice.length === limit;
    const page: ReferencePage = {
      epoch: this.epoch,
      fromVersion: since,
      toVersion: full ? slice.at(-1)!.version : this.version,
      headVersion: this.version,
      complete: !full,
      changes: slice,
      serverTime: new Date().toISOString(),
    };
    return { kind: 'page', page };
  }

  async close(): Promise<void> {}
}

let fx: ReferenceFixture;
let feed: FakeFeed;
let clock: number;

function sync(overrides: Partial<ConstructorParameters<typeof ReferenceSync>[0]> = {}) {
  return new ReferenceSync({
    db: fx.db,
    transport: feed,
    pageSize: 2,
    pollMs: 60_000,
    backoff: { baseMs: 1000, maxMs: 8000 },
    unauthorisedRetryMs: 120_000,
    now: () => new Date(clock),
    random: () => 0.5,
    ...overrides,
  });
}

beforeEach(() => {
  fx = openReferenceFixture();
  feed = new FakeFeed();
  clock = Date.parse('2026-11-23T08:00:00Z');
  feed.change(province('ZW-MS', 'Matabeleland South'));
  feed.change(province('ZW-MV', 'Masvingo'));
  feed.change(province('ZW-MI', 'Midlands'));
  feed.change(employer('E1', 'Demo farm'));
  feed.change(employer('E2', 'Demo builders'));
});
afterEach(() => fx.close());

describe('ReferenceSync.pullOnce', () => {
  it('pulls page after page from the local version until the feed is complete', async () => {
    const s = sync();
    const r = await s.pullOnce();
    expect(r).toEqual({ pages: 3, applied: 5, complete: true, delayMs: 60_000 });
    expect(feed.calls).toEqual([0, 2, 4]);
    expect(s.status()).toMatchObject({ linkState: 'online', version: 5, headVersion: 5, lagVersions: 0, lastSyncAgeSeconds: 0 });
    expect(s.queries.counts()).toMatchObject({ provinces: 3, employers: 2 });

    feed.change(remove('employers', 'E1'));
    feed.change(province('ZW-MS', 'Mat. South'));
    clock += 30_000;
    // A full page (2 of 2) is never the last: one more, empty, page confirms the end.
    expect(await s.pullOnce()).toMatchObject({ pages: 2, applied: 2, complete: true });
    expect(feed.calls.slice(3)).toEqual([5, 7]);
    expect(s.queries.employers({ withOpenVacanciesOnly: false }).map((e) => e.employerId)).toEqual(['E2']);
    expect(s.queries.provinces().find((p) => p.code === 'ZW-MS')?.name).toBe('Mat. South');
  });

  it('backs off with growing delays while the central is unreachable, keeping the copy readable and the reason recorded', async () => {
    const s = sync();
    await s.pullOnce();
    const down: PullOutcome = { kind: 'unavailable', reason: 'connect-refused', message: 'connect-refused (ECONNREFUSED)' };
    feed.failures = [down, down, down];
    clock += 1000;
    const delays = [(await s.pullOnce()).delayMs, (await s.pullOnce()).delayMs, (await s.pullOnce()).delayMs];
    // random() = 0.5 of the full-jitter ceiling: 1000, 2000, 4000 ms.
    expect(delays).toEqual([500, 1000, 2000]);
    expect(s.status()).toMatchObject({ linkState: 'backing-off', version: 5, lastError: 'connect-refused: connect-refused (ECONNREFUSED)', lastAttemptAt: new Date(clock).toISOString() });
    expect(s.queries.provinces()).toHaveLength(3);
    clock += 3600_000;
    expect(s.status().lastSyncAgeSeconds).toBe(3601);
    expect(await s.pullOnce()).toMatchObject({ complete: true });
    expect(s.status()).toMatchObject({ linkState: 'online', lastError: null });
  });

  it('waits the long unauthorised delay when the central refuses the device', async () => {
    feed.failures = [{ kind: 'unauthorised', status: 401, code: 'DEVICE_UNKNOWN', message: 'Device is not enrolled' }];
    const s = sync();
    expect(await s.pullOnce()).toMatchObject({ complete: false, delayMs: 120_000 });
    expect(s.status()).toMatchObject({ linkState: 'unauthorised', version: 0, lastError: 'DEVICE_UNKNOWN: Device is not enrolled' });
  });

  it('rebuilds the copy from 0 when the feed epoch changes (another central database or another scope)', async () => {
    const s = sync();
    await s.pullOnce();
    const rebuilt = new FakeFeed();
    rebuilt.epoch = 'feed-2.cccccccccccccccc';
    rebuilt.change(province('ZW-BU', 'Bulawayo'));
    feed = rebuilt;
    const s2 = sync();
    expect(await s2.pullOnce()).toMatchObject({ complete: true, applied: 1 });
    expect(rebuilt.calls).toEqual([5, 0]);
    expect(s2.queries.provinces().map((p) => p.code)).toEqual(['ZW-BU']);
    expect(s2.queries.counts().employers).toBe(0);
    expect(s2.status()).toMatchObject({ version: 1 });
  });

  it('rebuilds from 0 when the central answers with a version below the one asked for (restored database)', async () => {
    const s = sync();
    await s.pullOnce();
    const restored = new FakeFeed();
    restored.change(province('ZW-HA', 'Harare'));
    feed = restored;
    const s2 = sync();
    expect(await s2.pullOnce()).toMatchObject({ complete: true });
    expect(restored.calls).toEqual([5, 0]);
    expect(s2.queries.provinces().map((p) => p.code)).toEqual(['ZW-HA']);
  });

  it('does not apply a malformed page and retries it later', async () => {
    feed.failures = [{ kind: 'page', page: { epoch: EPOCH, fromVersion: 0, toVersion: 1, headVersion: 1, complete: true, changes: [{ table: 'provinces', op: 'upsert', key: 'X', version: 1, row: { code: 'X' } }] } }];
    const s = sync();
    const r = await s.pullOnce();
    expect(r.complete).toBe(false);
    expect(s.status()).toMatchObject({ version: 0, linkState: 'offline', lastError: expect.stringContaining('REFERENCE_PAGE_INVALID') });
    expect(await s.pullOnce()).toMatchObject({ complete: true, applied: 5 });
  });

  it('idles without a central configured', async () => {
    const s = sync({ transport: null });
    await s.start();
    expect(await s.pullOnce()).toMatchObject({ pages: 0, complete: false });
    expect(s.status().linkState).toBe('not-configured');
    await s.stop();
  });
});

describe('ReferenceSync as a Feature', () => {
  it('pulls in the background after start() and stop() ends the loop', async () => {
    const s = sync({ pollMs: 3_600_000 });
    await s.start();
    await expect.poll(() => s.status().version, { timeout: 5000 }).toBe(5);
    feed.change(province('ZW-HA', 'Harare'));
    s.syncNow();
    await expect.poll(() => s.status().version, { timeout: 5000 }).toBe(6);
    await s.stop();
    const calls = feed.calls.length;
    s.syncNow();
    await new Promise((r) => setTimeout(r, 50));
    expect(feed.calls.length).toBe(calls);
  });
});
