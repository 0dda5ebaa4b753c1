import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { type TestCredentials, addOfficer } from '@lmc/appliance/auth/test-support.ts';
import { parseConfig } from '@lmc/appliance/config/load-config.ts';
import { type RunningAppliance, startAppliance } from '@lmc/appliance/start.ts';
import { ensureUiBuilt } from '../scripts/ensure-built.ts';

/** Where every browser test and the UI benchmark write screenshots (ignored by git; a few are copied to docs/screenshots). */
export const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
export const SCREEN_SIZES = { large: { width: 1280, height: 800 }, small: { width: 1024, height: 600 } } as const;

/** The flags of ui/README.md: headless Debian chromium, no network side traffic, kiosk.invalid for the origin guard. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--host-resolver-rules=MAP kiosk.invalid 127.0.0.1'];

export interface UiHarness {
  appliance: RunningAppliance;
  browser: Browser;
  page: Page;
  url: string;
  tap(selector: string): Promise<void>;
  /** Sign in through the on-screen keyboards, as an officer does (no API shortcut). */
  signIn(creds: TestCredentials): Promise<void>;
  /** Screenshot at both counter screen sizes (`<name>-1280.png`, `<name>-1024.png`), back to 1280×800 after. */
  shootBoth(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real appliance with every device simulated on a pty (the fingerprint module at 2,304,000 baud so a capture
 * takes ~0.2 s), the officers given, and one Chromium page at 1280×800.
 */
export interface UiHarnessOptions {
  officers: { creds: TestCredentials; role: 'officer' | 'supervisor'; name: string }[];
  mrzBaud?: number;
  fingerprintBaud?: number;
  viewport?: { width: number; height: number };
  hasTouch?: boolean;
}

export async function startUiHarness(o: UiHarnessOptions): Promise<UiHarness> {
  mkdirSync(SHOTS, { recursive: true });
  await ensureUiBuilt();
  const { config } = parseConfig({
    version: 1,
    server: { port: 0 },
    dataDir: mkdtempSync(join(tmpdir(), 'ui-')),
    logLevel: 'silent',
    devices: {
      mrz: { transport: 'simulator', baudRate: o.mrzBaud ?? 115200 },
      fingerprint: { transport: 'simulator', baudRate: o.fingerprintBaud ?? 2_304_000 },
      printer: { transport: 'simulator', paperWidth: 80, baudRate: 115200 },
    },
  });
  const appliance = await startAppliance(config);
  for (const officer of o.officers) await addOfficer(appliance.store.health().path, officer.creds, officer.role, officer.name);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: o.viewport ?? SCREEN_SIZES.large, hasTouch: o.hasTouch ?? false });
  context.setDefaultTimeout(8000);
  const page = await context.newPage();
  const tap = (selector: string) => page.locator(selector).first().click();
  const typeOn = async (text: string) => {
    for (const c of text) await tap(`.keyboard [data-key="${c}"]`);
  };
  return {
    appliance,
    browser,
    page,
    url: appliance.url,
    tap,
    async signIn(creds) {
      await page.locator('[data-officer-tile], [data-field="id"]').first().waitFor();
      if ((await page.locator(`[data-officer-tile="${creds.officerId}"]`).count()) > 0) await tap(`[data-officer-tile="${creds.officerId}"]`);
      else {
        await tap('[data-field="id"]');
        for (let i = 0; i < 8; i++) await tap('.keyboard [data-key="DELETE"]');
        await typeOn(creds.officerId);
        await tap('[data-field="pin"]');
      }
      await tap('.keyboard [data-key="CLEAR"]');
      await typeOn(creds.pin);
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/auth/sign-in'));
      await tap('[data-action="sign-in"]');
      await answered;
    },
    async shootBoth(name) {
      for (const [label, size] of [['1280', SCREEN_SIZES.large], ['1024', SCREEN_SIZES.small]] as const) {
        await page.setViewportSize(size);
        await page.screenshot({ path: join(SHOTS, `${name}-${label}.png`) });
      }
      await page.setViewportSize(SCREEN_SIZES.large);
    },
    async stop() {
      await browser.close();
      await appliance.stop();
    },
  };
}

/** On the consent editor: the migrant's language `lang` chosen (with the test's `tap`), and its consent text shown, starting as `opening`. */
export async function chooseConsentLanguage(page: Page, tap: (selector: string) => Promise<void>, lang: string, opening: RegExp): Promise<void> {
  await page.locator('[data-open-editor="consent"]').waitFor();
  await tap(`[data-migrant-language="${lang}"]`);
  await expect.poll(() => page.locator(`[data-consent-text="${lang}"]`).textContent()).toMatch(opening);
}

/**
 * startUiHarness for a test file: started before its tests (in beforeAll, before the file's own hooks) and stopped
 * after them (afterAll, after the file's own). The handle reads the running harness, so use it inside tests and hooks.
 */
export function useUiHarness(o: UiHarnessOptions): UiHarness {
  let ui: UiHarness | undefined;
  beforeAll(async () => {
    ui = await startUiHarness(o);
  });
  afterAll(async () => {
    await ui?.stop();
  });
  const ready = (): UiHarness => {
    if (!ui) throw new Error('the UI harness is not started (use it inside a test or hook)');
    return ui;
  };
  return {
    get appliance() {
      return ready().appliance;
    },
    get browser() {
      return ready().browser;
    },
    get page() {
      return ready().page;
    },
    get url() {
      return ready().url;
    },
    tap: (selector) => ready().tap(selector),
    signIn: (creds) => ready().signIn(creds),
    shootBoth: (name) => ready().shootBoth(name),
    async stop() {
      const running = ready();
      ui = undefined;
      await running.stop();
    },
  };
}
