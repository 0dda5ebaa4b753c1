import { rootLogger } from '@lmc/core/logger.ts';
import { benchCommits } from './commit-latency.ts';
import { benchParse } from './parse-throughput.ts';
import { benchScanLatency, formatScanLatency } from './scan-latency.ts';
import { fmt } from './stats.ts';

/** `npm run bench`: every figure in one run, as ratios against a floor or a peer. Paste the output into the README. */
async function main(): Promise<void> {
  rootLogger.level = process.env.LOG_LEVEL ?? 'silent';
  const out: string[] = [];
  out.push(`# Benchmark — ${new Date().toISOString()} — node ${process.version}, ${process.platform}/${process.arch}`);
  out.push('');
  out.push('## Scan-to-event latency (pty → serialport → parse → socket.io client)');
  out.push('| baud | scans | bytes/scan | wire floor ms | first byte→event p50 / p99 ms | vs floor p50 / p99 | last byte→event p50 / p99 ms |');
  out.push('|---|---|---|---|---|---|---|');
  for (const baud of [9600, 115200]) out.push(formatScanLatency(await benchScanLatency(baud, baud === 9600 ? 40 : 100)));
  out.push('');
  const parse = benchParse();
  out.push('## MRZ parsing (same corpus of 600 TD1/TD2/TD3 documents)');
  out.push('| parser | parses/s | ratio |');
  out.push('|---|---|---|');
  out.push(`| ours (firmware-bridge/src/mrz) | ${fmt(parse.ours, 0)} | ${fmt(parse.ours / parse.mrzPackage, 2)}× |`);
  out.push(`| mrz@5 (npm) | ${fmt(parse.mrzPackage, 0)} | 1.00× |`);
  out.push(`corpus valid under both parsers: ${parse.allValid}`);
  out.push('');
  const commits = benchCommits();
  out.push('## Finalizations with synchronous=FULL (better-sqlite3, WAL, temp dir on this disk)');
  out.push('| registrations/s (create+attach+finalize) | finalize commit p50 ms | p99 ms |');
  out.push('|---|---|---|');
  out.push(`| ${fmt(commits.perSecond, 0)} | ${fmt(commits.p50, 2)} | ${fmt(commits.p99, 2)} |`);
  out.push('', ...(await import('./receipts.ts').then(async (r) => r.formatReceipts(await r.benchReceipts()))));
  out.push('', ...(await import('./fingerprint-capture.ts').then(async (f) => f.formatFingerprintCapture(await f.benchFingerprintCapture()))));
  out.push(...(await (await import('./forwarding.ts')).benchForwarding()));
  out.push('', ...(await (await import('./ingest.ts')).benchIngestLines()));
  out.push('', ...(await (await import('./sign-in-load.ts')).benchSignInLoadLines()));
  out.push('', ...(await import('./ui-latency.ts').then(async (u) => u.formatUiLatency(await u.benchUiLatency()))));
  out.push('', ...(await (await import('./barcode-load.ts')).benchBarcodeLoad()));
  out.push('', ...(await (await import('./event-loop.ts')).benchEventLoop()));
  out.push('', ...(await import('./lookup.ts').then(async (l) => l.formatLookup(await l.benchLookup()))));
  out.push('', ...(await import('@lmc/firmware-bridge/chip/simulator/read-timing.ts').then(async (c) => c.formatChipReadTiming(await c.benchChipRead()))));
  console.log(out.join('\n'));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
