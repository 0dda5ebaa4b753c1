import { describe, expect, it } from 'vitest';
import { encodeRead } from '@lmc/firmware-bridge/mrz-reader/reader-wire-encoder.ts';
import { sampleDocumentLines } from '@lmc/appliance/devices/sample-documents.ts';
import en from '../src/i18n/en.json' with { type: 'json' };
import nd from '../src/i18n/nd.json' with { type: 'json' };
import sn from '../src/i18n/sn.json' with { type: 'json' };
import { useUiHarness } from './browser-harness.ts';
import { completeDetailsBody } from '@lmc/appliance/registrations-details/test-support.ts';

const SUPERVISOR = { officerId: 'BBR-SUP2', pin: '730462' };

type Catalogue = { [key: string]: string | Catalogue };
const flatten = (c: Catalogue, prefix = ''): Map<string, string> =>
  new Map(Object.entries(c).flatMap(([k, v]) => (typeof v === 'string' ? [[`${prefix}${k}`, v] as const] : [...flatten(v, `${prefix}${k}.`)])));
const EN = flatten(en as Catalogue);

/** A key shown instead of its text: i18next's fallback when no catalogue holds it (e.g. "scan.place", "device.state.x"). */
const KEY_LIKE = new RegExp(`\\b(?:${Object.keys(en).join('|')})\\.[A-Za-z][\\w.]*`, 'g');

/**
 * English text leaking into a Shona or Ndebele screen: every English string (its fixed parts around {{vars}},
 * 12 characters or more) whose translation differs. The catalogue test proves the keys exist; this proves the
 * screens use them.
 */
function englishLeaks(lng: Catalogue): string[] {
  const other = flatten(lng);
  return [...EN].flatMap(([key, text]) => (other.get(key) === text ? [] : text.split(/\{\{[^}]+\}\}/).map((s) => s.trim()).filter((s) => s.length >= 12)));
}
const LEAKS = { en: [] as string[], sn: englishLeaks(sn as Catalogue), nd: englishLeaks(nd as Catalogue) };

/**
 * Reader unplugged in the middle of a read, and every main screen in each of the three languages, in a real
 * Chromium against a real appliance with every device simulated. Screenshots at 1280×800 and 1024×600.
 */
