import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { GreyImage } from '@lmc/firmware-bridge/fingerprint/fingerprint-reader.ts';
import { greyImageToPng } from '@lmc/firmware-bridge/fingerprint/image-png.ts';
import { scoreQuality } from '@lmc/firmware-bridge/fingerprint/quality.ts';
import type { ByteTransport, TransportFactory } from '@lmc/firmware-bridge/transport/transport.ts';
import { ZfmDriver } from '@lmc/firmware-bridge/zfm/zfm-driver.ts';
import { startPtySimulator } from '@lmc/firmware-bridge/zfm/zfm-simulator-pty.ts';
import { loadOrCreateDataKey } from '@lmc/appliance/crypto/data-key.ts';
import { TemplateVault } from '@lmc/appliance/fingerprints/template-vault.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { fmt, percentile } from './stats.ts';

/** ZFM command packets carry the instruction at byte 9 (EF 01, 4-byte address, PID 01, 2-byte length). */
const PID_COMMAND = 0x01;
const INSTR_UP_IMAGE = 0x0a;

export interface UploadRun {
  baud: number;
  /** Set when the module started at this rate and the driver raised it (SetSysPara) to `baud`. */
  raisedFrom?: number;
  /** Whole capture (GenImg, UpImage, Img2Tz, UpChar) per finger. */
  captureMs: number[];
  packetSize: number;
  captures: number;
  /** Bytes on the wire per upload: the UpImage command out, its acknowledgement and every data packet in. */
  wireBytes: number;
  floorMs: number;
  uploadMs: number[];
}

export interface OverheadRun {
  fingers: number;
  qualityMs: number[];
  pngMs: number[];
  sealCommitMs: number[];
  totalMs: number[];
}

/**
 * One image upload = from the UpImage command leaving the driver to the last byte of the last data
 * packet arriving, measured at the transport seam (a wrapper around SerialTransport on the real pty).
 * The simulator paces its writes at the configured baud, as a module's UART does; the floor is
 * bytes × 10 bits (8N1: start + 8 data + stop) / baud.
 */
async function benchUpload(
  moduleBaud: number,
  captures: number,
  packetSize: 32 | 64 | 128 | 256 = 128,
  raiseTo = 0,
): Promise<{ run: UploadRun; images: GreyImage[] }> {
  const sim = await startPtySimulator({ baudRate: moduleBaud, packetSize });
  const marks: Array<{ upImageAt: number; txBytes: number; rxBytes: number; lastRxAt: number; open: boolean }> = [];
  const current = () => marks.at(-1);
  const counting: TransportFactory = () => {
    const inner: ByteTransport = sim.transportFactory();
    inner.on('data', (chunk) => {
      const m = current();
      if (m?.open) {
        m.rxBytes += chunk.length;
        m.lastRxAt = performance.now();
      }
    });
    const write = inner.write.bind(inner);
    return Object.assign(inner, {
      write: async (data: Uint8Array) => {
        const m = current();
        if (m?.open) m.open = false; // the next command (Img2Tz) ends the upload window
        const isUpImage = data[6] === PID_COMMAND && data[9] === INSTR_UP_IMAGE;
        if (isUpImage) marks.push({ upImageAt: performance.now(), txBytes: data.length, rxBytes: 0, lastRxAt: 0, open: true });
        await write(data);
      },
    });
  };
  // raiseTo > moduleBaud: the driver switches the module with SetSysPara after the handshake, as the appliance does.
  const driver = new ZfmDriver({ transportFactory: counting, baudRate: moduleBaud, targetBaudRate: raiseTo, timeouts: { ackMs: 3000 } });
  const images: GreyImage[] = [];
  const captureMs: number[] = [];
  let baud = moduleBaud;
  try {
    await driver.open();
    baud = Number(driver.info().details.baudRate);
    for (let i = 0; i < captures; i++) {
      sim.simulator.placeFinger(`bench-${baud}-${i}`, i % 2 === 0 ? 'right-index' : 'left-index');
      const t0 = performance.now();
      images.push((await driver.capture()).image);
      captureMs.push(performance.now() - t0);
    }
  } finally {
    await driver.close();
    await sim.close();
  }
  const wireBytes = (marks[0]?.txBytes ?? 0) + (marks[0]?.rxBytes ?? 0);
  return {
    run: {
      baud,
      ...(baud !== moduleBaud ? { raisedFrom: moduleBaud } : {}),
      captureMs,
      packetSize,
      captures,
      wireBytes,
      floorMs: (wireBytes * 10 * 1000) / baud,
      uploadMs: marks.map((m) => m.lastRxAt - m.upImageAt),
    },
    images,
  };
}

/**
 * What the appliance adds per finger once the module has sent it: scoreQuality, the lossless PNG, two
 * AES-256-GCM seals (template, image) and the vault's IMMEDIATE transaction with its audit row,
 * committed with synchronous=FULL on this machine's disk. Each finger goes to a fresh registration.
 */
