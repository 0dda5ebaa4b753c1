import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import jpeg from 'jpeg-js';
import QRCode from 'qrcode';
import { addOfficer, signInFetch } from '@lmc/appliance/auth/test-support.ts';
import { decodeBarcodeImage } from '@lmc/appliance/barcodes/barcode-decoder.ts';
import { placeOn, pngToGrey, rotate } from '@lmc/appliance/barcodes/test-images.ts';
import { sampleDocumentLines } from '@lmc/appliance/devices/sample-documents.ts';
import { registrationSlipPdf } from '@lmc/appliance/documents/registration-slip.ts';
import type { DocumentScannedEvent } from '@lmc/appliance/events/event-bus.ts';
import { receiptFacts } from '@lmc/appliance/printing/receipt-facts.ts';
import { finalizedRegistration, testSigner } from '@lmc/appliance/printing/test-support.ts';
import type { RunningAppliance } from '@lmc/appliance/start.ts';
import { encodeBatchInPool } from '@lmc/appliance/workers/cpu-jobs.ts';
import { sharedCpuPool } from '@lmc/appliance/workers/cpu-pool.ts';
import { greyImageToPng } from '@lmc/firmware-bridge/fingerprint/image-png.ts';
import { scoreQuality } from '@lmc/firmware-bridge/fingerprint/quality.ts';
import { type BatchRecordInput, encodeBatch } from '@lmc/protocol/batch.ts';
import { startTempAppliance } from '../support/live-appliance.ts';
import { CONSENTED_DETAILS } from '../support/registration-fixtures.ts';
import { fmt } from './stats.ts';

/**
 * Event-loop delay of the appliance's process while its CPU work runs, and MRZ reads lost meanwhile (#12).
 *
 * One real appliance (startAppliance: every device simulated on a pty at its real baud; MRZ at 9600, the
 * fingerprint module at 115200, the printer at 115200) reads 100 passports from its simulated reader, one every
 * ~250 ms, while, over real HTTP on loopback, registrations run end to end (create, document, two fingers captured
 * from the simulated module, details, finalize, A4 slip PDF), barcode photos are decoded, slips are rendered and
 * outbox batches (200 records, ~1 MB of JSON, 20 sealed images) are compressed and signed the way the relay does.
 *
 * "before" runs the same passports while the same CPU work is done the old way, on the event loop (zxing, pdfkit,
 * scoreQuality + pngjs, gzipSync + sign), one job after another: the appliance before the pool.
 * A read is lost when no valid document with the sent lines arrives on the bus.
 */
const SCANS = 100;
const BAUD = 9600;
const GAP_MS = 150; // > interByteTimeoutMs (100): every scan is its own read
const LOOP_GOAL_MS = 20;
const OFFICER = { officerId: 'BBR-017', pin: '482915' };

interface Phase {
  label: string;
  loopP50: number;
  loopP99: number;
  loopMax: number;
  windowS: number;
  sent: number;
  read: number;
  rejected: number;
  work: Map<string, number>;
}

function phonePhoto(qrPng: Buffer): Buffer {
  const grey = placeOn(rotate(pngToGrey(qrPng), 9), 1600, 1200, 600, 350);
  const rgba = Buffer.alloc(grey.width * grey.height * 4);
  for (let i = 0; i < grey.data.length; i++) rgba.fill(grey.data[i] ?? 255, i * 4, i * 4 + 3).writeUInt8(255, i * 4 + 3);
  return Buffer.from(jpeg.encode({ data: rgba, width: grey.width, height: grey.height }, 85).data);
}

/** 200 finalized-registration records, ~1 MB of JSON that gzip has to work on, and 20 sealed 40 KB images. */
function outboxBatch(): { records: BatchRecordInput[]; blobs: { blobId: string; data: Buffer }[] } {
  const records = Array.from({ length: 200 }, (_, i) => ({
    id: `0190a0c0-0000-7000-8000-${String(i).padStart(12, '0')}`,
    officeCode: 'BBR',
    finalizedAt: new Date().toISOString(),
    payload: { sex: 'F', birthDate: '1990-01-01', nationality: 'ZWE', occupationIsco: '9211', notes: randomBytes(2400).toString('base64') },
  }));
  const blobs = Array.from({ length: 20 }, (_, i) => ({ blobId: `blob-${i}`, data: randomBytes(40_000) }));
  return { records, blobs };
}

/** A simulated fingerprint image (256×288 grey ridges) for the "before" phase's quality + PNG. */
function ridgeImage(): { width: number; height: number; pixels: Uint8Array } {
  const width = 256;
  const height = 288;
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = 128 + Math.round(100 * Math.sin((x + y * 0.3) / 3));
  return { width, height, pixels };
}

