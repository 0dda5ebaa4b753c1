import { performance } from 'node:perf_hooks';
import { sampleDocumentLines } from '@lmc/appliance/devices/sample-documents.ts';
import { startLiveAppliance } from '../support/live-appliance.ts';
import { fmt, type Spread, spread } from './stats.ts';

export interface ScanLatencyResult {
  baudRate: number;
  scans: number;
  bytesPerScan: number;
  floorMs: number;
  firstByteToEvent: Spread;
  lastByteToEvent: Spread;
}

/**
 * Scan-to-event latency through the whole appliance: simulator writes on a pty at the configured baud →
 * serialport → framing → ICAO parse → bus → socket.io → a client in this process (same clock).
 * The physical floor is the serial transfer time of the same bytes (10 bits a byte, 8N1).
 */
export async function benchScanLatency(baudRate: number, scans: number): Promise<ScanLatencyResult> {
  const { appliance, socket, close } = await startLiveAppliance('bench-scan-', { logLevel: 'silent', devices: { mrz: { transport: 'simulator', baudRate, framing: 'stx-etx' } } }, 'mrz');
  const sim = appliance.mrz.simulator;
  if (!sim) throw new Error('benchmark needs the simulated reader');
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
    await close();
  }
  return {
    baudRate,
    scans,
    bytesPerScan,
    floorMs,
    firstByteToEvent: spread(firstToEvent),
    lastByteToEvent: spread(lastToEvent),
  };
}

export function formatScanLatency(r: ScanLatencyResult): string {
  return `| ${r.baudRate} | ${r.scans} | ${r.bytesPerScan} | ${fmt(r.floorMs)} | ${fmt(r.firstByteToEvent.p50)} / ${fmt(r.firstByteToEvent.p99)} | ${fmt(r.firstByteToEvent.p50 / r.floorMs, 2)}× / ${fmt(r.firstByteToEvent.p99 / r.floorMs, 2)}× | ${fmt(r.lastByteToEvent.p50, 2)} / ${fmt(r.lastByteToEvent.p99, 2)} |`;
}
