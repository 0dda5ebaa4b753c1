import { describe, expect, it } from 'vitest';
import { TEST_OFFICER } from '@lmc/appliance/auth/test-support.ts';
import { useUiHarness } from './browser-harness.ts';

/**
 * The seconds a finger must stay still while its image crosses the serial line: at 115,200 baud (~3 s per image,
 * the real module at 57,600 takes ~9 s) the screen shows a growing bar and the seconds left, then the quality on
 * its scale. The other browser tests run the simulated module 20× faster, too fast to see the bar.
 */
describe('fingerprint read progress in Chromium at 1024×600', () => {
  const ui = useUiHarness({ officers: [{ creds: TEST_OFFICER, role: 'officer', name: 'Tendai Officer' }], fingerprintBaud: 115_200, viewport: { width: 1024, height: 600 }, hasTouch: true });

  it('shows how long to hold still while the image arrives, then the quality against the minimum', async () => {
    const { page, url } = ui;
    await page.goto(url);
    await ui.signIn(TEST_OFFICER);
    await page.locator('[data-action="new-registration"]').tap();
    await page.locator('[data-screen="document"] [data-phase="waiting"]').waitFor();
    expect((await page.request.post(`${url}/api/simulator/mrz/scan`, { data: { sample: 0 } })).status()).toBe(202);
    await page.locator('[data-banner="valid"]').waitFor();
    await page.locator('[data-action="continue"]').tap();
    await page.locator('[data-prompt="place-finger"]').waitFor({ timeout: 20_000 });
    expect((await page.request.post(`${url}/api/simulator/fingerprint/place`, { data: { personId: 'FN123456', finger: 'right-index' } })).status()).toBe(202);

    const bar = page.locator('.fp-progress [role="progressbar"]');
    await bar.waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('.fp-progress p').textContent()).toMatch(/Image arriving from the reader: about \d+ s more/);
    const first = Number(await bar.getAttribute('aria-valuenow'));
    // It grows while the image is still on its way (read at once: a bar that vanished reads 0 and fails).
    const now = () => page.evaluate(() => Number(document.querySelector('.fp-progress [role="progressbar"]')?.getAttribute('aria-valuenow') ?? 0));
    await expect.poll(now, { timeout: 20_000 }).toBeGreaterThan(first);
    await page.screenshot({ path: `${new URL('./screenshots/', import.meta.url).pathname}fingerprint-progress.png` });

    // The attempt arrives: the bar goes, the quality shows on its 0–100 scale with the office's minimum.
    await page.locator('[data-attempt-quality]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('.fp-progress').count()).toBe(0);
    await expect.poll(() => page.locator('.quality-scale').getAttribute('aria-valuenow')).toMatch(/^\d+$/);
    await expect.poll(() => page.locator('.quality-min-label').textContent()).toMatch(/^minimum \d+$/);
  }, 90_000);
});