/** Reads SCANS passports from the simulated reader while `load` runs; the bus says what arrived. */
async function measure(label: string, appliance: RunningAppliance, load: (stop: () => boolean) => Promise<Map<string, number>>): Promise<Phase> {
  const sim = appliance.mrz.simulator;
  if (!sim) throw new Error('the benchmark needs the simulated reader');
  const expected = new Map<string, number>();
  let read = 0;
  let rejected = 0;
  const offScan = appliance.bus.subscribe('document.scanned', (e: DocumentScannedEvent) => {
    const key = e.lines.join('\n');
    const left = expected.get(key) ?? 0;
    if (e.document?.valid && left > 0) {
      expected.set(key, left - 1);
      read++;
    }
  });
  const offReject = appliance.bus.subscribe('device.read-rejected', () => {
    rejected++;
  });
  let stopping = false;
  const h = monitorEventLoopDelay({ resolution: 1 });
  const t0 = performance.now();
  h.enable();
  const loadDone = load(() => stopping);
  let sent = 0;
  try {
    for (let i = 0; i < SCANS; i++) {
      const lines = sampleDocumentLines(i % 3);
      const key = lines.join('\n');
      expected.set(key, (expected.get(key) ?? 0) + 1);
      await sim.scan(lines);
      sent++;
      await sleep(GAP_MS);
    }
    await sleep(500); // the last read's inter-byte timeout and parse
  } finally {
    stopping = true;
  }
  const work = await loadDone;
  h.disable();
  offScan();
  offReject();
  return { label, loopP50: h.percentile(50) / 1e6, loopP99: h.percentile(99) / 1e6, loopMax: h.max / 1e6, windowS: (performance.now() - t0) / 1000, sent, read, rejected, work };
}

