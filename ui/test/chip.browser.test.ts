import { describe, expect, it } from 'vitest';
import { TEST_OFFICER } from '@lmc/appliance/auth/test-support.ts';
import { useUiHarness } from './browser-harness.ts';

/**
 * The passport chip on the document step in Chromium, with the appliance's simulated chip reader (every scanned
 * passport carries a chip of the kind the simulator is told): a genuine chip shows its face to compare with the
 * person, a JPEG 2000 face too (through the JPEG the appliance derives), a PACE chip says "Opened with PACE"; an altered DG1 says so in words and names the field that differs; a card pulled mid-read offers
 * "read the chip again", which then reads it.
 */
describe('passport chip on the document step (Chromium, simulated chip reader)', () => {
  const ui = useUiHarness({ officers: [{ creds: TEST_OFFICER, role: 'officer', name: 'Tendai Officer' }] });

  it('genuine chip with its face; a JPEG 2000 face shown; PACE said; altered DG1 flagged; removed mid-read then read again', async () => {
    const { page, url } = ui;
    const chipNext = async (next: string) => expect((await page.request.post(`${url}/api/simulator/chip`, { data: { next } })).status()).toBe(200);
    const scan = async () => expect((await page.request.post(`${url}/api/simulator/mrz/scan`, { data: { sample: 0 } })).status()).toBe(202);
    await page.goto(url);
    await ui.signIn(TEST_OFFICER);
    await page.locator('[data-action="new-registration"]').click();
    await page.locator('[data-screen="document"] [data-phase="waiting"]').waitFor();

    await chipNext('valid');
    await scan();
    await page.locator('[data-chip-verdict="genuine"]').waitFor({ timeout: 20_000 });
    await page.locator('[data-chip-dg1="same"]').waitFor();
    const face = page.locator('img[data-chip-face]');
    await expect.poll(() => face.evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBe(240);
    await page.waitForTimeout(900); // the field rows' animation, for the screenshot
    await ui.shootBoth('chip-genuine');

    expect(await page.locator('[data-chip-access]').getAttribute('data-chip-access')).toBe('bac');

    // A state that stores the face in JPEG 2000: shown through the JPEG the appliance derived (180×240).
    await chipNext('jp2-face');
    await page.locator('[data-action="rescan"]').click();
    await scan();
    await expect.poll(() => face.evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 20_000 }).toBe(180);
    await page.locator('[data-chip-verdict="genuine"]').waitFor();

    await chipNext('pace');
    await page.locator('[data-action="rescan"]').click();
    await scan();
    await page.locator('[data-chip-access="pace"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-chip-access]').textContent()).toBe('Opened with PACE');

    await chipNext('altered-dg1');
    await page.locator('[data-action="rescan"]').click();
    await scan();
    await page.locator('[data-chip-verdict="data-altered"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-chip-dg1="differs"]').textContent()).toMatch(/NOT the same.*Surname/i);
    await ui.shootBoth('chip-altered');

    await chipNext('removed');
    await page.locator('[data-action="rescan"]').click();
    await scan();
    await page.locator('[data-chip-status="failed"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-chip-panel]').textContent()).toContain('moved while its chip was being read');
    await page.locator('[data-action="chip-read-again"]').click();
    await page.locator('[data-chip-verdict="genuine"]').waitFor({ timeout: 20_000 });
  }, 120_000);
});
