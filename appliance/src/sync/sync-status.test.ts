import { describe, expect, it } from 'vitest';
import { computeSyncStatus, type StatusInputs, ThroughputMeter } from './sync-status.ts';

const base: StatusInputs = {
  now: new Date('2025-03-10T10:00:00Z'),
  deviceId: 'apl-1',
  link: { state: 'online', nextAttemptAt: null, lastError: null, failedAttempts: 0 },
  queueDepth: 0,
  quarantined: 0,
  oldestUnsentAt: null,
  lastAcknowledgedAt: null,
  throughputPerSecond: 0,
};

describe('sync status', () => {
  it('gives the oldest unsent age in seconds and the time to drain at the current throughput', () => {
    const s = computeSyncStatus({ ...base, queueDepth: 250, oldestUnsentAt: '2025-03-10T07:30:00Z', throughputPerSecond: 12.5 });
    expect(s).toMatchObject({ oldestUnsentAgeSeconds: 9000, estimatedDrainSeconds: 20, throughputPerSecond: 12.5, linkState: 'online' });
  });

  it('says 0 to drain for an empty queue and unknown (null) when nothing is moving', () => {
    expect(computeSyncStatus(base).estimatedDrainSeconds).toBe(0);
    const offline = computeSyncStatus({
      ...base,
      link: { state: 'offline', nextAttemptAt: '2025-03-10T10:00:04Z', lastError: 'connect-refused', failedAttempts: 3 },
      queueDepth: 40,
      oldestUnsentAt: '2025-03-10T09:00:00Z',
    });
    expect(offline).toMatchObject({ estimatedDrainSeconds: null, linkState: 'offline', nextAttemptAt: '2025-03-10T10:00:04Z', failedAttempts: 3 });
  });

  it('never shows a negative age when the clock jumped backwards', () => {
    expect(computeSyncStatus({ ...base, queueDepth: 1, oldestUnsentAt: '2025-03-11T00:00:00Z' }).oldestUnsentAgeSeconds).toBe(0);
  });
});

describe('throughput meter', () => {
  it('measures records per second from the start of the first batch in the window', () => {
    const m = new ThroughputMeter(60_000);
    m.record(100, 0, 2_000);
    m.record(100, 2_000, 4_000);
    expect(m.rate(4_000)).toBe(50);
  });

  it('forgets batches older than the window and reports zero when idle', () => {
    const m = new ThroughputMeter(10_000);
    m.record(100, 0, 1_000);
    expect(m.rate(5_000)).toBe(20);
    expect(m.rate(11_001)).toBe(0);
  });

  it('does not report a burst as an infinite rate (at least one second of span)', () => {
    const m = new ThroughputMeter(60_000);
    m.record(30, 1_000, 1_010);
    expect(m.rate(1_010)).toBe(30);
  });
});