function benchOverhead(images: readonly GreyImage[], fingers: number): OverheadRun {
  const dir = mkdtempSync(join(tmpdir(), 'bench-fp-'));
  const store = openApplianceStore({ dataDir: dir });
  const vault = new TemplateVault({ db: store.connection, key: loadOrCreateDataKey(dir) });
  const template = new Uint8Array(512).map((_, i) => (i * 29) & 0xff);
  const run: OverheadRun = { fingers, qualityMs: [], pngMs: [], sealCommitMs: [], totalMs: [] };
  try {
    for (let i = 0; i < fingers; i++) {
      const image = images[i % images.length] as GreyImage;
      const { id } = store.registrations.create({ officeCode: 'BBR', officerId: 'bench' });
      const t0 = performance.now();
      const quality = scoreQuality(image);
      const t1 = performance.now();
      const png = greyImageToPng(image);
      const t2 = performance.now();
      vault.saveCapture({ registrationId: id, finger: 'right-index', quality, attempts: 1, templateFormat: 'zfm-r30x', template, imagePng: png, actor: 'bench' });
      const t3 = performance.now();
      run.qualityMs.push(t1 - t0);
      run.pngMs.push(t2 - t1);
      run.sealCommitMs.push(t3 - t2);
      run.totalMs.push(t3 - t0);
    }
  } finally {
    vault.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return run;
}

export async function benchFingerprintCapture(): Promise<{ uploads: UploadRun[]; overhead: OverheadRun }> {
  // ~7 s per capture at 57600 and ~3.5 s at 115200: 3 + 4 captures keep this part near 40 s.
  const slow = await benchUpload(57_600, 3);
  const fast = await benchUpload(115_200, 4);
  // A module at the factory 57600, raised by the driver (SetSysPara, reopen, verify) to 115200.
  const raised = await benchUpload(57_600, 4, 128, 115_200);
  const overhead = benchOverhead([...slow.images, ...fast.images], 60);
  return { uploads: [slow.run, fast.run, raised.run], overhead };
}

export function formatFingerprintCapture(r: { uploads: UploadRun[]; overhead: OverheadRun }): string[] {
  const o = r.overhead;
  const p = (xs: number[], q: number) => percentile(xs, q);
  const out = [
    '## Fingerprint image upload (ZFM simulator over a real pty, 256×288 4-bit image, 128-byte data packets)',
    '| baud | captures | bytes on the wire | wire floor ms | upload p50 / max ms | vs floor p50 | whole capture p50 ms |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const u of r.uploads) {
    const label = u.raisedFrom ? `${u.baud} (raised from ${u.raisedFrom})` : `${u.baud}`;
    out.push(
      `| ${label} | ${u.captures} | ${u.wireBytes} | ${fmt(u.floorMs, 0)} | ${fmt(p(u.uploadMs, 50), 0)} / ${fmt(Math.max(...u.uploadMs), 0)} | ${fmt(p(u.uploadMs, 50) / u.floorMs, 3)}× | ${fmt(p(u.captureMs, 50), 0)} |`,
    );
  }
  const raised = r.uploads.find((u) => u.raisedFrom);
  if (raised) {
    const floor115 = (40_044 * 10 * 1000) / 115_200;
    out.push('', `Upload after a baud raise vs the 115200 floor (${fmt(floor115, 0)} ms): p50 ${fmt(p(raised.uploadMs, 50) / floor115, 3)}× (goal ≤ 1.04×: ${p(raised.uploadMs, 50) / floor115 <= 1.04 ? 'met' : 'NOT met'}); whole capture per finger p50 ${fmt(p(raised.captureMs, 50) / 1000, 2)} s (goal ≤ 3.6 s).`);
  }
  out.push('');
  out.push(`## Appliance processing per finger (${o.fingers} fingers: quality + PNG + AES-256-GCM ×2 + vault commit, synchronous=FULL)`);
  out.push('| step | p50 ms | p99 ms |');
  out.push('|---|---|---|');
  out.push(`| scoreQuality | ${fmt(p(o.qualityMs, 50), 2)} | ${fmt(p(o.qualityMs, 99), 2)} |`);
  out.push(`| lossless PNG | ${fmt(p(o.pngMs, 50), 2)} | ${fmt(p(o.pngMs, 99), 2)} |`);
  out.push(`| seal template + image, commit | ${fmt(p(o.sealCommitMs, 50), 2)} | ${fmt(p(o.sealCommitMs, 99), 2)} |`);
  out.push(`| **total** | ${fmt(p(o.totalMs, 50), 2)} | ${fmt(p(o.totalMs, 99), 2)} |`);
  out.push('');
  out.push('| vs image upload at | overhead p50 / wire p50 | overhead p99 / wire p50 | goal |');
  out.push('|---|---|---|---|');
  for (const u of r.uploads) {
    const wire = p(u.uploadMs, 50);
    const ratio50 = p(o.totalMs, 50) / wire;
    const ratio99 = p(o.totalMs, 99) / wire;
    out.push(`| ${u.baud} baud | ${fmt(ratio50 * 100, 2)} % | ${fmt(ratio99 * 100, 2)} % | < 5 %: ${ratio99 < 0.05 ? 'met' : ratio50 < 0.05 ? 'met at p50 only' : 'NOT met'} |`);
  }
  return out;
}
