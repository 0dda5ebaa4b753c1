import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { addOfficer, signInFetch } from '@lmc/appliance/auth/test-support.ts';
import { parseConfig } from '@lmc/appliance/config/load-config.ts';
import { sampleDocumentLines } from '@lmc/appliance/devices/sample-documents.ts';
import { startAppliance } from '@lmc/appliance/start.ts';
import { fmt, percentile } from './stats.ts';

export interface ScanLatencyResult {
  baudRate: number;
  scans: number;
  bytesPerScan: number;
  floorMs: number;
  firstByteToEvent: { p50: number; p99: number };
  lastByteToEvent: { p50: number; p99: number };
}

/**
 * Scan-to-event latency through the whole appliance: simulator writes on a pty at the configured baud →
 * serialport → framing → ICAO parse → bus → socket.io → a client in this process (same clock).
 * The physical floor is the serial transfer time of the same bytes (10 bits a byte, 8N1).
 */
export async function benchScanLatency(baudRate: number, scans: number): Promise<ScanLatencyResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-scan-'));
  const { config } = parseConfig({
    version: 1,
    server: { port: 0 },
    dataDir,
    logLevel: 'silent',
    devices: { mrz: { transport: 'simulator', baudRate, framing: 'stx-etx' } },
  });
  const appliance = await startAppliance(config);
  await addOfficer(appliance.store.health().path);
  const cookie = await signInFetch(appliance.url);
  const socket = io(appliance.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
  const sim = appliance.mrz.simulator;
  if (!sim) throw new Error('benchmark needs the simulated reader');
  await new Promise<void>((resolve) => {
    const h = (s: { state: string }) => {
      if (s.state === 'connected') {
        socket.off('device:state', h);
        resolve();
      }
    };
    socket.on('device:state', h);
  });
  const firstToEvent: number[] = [];
  const lastToEvent: number[] = [];
  let bytesPerScan = 0;
  let floorMs = 0;
  try {
    for (let i = 0; i < scans; i++) {
      const lines = sampleDocumentLines(i % 3); // TD3 passports, the common case at the counter
      const received = new Promise<number>((resolve) => socket.once('document:scanned', () => resolve(performance.now())));
      const t0 = performance.now();
      const written = await sim.scan(lines);
      const tLast = performance.now();
      const tEvent = await received;
      bytesPerScan = written.bytesWritten;
      floorMs = (written.bytesWritten * 10 * 1000) / baudRate;
      firstToEvent.push(tEvent - t0);
      lastToEvent.push(Math.max(0, tEvent - tLast));
    }
  } finally {
    socket.close();
    await appliance.stop();
  }
  return {
    baudRate,
    scans,
    bytesPerScan,
    floorMs,
    firstByteToEvent: { p50: percentile(firstToEvent, 50), p99: percentile(firstToEvent, 99) },
    lastByteToEvent: { p50: percentile(lastToEvent, 50), p99: percentile(lastToEvent, 99) },
  };
}

export function formatScanLatency(r: ScanLatencyResult): string {
  return `| ${r.baudRate} | ${r.scans} | ${r.bytesPerScan} | ${fmt(r.floorMs)} | ${fmt(r.firstByteToEvent.p50)} / ${fmt(r.firstByteToEvent.p99)} | ${fmt(r.firstByteToEvent.p50 / r.floorMs, 2)}× / ${fmt(r.firstByteToEvent.p99 / r.floorMs, 2)}× | ${fmt(r.lastByteToEvent.p50, 2)} / ${fmt(r.lastByteToEvent.p99, 2)} |`;
}