describe('officer UI in Chromium: reader unplugged mid-scan, three languages', () => {
  const ui = useUiHarness({ officers: [{ creds: SUPERVISOR, role: 'supervisor', name: 'Supervisor Sibanda' }] });

  /** The visible text carries no catalogue key and (in sn/nd) no English string that has a translation. */
  const expectTranslated = async (lang: 'en' | 'sn' | 'nd', screen: string) => {
    expect(await ui.page.evaluate(() => document.documentElement.lang)).toBe(lang);
    const text = await ui.page.evaluate(() => document.body.textContent ?? '');
    expect(text.match(KEY_LIKE) ?? [], `${lang} ${screen}: keys shown`).toEqual([]);
    expect(LEAKS[lang].filter((s) => text.includes(s)), `${lang} ${screen}: English shown`).toEqual([]);
  };

  it('shows the sign-in screen in English, Shona and Ndebele with no key or English string left over', async () => {
    await ui.page.goto(ui.url);
    for (const lang of ['sn', 'nd', 'en'] as const) {
      await ui.tap(`[data-lang="${lang}"]`);
      await expect.poll(() => ui.page.evaluate(() => document.documentElement.lang)).toBe(lang);
      await ui.page.locator('[data-screen="sign-in"]').waitFor();
      await expectTranslated(lang, 'sign-in');
      await ui.shootBoth(`lang-${lang}-sign-in`);
    }
    await ui.signIn(SUPERVISOR);
    await ui.page.locator('[data-screen="queue"]').waitFor();
  });

  it("shows the reader red, in words and not the port's English reason, when it is unplugged halfway through a read, keeps no half document, and reads again once replugged", async () => {
    const { page, appliance } = ui;
    const sim = appliance.mrz.simulator;
    if (!sim) throw new Error('expected the simulated reader');
    const chip = page.locator('[data-device="mrz"]');
    await expect.poll(() => chip.getAttribute('data-state')).toBe('connected');
    await ui.tap('[data-action="new-registration"]');
    await page.locator('[data-screen="document"] [data-phase="waiting"]').waitFor();
    const id = (JSON.parse((await page.evaluate(() => localStorage.getItem('bp.current'))) ?? '{}') as { id: string }).id;

    const frame = encodeRead(sampleDocumentLines(1), sim.framing);
    await sim.sendRaw(frame.subarray(0, Math.floor(frame.length / 2)));
    await sim.unplug();
    await expect.poll(() => chip.getAttribute('data-state')).toMatch(/^(disconnected|error)$/);
    expect(await chip.getAttribute('class')).toMatch(/chip-bad/);
    const reason = (await appliance.mrz.state).reason ?? '';
    expect(reason.length).toBeGreaterThan(0);
    // The chip stays icon + state; a tap shows what to do, in words from the state, never the port's English reason.
    await chip.click();
    await expect.poll(() => page.locator('[data-chip-details="mrz"]').textContent()).toMatch(/Passport reader · (disconnected|fault)( \(simulated\))?(The passport reader is unplugged|The passport reader has a fault)/);
    await chip.click();
    // The document step says so in words (its heading too), and still waits for a passport.
    await expect.poll(() => page.locator('[data-screen="document"] [data-reader-down]').textContent()).toMatch(/The passport reader (is unplugged|has a fault).*type the MRZ by hand/);
    await expect.poll(() => page.locator('[data-screen="document"] h2').textContent()).toBe('The passport reader is not ready');
    expect(await page.evaluate(() => document.body.textContent)).not.toContain(reason);
    await page.waitForTimeout(300); // a late half-frame flush would show up by now
    await expect.poll(() => page.locator('[data-phase="waiting"]').count()).toBe(1);
    await expect.poll(() => page.locator('[data-banner]').count()).toBe(0);
    expect(appliance.store.registrations.get(id)?.document ?? null).toBeNull();
    await ui.shootBoth('reader-unplugged-mid-scan');

    await sim.replug();
    await expect.poll(() => chip.getAttribute('data-state'), { timeout: 8000 }).toBe('connected');
    const res = await page.request.post(`${ui.url}/api/simulator/mrz/scan`, { data: { sample: 1 } });
    expect(res.status()).toBe(202);
    await page.locator('[data-banner="valid"]').waitFor();
    await expect.poll(() => page.locator('[data-field="surname"] dd').textContent()).toBe('NCUBE');
    expect(appliance.store.registrations.get(id)?.document).toMatchObject({ documentNumber: 'GA771204', valid: true });
    await ui.tap('[data-screen="document"] [data-action="back"]');
    await page.locator('[data-screen="queue"]').waitFor();
  });

  for (const [lang, sample] of [['sn', 2], ['nd', 3], ['en', 0]] as const) {
    it(`walks queue, document, fingerprints, details, review and receipt in ${lang} with every string translated`, async () => {
      const { page, tap } = ui;
      await tap(`[data-lang="${lang}"]`);
      await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(lang);
      await page.locator('[data-screen="queue"]').waitFor();
      await expectTranslated(lang, 'queue');
      await ui.shootBoth(`lang-${lang}-queue`);

      await tap('[data-action="new-registration"]');
      await page.locator('[data-screen="document"] [data-phase="waiting"]').waitFor();
      await expectTranslated(lang, 'place passport');
      expect((await page.request.post(`${ui.url}/api/simulator/mrz/scan`, { data: { sample } })).status()).toBe(202);
      await page.locator('[data-banner="valid"]').waitFor();
      await page.waitForTimeout(900); // the field-by-field reveal
      await expectTranslated(lang, 'document');
      await ui.shootBoth(`lang-${lang}-document`);

      // Prints excused by the signed-in supervisor and details saved over the API: this test is about the words.
      const id = (JSON.parse((await page.evaluate(() => localStorage.getItem('bp.current'))) ?? '{}') as { id: string }).id;
      for (const finger of ['right-index', 'left-index']) {
        expect((await page.request.post(`${ui.url}/api/registrations/${id}/fingerprints/exceptions`, { data: { finger, reason: 'bandaged' } })).status()).toBe(201);
      }
      const details = completeDetailsBody(lang, { consent: { given: true, language: lang, readAt: new Date().toISOString() } });
      expect((await page.request.put(`${ui.url}/api/registrations/${id}/details`, { data: details })).status()).toBe(200);

      await tap('[data-action="continue"]');
      await page.locator('[data-screen="fingerprints"]').waitFor();
      await page.locator('[data-fp-finger="left-index"][data-fp-status="exception"]').waitFor();
      await expectTranslated(lang, 'fingerprints');
      await ui.shootBoth(`lang-${lang}-fingerprints`);

      await tap('[data-action="continue"]');
      await page.locator('[data-screen="details"]').waitFor();
      await tap('[data-editor="consent"]');
      await page.locator(`[data-consent-text="${lang}"]`).waitFor();
      await expectTranslated(lang, 'details');
      await ui.shootBoth(`lang-${lang}-details`);

      await tap('[data-action="save-details"]');
      await page.locator('[data-screen="review"]').waitFor();
      await expect.poll(() => page.locator('[data-blocked]').count()).toBe(0);
      await expectTranslated(lang, 'review');
      await ui.shootBoth(`lang-${lang}-review`);

      await tap('[data-action="finalize"]');
      await page.locator('[data-print-status="done"]').waitFor({ timeout: 15_000 });
      await expectTranslated(lang, 'receipt');
      await ui.shootBoth(`lang-${lang}-receipt`);
      await tap('[data-action="next-migrant"]');
      await page.locator(`[data-registration="${id}"] .badge-finalized`).waitFor();
    });
  }
});