/** Runs `job` once, counting its outcome by name. */
async function once(counts: Map<string, number>, name: string, job: () => Promise<string | undefined>): Promise<void> {
  let outcome: string;
  try {
    outcome = (await job()) ?? 'ok';
  } catch (err) {
    outcome = `failed (${(err as { code?: string }).code ?? (err as Error).message.slice(0, 60)})`;
  }
  const key = outcome === 'ok' ? name : `${name}: ${outcome}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

export async function benchEventLoop(): Promise<string[]> {
  const { appliance, stop } = await startTempAppliance('bench-loop-', {
    logLevel: 'silent',
    devices: {
      mrz: { transport: 'simulator', baudRate: BAUD, framing: 'stx-etx' },
      fingerprint: { transport: 'simulator', baudRate: 115200 },
      printer: { transport: 'simulator' },
    },
  });
  try {
    await addOfficer(appliance.store.health().path, OFFICER);
    const base = appliance.url;
    const cookie = await signInFetch(base, OFFICER);
    const api = async (method: string, path: string, body?: unknown, type = 'application/json'): Promise<Response> =>
      fetch(`${base}${path}`, {
        method,
        headers: { cookie, ...(body === undefined ? {} : { 'content-type': type }) },
        ...(body === undefined ? {} : { body: Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body) }),
      });
    const ok = async (res: Response, want: number): Promise<string | undefined> => {
      if (res.status === want) {
        await res.arrayBuffer();
        return undefined;
      }
      return `${res.status} ${((await res.json().catch(() => ({}))) as { code?: string }).code ?? ''}`.trim();
    };
    await waitFor(() => appliance.mrz.state.state === 'connected' && appliance.fingerprints?.feature.state.state === 'connected', 20_000);

    // The fingerprint module is "touched" whenever the workflow asks.
    appliance.bus.subscribe('fingerprint.prompt', (e) => {
      if (e.prompt === 'place-finger') void api('POST', '/api/simulator/fingerprint/place', { personId: `P${e.registrationId.slice(0, 8)}`, finger: e.finger, condition: 'normal' });
      if (e.prompt === 'lift-finger') void api('POST', '/api/simulator/fingerprint/lift', {});
    });

    const photo = phonePhoto(await QRCode.toBuffer('ZLMCJOB1;emp=LP-2231;name=Tshipise Citrus;pos=Farm worker;exp=2027-01-31', { type: 'png', margin: 4, scale: 5 }));
    const batch = outboxBatch();
    const identity = { deviceId: 'apl-bench', privateKey: appliance.sync.identity.privateKey };
    await sharedCpuPool().warm();
    let slipFor: string | undefined ;

    const registration = async (): Promise<string | undefined> => {
      const created = await api('POST', '/api/registrations', {});
      if (created.status !== 201 && created.status !== 200) return ok(created, 201);
      const { id } = (await created.json()) as { id: string };
      const doc = await api('PUT', `/api/registrations/${id}/document`, { lines: sampleDocumentLines(0) });
      if (doc.status !== 200) return `document ${await ok(doc, 200)}`;
      await doc.arrayBuffer();
      const done = new Promise<string>((resolve) => {
        const off = appliance.bus.subscribe('fingerprint.workflow', (e) => {
          if (e.registrationId !== id || e.state === 'started') return;
          off();
          resolve(e.state);
        });
      });
      const capture = await api('POST', `/api/registrations/${id}/fingerprints/capture`);
      if (capture.status !== 202) return `capture ${await ok(capture, 202)}`;
      await capture.arrayBuffer();
      const state = await done;
      if (state !== 'completed') return `capture ${state}`;
      const details = await api('PUT', `/api/registrations/${id}/details`, { ...CONSENTED_DETAILS, consent: { ...CONSENTED_DETAILS.consent, readAt: new Date().toISOString() } });
      if (details.status !== 200) return `details ${await ok(details, 200)}`;
      await details.arrayBuffer();
      const fin = await api('POST', `/api/registrations/${id}/finalize`, {});
      if (fin.status !== 200) return `finalize ${await ok(fin, 200)}`;
      await fin.arrayBuffer();
      slipFor = id;
      return undefined;
    };

    // Rounds: one registration, one barcode photo, one slip PDF and one batch compression together, then the next.
    const only = process.env.BENCH_LOOP_ONLY?.split(',');
    const pool = await measure('CPU work in the pool (this build)', appliance, async (stop) => {
      const counts = new Map<string, number>();
      const jobs: Array<[string, () => Promise<string | undefined>]> = [
        ['registrations finalized (2 fingers each)', registration],
        ['barcode photos decoded', async () => ok(await api('POST', '/api/barcodes/decode', photo, 'image/jpeg'), 200)],
        ['slip PDFs rendered', async () => (slipFor ? ok(await api('GET', `/api/registrations/${slipFor}/slip.pdf`), 200) : 'no registration yet')],
        [
          'batches compressed and signed (200 records, 800 KB blobs)',
          async () => {
            await encodeBatchInPool(batch.records, { ...identity, blobs: batch.blobs });
            return undefined;
          },
        ],
      ];
      const chosen = jobs.filter(([name]) => !only || only.some((o) => name.startsWith(o)));
      while (!stop()) {
        await Promise.all(chosen.map(([name, job]) => once(counts, name, job)));
        await sleep(20);
      }
      counts.delete('slip PDFs rendered: no registration yet');
      return counts;
    });

    // The same passports while the same CPU work runs on the event loop, as it did before the pool.
    const facts = receiptFacts(finalizedRegistration(), { officeName: 'Beitbridge Labour Migration Centre', signer: testSigner() });
    const image = ridgeImage();
    const before = await measure('the same CPU work on the event loop (before)', appliance, async (stop) => {
      const counts = new Map<string, number>();
      const jobs: Array<[string, () => Promise<unknown> | unknown]> = [
        ['barcode photos decoded', () => decodeBarcodeImage(photo)],
        ['slip PDFs rendered', () => registrationSlipPdf(facts, { generatedAt: new Date().toISOString(), deviceId: 'apl-bench' })],
        ['fingerprint images scored and PNG-encoded', () => greyImageToPng(image) && scoreQuality(image)],
        ['batches compressed and signed (200 records, 800 KB blobs)', () => encodeBatch(batch.records, { ...identity, blobs: batch.blobs })],
      ];
      // One of each per round, one after another on this thread (as a burst of requests would be served).
      while (!stop()) {
        for (const [name, job] of jobs) {
          await job();
          counts.set(name, (counts.get(name) ?? 0) + 1);
          await sleep(0);
        }
        await sleep(20);
      }
      return counts;
    });

    const row = (p: Phase) =>
      `| ${p.label} | ${fmt(p.loopP50, 1)} / ${fmt(p.loopP99, 1)} / ${fmt(p.loopMax, 1)} | ${p.loopP99 <= LOOP_GOAL_MS ? 'yes' : '**no**'} | ${p.sent - p.read} of ${p.sent} (${p.rejected} rejected) | ${p.sent - p.read === 0 ? 'yes' : '**no**'} | ${[...p.work].map(([k, n]) => `${n}× ${k}`).join(', ')} |`;
    return [
      `## Event loop under CPU work, and MRZ reads lost meanwhile (${SCANS} passports at ${BAUD} baud, one every ~${GAP_MS + 100} ms)`,
      `| CPU work | event-loop delay p50 / p99 / max ms | p99 ≤ ${LOOP_GOAL_MS} ms | MRZ reads lost | 0 lost | work done in the window |`,
      '|---|---|---|---|---|---|',
      row(pool),
      row(before),
      `Window ${fmt(pool.windowS, 0)} s / ${fmt(before.windowS, 0)} s. Event-loop delay: perf_hooks.monitorEventLoopDelay at 1 ms resolution (each sample includes that ` +
        `1 ms), over the whole window, in the appliance's process (the HTTP client and the simulators' pty writers run in it too). ` +
        `Pool: ${sharedCpuPool().threads} worker threads at nice 10 (appliance/src/workers/cpu-pool.ts). The MRZ driver is main's at the time of the run. ` +
        `Machine load average at the end: ${loadavg().map((l) => fmt(l, 1)).join(' / ')} on ${availableParallelism()} cores (a shared box inflates every figure here).`,
    ];
  } finally {
    await stop();
  }
}

async function waitFor(check: () => boolean | undefined, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('devices did not connect');
    await sleep(50);
  }
}

// `npx tsx tests/bench/event-loop.ts`: this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { rootLogger } = await import('@lmc/core/logger.ts');
  rootLogger.level = process.env.LOG_LEVEL ?? 'silent';
  benchEventLoop().then(
    (lines) => {
      console.log(lines.join('\n'));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
