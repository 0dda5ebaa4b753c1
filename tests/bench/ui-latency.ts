import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { sampleDocumentLines } from '@lmc/appliance/devices/sample-documents.ts';
import { type UiHarness, startUiHarness } from '../../ui/test/browser-harness.ts';
import { fmt, percentile } from './stats.ts';

const OFFICER = { officerId: 'BBR-SUP9', pin: '730469' };
const MRZ_BAUD = 9600; // the configured default: what counter readers ship at
const FINGERPRINT_BAUD = 115_200; // the fastest real ZFM link (SetSysPara N = 12)
/** One UpImage transfer: 288 data packets of 128 bytes + 11-byte envelopes, plus the command and its ack (ZFM user manual, UpImage 0x0A). */
const IMAGE_UPLOAD_BYTES = 40_044;
const SCANS = 20;

/** Wall clock in ms with sub-ms resolution; the page's performance.timeOrigin + now() is on the same clock. */
const nowEpoch = () => performance.timeOrigin + performance.now();

/**
 * Resolves with the page's clock when `selector` exists and a frame has been produced after it (the fields
 * are on screen, not just in the DOM). A MutationObserver, so no polling interval is added to the figure.
 */
function armVisible(page: Page, selector: string, text?: string): Promise<number> {
  // A string, not a function: tsx (esbuild keepNames) would wrap named inner functions in a __name() the page lacks.
  return page.evaluate(`new Promise((resolve) => {
    const sel = ${JSON.stringify(selector)}, want = ${JSON.stringify(text ?? null)};
    const ready = () => { const el = document.querySelector(sel); return el !== null && (want === null || el.textContent === want); };
    const done = () => requestAnimationFrame(() => resolve(performance.timeOrigin + performance.now()));
    if (ready()) return done();
    const obs = new MutationObserver(() => { if (!ready()) return; obs.disconnect(); done(); });
    obs.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  })`);
}

export interface UiLatencyResult {
  scans: number;
  lastByteToVisible: { p50: number; p99: number };
  steps: { step: string; wireMs: number; applianceMs: number }[];
}

async function scanOnce(ui: UiHarness, sample: number): Promise<{ ms: number; wireMs: number }> {
  const { page, tap } = ui;
  const sim = ui.appliance.mrz.simulator;
  if (!sim) throw new Error('the benchmark needs the simulated reader');
  await tap('[data-action="new-registration"]');
  await page.locator('[data-screen="document"] [data-phase="waiting"]').waitFor();
  const lines = sampleDocumentLines(sample);
  const surname = sample === 0 ? 'MOYO' : sample === 1 ? 'NCUBE' : 'CHIKWANHA';
  const visible = armVisible(page, '[data-field="surname"] dd', surname);
  await page.waitForTimeout(20); // let the observer attach before the first byte
  const written = await sim.scan(lines);
  const lastByte = nowEpoch();
  return { ms: (await visible) - lastByte, wireMs: written.wireMs };
}

/**
 * Browser-visible latency of the counter UI against the hardware's own wire time: a real appliance with every
 * device simulated on a pty at its real baud, Chromium through playwright-core, both clocks on wall time.
 */
