import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { corpus } from './parse-throughput.ts';
import { percentile } from './stats.ts';

/**
 * Finalizations per second and commit latency with synchronous=FULL on this machine's disk: each finalize
 * is one transaction (registration + outbox + audit) with an fsync of the WAL.
 */
export function benchCommits(count = 400): { perSecond: number; p50: number; p99: number; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-commit-'));
  const store = openApplianceStore({ dataDir: dir });
  const docs = corpus(count).map((lines) => parseMrz(lines));
  const latencies: number[] = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < count; i++) {
      const r = store.registrations.create({ officeCode: 'BBR', officerId: 'bench' });
      store.registrations.attachDocument(r.id, docs[i] as never, 'bench');
      const s = performance.now();
      store.registrations.finalize(r.id, 'bench');
      latencies.push(performance.now() - s);
    }
  } finally {
    store.close();
  }
  const total = performance.now() - t0;
  // Throughput counts the whole officer path (create + attach + finalize), three FULL-sync commits each.
  return { perSecond: (count / total) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99), dir };
}
