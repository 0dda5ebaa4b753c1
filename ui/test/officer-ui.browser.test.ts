import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_OFFICER, addOfficer } from '../../appliance/src/auth/test-support.ts';
import { parseConfig } from '../../appliance/src/config/load-config.ts';
import { sampleDocumentLines } from '../../appliance/src/devices/sample-documents.ts';
import { type RunningAppliance, startAppliance } from '../../appliance/src/start.ts';
import { ensureUiBuilt } from '../scripts/ensure-built.ts';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const LOCKABLE = { officerId: 'BBR-099', pin: '570314' };

/**
 * The officer UI in a real Chromium against a real appliance (simulated passport reader on a pty): sign-in and
 * lockout, live scan, tampered passport, manual entry, reload-resume, Shona, the small screen, idle logout,
 * and the kiosk origin guard.
 */
describe('officer UI in Chromium', () => {
  let appliance: RunningAppliance;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let url: string;
  const timings: Record<string, number> = {};

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  const tap = (selector: string) => page.locator(selector).first().click();
  const typeOn = async (text: string) => {
    for (const c of text) await tap(`.keyboard [data-key="${c}"]`);
  };
  const signIn = async (creds: { officerId: string; pin: string }) => {
    await tap('[data-field="id"]');
    for (let i = 0; i < 8; i++) await tap('.keyboard [data-key="DELETE"]');
    await typeOn(creds.officerId);
    await tap('[data-field="pin"]');
    await tap('.keyboard [data-key="CLEAR"]');
    await typeOn(creds.pin);
    // Wait for the answer: the screen changes focus when it arrives, which would race the next keys.
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/auth/sign-in'));
    await tap('[data-action="sign-in"]');
    await answered;
    await page.waitForFunction(() => !document.querySelector('[data-action="sign-in"]:disabled') || !document.querySelector('[data-field="pin"] .field-value')?.textContent?.trim());
  };
  const scan = async (body: object) => {
    const res = await page.request.post(`${url}/api/simulator/mrz/scan`, { data: body });
    expect(res.status()).toBe(202);
  };
  const newRegistration = async () => {
    await tap('[data-action="new-registration"]');
    await page.locator('[data-screen="document"] [data-phase="waiting"]').waitFor();
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await ensureUiBuilt();
    const dataDir = mkdtempSync(join(tmpdir(), 'ui-'));
    const { config } = parseConfig({ version: 1, server: { port: 0 }, dataDir, logLevel: 'silent', devices: { mrz: { transport: 'simulator', baudRate: 115200 } } });
    appliance = await startAppliance(config);
    url = appliance.url;
    await addOfficer(appliance.store.health().path, TEST_OFFICER, 'officer', 'Tendai Officer');
    await addOfficer(appliance.store.health().path, LOCKABLE, 'officer', 'Lockable Officer');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--host-resolver-rules=MAP kiosk.invalid 127.0.0.1'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(8000);
    page = await context.newPage();
  });

  afterAll(async () => {
    writeFileSync(join(SHOTS, 'timings.json'), JSON.stringify(timings, null, 2));
    await browser?.close();
    await appliance?.stop();
  });

  it('shows the sign-in screen fast, refuses a wrong PIN with the attempts left, and locks after five', async () => {
    await page.goto(url);
    await page.locator('[data-screen="sign-in"]').waitFor();
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const first = performance.getEntriesByName('first-screen')[0];
      return { domContentLoaded: nav.domContentLoadedEventEnd, firstScreen: first?.startTime ?? -1 };
    });
    Object.assign(timings, t);
    console.info(`first screen: ${t.firstScreen.toFixed(0)} ms after navigation start (DOMContentLoaded ${t.domContentLoaded.toFixed(0)} ms)`);
    expect(t.firstScreen).toBeGreaterThan(0);
    await shot('01-sign-in');

    await signIn({ ...LOCKABLE, pin: '111000' });
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toMatch(/Wrong officer ID or PIN\. 4 more wrong PINs/);
    for (let i = 0; i < 3; i++) await signIn({ ...LOCKABLE, pin: '111000' });
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toMatch(/1 more wrong PIN locks/);
    await signIn({ ...LOCKABLE, pin: '111000' });
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toMatch(/locked until \d\d:\d\d/);
    // The right PIN is refused during the lock.
    await signIn(LOCKABLE);
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toMatch(/locked until/);
    await shot('02-locked');
    expect(await page.locator('[data-screen="sign-in"]').count()).toBe(1);
  });

  it('signs in, scans a simulated passport and shows each field with its check digit live', async () => {
    await signIn(TEST_OFFICER);
    await page.locator('[data-screen="queue"]').waitFor();
    await expect.poll(() => page.locator('[data-device="mrz"]').getAttribute('data-state')).toBe('connected');
    expect(await page.locator('.sync-slot').textContent()).toMatch(/Sync/);
    await newRegistration();
    await shot('03-place-passport');
    await scan({ sample: 0 });
    await page.locator('[data-banner="valid"]').waitFor();
    expect(await page.locator('[data-field="surname"] dd').textContent()).toBe('MOYO');
    expect(await page.locator('[data-field="documentNumber"]').getAttribute('data-check')).toBe('ok');
    expect(await page.locator('[data-field="birthDate"]').getAttribute('data-check')).toBe('ok');
    expect(await page.locator('[data-field="nationality"]').getAttribute('data-check')).toBe('none');
    expect(await page.locator('[data-field="composite"]').getAttribute('data-check')).toBe('ok');
    await page.waitForTimeout(900); // let the field-by-field animation finish for the screenshot
    await shot('04-scanned');
  });

  it('resumes the registration in progress after a reload', async () => {
    const before = await page.evaluate(() => localStorage.getItem('bp.current'));
    await page.reload();
    await page.locator('[data-banner="valid"]').waitFor();
    expect(await page.locator('[data-field="documentNumber"] dd').textContent()).toBe('FN123456');
    expect(await page.evaluate(() => localStorage.getItem('bp.current'))).toBe(before);
  });

  it('finalizes through review, marks a returning migrant on the next visit, and lists both in the queue', async () => {
    await tap('[data-action="continue"]');
    await page.locator('[data-screen="fingerprints"]').waitFor();
    await shot('05-fingerprints-coming');
    await tap('[data-action="continue"]');
    await page.locator('[data-screen="review"]').waitFor();
    expect(await page.locator('[data-summary="officer"]').textContent()).toBe(TEST_OFFICER.officerId);
    await shot('06-review');
    await tap('[data-action="finalize"]');
    await page.locator('[data-banner="saved"]').waitFor();
    const id = (await page.locator('.coming-card .mono').textContent()) ?? '';
    expect(appliance.store.registrations.get(id)).toMatchObject({ status: 'finalized', officerId: TEST_OFFICER.officerId });
    await shot('07-saved');
    await tap('[data-action="next-migrant"]');
    await page.locator(`[data-registration="${id}"] .badge-finalized`).waitFor();

    await newRegistration();
    await scan({ sample: 0 });
    await page.locator('[data-banner="returning"]').waitFor();
    expect(await page.locator('[data-banner="returning"]').textContent()).toMatch(/registered 1 time before/);
    await tap('[data-action="back"]');
    await page.locator('[data-screen="queue"] .badge-captured').waitFor();
  });

  it('shows a tampered passport\'s check-digit failure in plain words and does not let it be finalized', async () => {
    await newRegistration();
    await scan({ sample: 2, tampered: true });
    await page.locator('[data-banner="invalid"]').waitFor();
    expect(await page.locator('[data-field="documentNumber"]').getAttribute('data-check')).toBe('failed');
    const warning = page.locator('[data-warning="CHECK_DIGIT_FAILED"]').first();
    expect(await warning.textContent()).toMatch(/check digit of the document number does not match.*What to do: Wipe the page and scan again/);
    expect(await page.locator('[data-action="continue"]').isDisabled()).toBe(true);
    const current = JSON.parse((await page.evaluate(() => localStorage.getItem('bp.current'))) ?? '{}') as { id: string };
    const refused = await page.request.post(`${url}/api/registrations/${current.id}/finalize`);
    expect(refused.status()).toBe(409);
    await page.waitForTimeout(900);
    await shot('08-tampered');
  });

  it('corrects it by typing the MRZ on the on-screen keyboard, validated by the same API', async () => {
    await tap('[data-action="manual"]');
    await page.locator('[data-screen="manual"]').waitFor();
    const lines = sampleDocumentLines(2);
    for (const line of lines) {
      const tail = /<+$/.exec(line)?.[0].length ?? 0;
      await typeOn(tail > 0 ? line.slice(0, line.length - tail) : line);
      if (tail > 0) await tap('.keyboard [data-key="FILL"]');
    }
    expect(await page.locator('.mrz-count.full').count()).toBe(2);
    await shot('09-manual-entry');
    await tap('[data-action="check-mrz"]');
    await page.locator('[data-banner="valid"]').waitFor();
    expect(await page.locator('[data-field="surname"] dd').textContent()).toBe('CHIKWANHA');
    expect(await page.locator('[data-action="continue"]').isDisabled()).toBe(false);
  });

  it('turns the reader chip red with the reason when the reader is unplugged, and green again', async () => {
    const sim = appliance.mrz.simulator;
    if (!sim) throw new Error('expected the simulated reader');
    await sim.unplug();
    const chip = page.locator('[data-device="mrz"]');
    await expect.poll(() => chip.getAttribute('data-state')).toMatch(/disconnected|error/);
    expect(await chip.getAttribute('class')).toMatch(/chip-bad/);
    await chip.click(); // tap shows the whole reason: nothing is hover-only
    const text = (await chip.textContent()) ?? '';
    expect(text).toMatch(/Passport reader (disconnected|fault) — \S+/);
    await shot('11-reader-unplugged');
    await chip.click();
    await sim.replug();
    await expect.poll(() => chip.getAttribute('data-state')).toBe('connected');
  });

  it('switches every string to Shona and back', async () => {
    await tap('[data-lang="sn"]');
    await expect.poll(() => page.locator('[data-action="continue"]').textContent()).toBe('Enderera');
    expect(await page.locator('.sign-out').textContent()).toBe('Buda');
    expect(await page.locator('[data-banner="valid"]').textContent()).toMatch(/Manhamba ese ekuongorora akarurama/);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('sn');
    await page.waitForTimeout(900);
    await shot('10-shona');
    await tap('[data-lang="en"]');
    await expect.poll(() => page.locator('[data-action="continue"]').textContent()).toBe('Continue');
  });

  it('fits 1024×600 with no horizontal scroll and every button at least 48 px on each screen', async () => {
    await page.setViewportSize({ width: 1024, height: 600 });
    const check = async (name: string) => {
      const r = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        small: [...document.querySelectorAll('button')]
          .map((b) => ({ b, r: b.getBoundingClientRect() }))
          .filter(({ r }) => r.width > 0 && (r.width < 48 || r.height < 48))
          .map(({ b, r }) => `${b.textContent} ${r.width.toFixed(0)}×${r.height.toFixed(0)}`),
      }));
      await shot(`small-${name}`);
      expect(r.scroll, name).toBeLessThanOrEqual(0);
      expect(r.small, name).toEqual([]);
    };
    await check('document');
    await tap('[data-action="manual"]');
    await page.locator('[data-screen="manual"]').waitFor();
    await tap('[data-format="td1"]');
    await check('manual-td1');
    // All three lines and every key on screen at once: no scrolling while copying an MRZ.
    const hidden = await page.evaluate(() =>
      [...document.querySelectorAll('.mrz-line, .key, [data-action="check-mrz"]')].filter((e) => e.getBoundingClientRect().bottom > innerHeight).map((e) => e.textContent),
    );
    expect(hidden).toEqual([]);
    await tap('[data-action="cancel"]');
    await tap('[data-action="back"]');
    await page.locator('[data-screen="queue"]').waitFor();
    await check('queue');
    await tap('.sign-out');
    await page.locator('[data-screen="sign-in"]').waitFor();
    await check('sign-in');
  });

  it('signs an idle officer out after a visible countdown', async () => {
    await page.clock.install();
    await page.reload();
    await page.locator('[data-screen="sign-in"]').waitFor();
    await signIn(TEST_OFFICER);
    await page.locator('[data-screen="queue"]').waitFor();
    await page.clock.runFor(240_000); // default idle logout 5 min: the countdown shows in the last minute
    await page.locator('.countdown').waitFor();
    expect(await page.locator('.countdown').textContent()).toMatch(/Signing out in \d+ seconds/);
    await shot('12-idle-countdown');
    await page.clock.runFor(60_000);
    await page.locator('[data-screen="sign-in"]').waitFor();
    expect(await page.locator('.message-info').textContent()).toMatch(/signed out because the screen was not used/);
  });

  it('refuses to run at an origin the appliance did not announce', async () => {
    const port = new URL(url).port;
    const other = await context.newPage();
    await other.goto(`http://kiosk.invalid:${port}/`);
    await other.locator('[data-screen="kiosk-refused"]').waitFor();
    expect(await other.locator('h1').textContent()).toMatch(/runs only on the registration appliance/);
    await other.close();
  });
});