export async function benchUiLatency(): Promise<UiLatencyResult> {
  const ui = await startUiHarness({ officers: [{ creds: OFFICER, role: 'supervisor', name: 'Bench Supervisor' }], mrzBaud: MRZ_BAUD, fingerprintBaud: FINGERPRINT_BAUD });
  const { page, tap, appliance, url } = ui;
  try {
    await page.goto(url);
    await page.locator('[data-screen="sign-in"]').waitFor();
    await ui.signIn(OFFICER);
    await page.locator('[data-screen="queue"]').waitFor();
    await page.locator('[data-device="fingerprint"][data-state="connected"]').waitFor({ timeout: 15_000 });

    const lastToVisible: number[] = [];
    for (let i = 0; i < SCANS; i++) {
      lastToVisible.push((await scanOnce(ui, 1 + (i % 2))).ms); // NCUBE / CHIKWANHA: never finalized, never "returning"
      await tap('[data-screen="document"] [data-action="back"]');
      await page.locator('[data-screen="queue"]').waitFor();
    }

    // One whole registration: scan, two fingers, details (API), finalize and print.
    const steps: UiLatencyResult['steps'] = [];
    const scan = await scanOnce(ui, 0);
    steps.push({ step: 'passport read (9600 baud): last byte → fields on screen', wireMs: scan.wireMs, applianceMs: scan.wireMs + scan.ms });
    await tap('[data-action="continue"]');
    await page.locator('[data-screen="fingerprints"]').waitFor();
    const sim = (path: string, data: object) => page.request.post(`${url}/api/simulator/fingerprint/${path}`, { data });
    const uploadFloor = (IMAGE_UPLOAD_BYTES * 10 * 1000) / FINGERPRINT_BAUD;
    for (const finger of ['right-index', 'left-index']) {
      await tap(`[data-fp-finger="${finger}"] [data-action="recapture"]`);
      await page.locator('[data-prompt="place-finger"]').waitFor();
      const lift = armVisible(page, '[data-prompt="lift-finger"]');
      const placed = nowEpoch();
      await sim('place', { personId: 'FN123456', finger, condition: 'normal' });
      const liftShown = await lift;
      const captured = armVisible(page, `[data-fp-finger="${finger}"][data-fp-status="captured"]`);
      await sim('lift', {});
      await captured;
      steps.push({ step: `fingerprint ${finger} (${FINGERPRINT_BAUD} baud): finger placed → "lift" on screen`, wireMs: uploadFloor, applianceMs: liftShown - placed });
    }
    const id = (JSON.parse((await page.evaluate(() => localStorage.getItem('bp.current'))) ?? '{}') as { id: string }).id;
    const details = {
      phone: '077 123 4567',
      homeProvince: 'ZW-MS',
      homeDistrict: 'ZW-MS-BEITBRIDGE',
      education: 'secondary-o-level',
      occupationIsco: '9211',
      nextOfKin: { name: 'Rudo Moyo', relationship: 'spouse', phone: '+27 82 555 0101' },
      language: 'en',
      consent: { given: true, language: 'en', readAt: new Date().toISOString() },
    };
    const saved = await page.request.put(`${url}/api/registrations/${id}/details`, { data: details });
    if (saved.status() !== 200) throw new Error(`details refused: ${saved.status()} ${await saved.text()}`);
    await tap('[data-action="continue"]');
    await page.locator('[data-screen="details"]').waitFor();
    await tap('[data-action="save-details"]');
    await page.locator('[data-screen="review"]').waitFor();
    const printer = appliance.printing.feature.simulator;
    const bytesBefore = printer?.bytesReceived ?? 0;
    const printed = armVisible(page, '[data-print-status="done"]');
    const tapAt = nowEpoch();
    await tap('[data-action="finalize"]');
    const done = await printed;
    const receiptBytes = (printer?.bytesReceived ?? 0) - bytesBefore;
    steps.push({ step: `finalize + receipt (${receiptBytes} bytes at 115200 baud): tap → "printed" on screen`, wireMs: (receiptBytes * 10 * 1000) / 115_200, applianceMs: done - tapAt });
    return { scans: SCANS, lastByteToVisible: { p50: percentile(lastToVisible, 50), p99: percentile(lastToVisible, 99) }, steps };
  } finally {
    await ui.stop();
  }
}

export function formatUiLatency(r: UiLatencyResult): string[] {
  const wire = r.steps.reduce((s, x) => s + x.wireMs, 0);
  const appliance = r.steps.reduce((s, x) => s + x.applianceMs, 0);
  return [
    '## Officer UI in Chromium (simulated devices on ptys; page and Node on the same wall clock)',
    '| scans | reader last MRZ byte → fields on screen p50 / p99 ms |',
    '|---|---|',
    `| ${r.scans} | ${fmt(r.lastByteToVisible.p50)} / ${fmt(r.lastByteToVisible.p99)} |`,
    '',
    '| hardware step of one registration | wire time ms | appliance + UI ms | added by the appliance and UI ms |',
    '|---|---|---|---|',
    ...r.steps.map((s) => `| ${s.step} | ${fmt(s.wireMs)} | ${fmt(s.applianceMs)} | ${fmt(s.applianceMs - s.wireMs)} |`),
    `| **whole registration** | ${fmt(wire)} | ${fmt(appliance)} | ${fmt(appliance - wire)} |`,
  ];
}
