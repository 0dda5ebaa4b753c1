/**
 * Test support for the console's browser tests: the central listening on loopback and one headless Debian Chromium
 * (the flags of ui/test/browser-harness.ts, without the kiosk host mapping). Import only from tests.
 */
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import type { CentralApp } from '../../src/app.ts';

/** Where the console's screenshots go (docs/screenshots/console-*.png, cited by the README). */
export const SHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Makes the central listen on a free loopback port and launches Chromium; `base` is the console's URL. Close the browser after. */
export async function openConsole(app: CentralApp): Promise<{ browser: Browser; base: string }> {
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return { browser, base: `${address}/console/` };
}
