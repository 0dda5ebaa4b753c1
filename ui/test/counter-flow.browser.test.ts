import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_OFFICER } from '@lmc/appliance/auth/test-support.ts';
import type { RunningAppliance } from '@lmc/appliance/start.ts';
import { generateMrz } from '@lmc/firmware-bridge/mrz/generate.ts';
import { SHOTS, chooseConsentLanguage, useUiHarness } from './browser-harness.ts';

const SUPERVISOR = { officerId: 'BBR-SUP9', pin: '730469' };
const SMALL = { width: 1024, height: 600 };

/** Issue #14's counter flow, measured as an officer works it: 1024×600, touch (taps are touch events), and a USB keyboard for text. */
describe('counter flow at 1024×600 with touch (issue #14)', () => {
  const ui = useUiHarness({
    officers: [
      { creds: TEST_OFFICER, role: 'officer', name: 'Tendai Officer' },
      { creds: SUPERVISOR, role: 'supervisor', name: 'Supervisor Dube' },
    ],
    viewport: SMALL,
    hasTouch: true,
  });
  let appliance: RunningAppliance;
  let page: Page;
  let url: string;
  const counts = { taps: 0, keys: 0 };
  const figures: Record<string, { taps: number; keys: number }> = {};

  const tap = async (selector: string) => {
    counts.taps++;
    await page.locator(selector).first().tap();
  };
  /** A physical keyboard: each key pressed counts as a key, not a tap. */
  const type = async (text: string) => {
    counts.keys += text.length;
    await page.keyboard.type(text, { delay: 15 });
  };
  const enter = async () => {
    counts.keys++;
    await page.keyboard.press('Enter');
  };
  const measure = async (name: string, run: () => Promise<void>) => {
    counts.taps = 0;
    counts.keys = 0;
    await run();
    figures[name] = { ...counts };
    return figures[name];
  };
  const scan = async (body: object) => expect((await page.request.post(`${url}/api/simulator/mrz/scan`, { data: body })).status()).toBe(202);
  const fingerSim = (path: string, data: object) => page.request.post(`${url}/api/simulator/fingerprint/${path}`, { data }).then((r) => expect(r.status()).toBe(202));
  /** The migrant presses a finger when the reader asks (not an officer tap). */
  const press = async (personId: string, finger: string) => {
    await page.locator(`[data-prompt="place-finger"]`).waitFor({ timeout: 30_000 });
    await fingerSim('place', { personId, finger, condition: 'normal' });
    // The image crosses the (fast simulated) serial line: seconds on a loaded 2-core box.
    await page.locator('[data-prompt="lift-finger"]').waitFor({ timeout: 30_000 });
    await fingerSim('lift', {});
  };
  const currentId = async () => (JSON.parse((await page.evaluate(() => localStorage.getItem('bp.current'))) ?? '{}') as { id: string }).id;
  /** Back to the queue whatever the last test left open (no cascade of failures), with the live socket up. */
  const fromQueue = async () => {
    await page.evaluate(() => localStorage.removeItem('bp.current'));
    await page.reload();
    await page.locator('[data-screen="queue"]').waitFor();
    await page.locator('[data-live="true"]').waitFor();
  };
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  /** From the queue: a new registration, the document step waiting, then the passport `body` on the reader. */
  const newRegistrationWith = async (body: object) => {
    await tap('[data-action="new-registration"]');
    await page.locator('[data-screen="document"] [data-phase="waiting"]').waitFor();
    await scan(body);
  };
  /** From the document step, every finger excused: through the fingerprint step to the details. */
  const pastExcusedFingers = async () => {
    await tap('[data-action="continue"]');
    await page.locator('[data-screen="fingerprints"]').waitFor();
    await expect.poll(() => page.locator('[data-screen="fingerprints"] [data-action="continue"]').isDisabled()).toBe(false);
    await tap('[data-action="continue"]');
    await page.locator('[data-screen="details"]').waitFor();
  };
  /** From the queue: a new registration of the (valid) passport `body`, every finger excused, on to the details step. */
  const toDetailsOfNew = async (body: object) => {
    await fromQueue();
    await newRegistrationWith(body);
    await page.locator('[data-banner="valid"]').waitFor();
    await excuseFingers(await currentId());
    await pastExcusedFingers();
  };
  /** From the review: finalize, the receipt printed, and back to the queue for the next migrant. */
  const finalizeToQueue = async (onReceipt: () => Promise<void> = async () => {}) => {
    await tap('[data-action="finalize"]');
    await page.locator('[data-print-status="done"]').waitFor({ timeout: 15_000 });
    await onReceipt();
    await tap('[data-action="next-migrant"]');
    await page.locator('[data-screen="queue"]').waitFor();
  };

  /**
   * Arm's-length legibility on the screen shown: body text ≥ 16 px, every other text ≥ 14 px; no device chip cut
   * (no ellipsis, nothing wider than its box); a heading, and focus on it after a screen change.
   */
  const legible = async (name: string, opts: { focusHeading?: boolean } = {}) => {
    const r = await page.evaluate(() => {
      const visible = (e: Element) => {
        const b = e.getBoundingClientRect();
        return b.width > 0 && b.height > 0 && getComputedStyle(e).visibility !== 'hidden';
      };
      const small: string[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!el || !n.textContent?.trim() || !visible(el) || el.closest('svg, .keyboard')) continue;
        const px = Number.parseFloat(getComputedStyle(el).fontSize);
        const body = el.closest('p, dd, blockquote, .detail-value, .field-value, .message, .banner, .fp-prompt');
        if (px < (body ? 16 : 14)) small.push(`${n.textContent.trim().slice(0, 30)} ${px}px${body ? ' (body)' : ''}`);
      }
      const cut = [...document.querySelectorAll('.chip, .brand, .who')].filter((c) => c.scrollWidth > c.clientWidth + 1 || [...c.querySelectorAll('*')].some((x) => getComputedStyle(x).textOverflow === 'ellipsis')).map((c) => c.textContent);
      const h1 = document.querySelector('main h1');
      return { small, cut, heading: h1?.textContent ?? null, focused: document.activeElement === h1, scroll: document.documentElement.scrollWidth - document.documentElement.clientWidth };
    });
    expect(r.small, `${name}: text below 14/16 px`).toEqual([]);
    expect(r.cut, `${name}: device chips, post or officer cut`).toEqual([]);
    expect(r.heading, `${name}: heading`).toBeTruthy();
    expect(r.scroll, `${name}: horizontal scroll`).toBeLessThanOrEqual(0);
    if (opts.focusHeading) await expect.poll(() => page.evaluate(() => document.activeElement === document.querySelector('main h1')), `${name}: focus on the heading`).toBe(true);
  };

  beforeAll(async () => {
    ({ appliance, page, url } = ui);
    page.context().setDefaultTimeout(30_000); // waits for renders and device events, not assertions: a loaded 2-core CI box (2 test forks, Chromium, pty simulators) needs more than 10 s at times
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await page.screenshot({ path: join(SHOTS, `failed-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}.png`) });
  });

  afterAll(async () => {
    writeFileSync(join(SHOTS, 'tap-counts.json'), JSON.stringify(figures, null, 2));
    console.info(`tap counts: ${JSON.stringify(figures)}`);
  });

  it('signs in with ≤ 8 taps: the officer list of this post, then the PIN (and with a keyboard: 1 tap)', async () => {
    await page.goto(url);
    await page.locator('[data-officer-tile]').first().waitFor();
    await legible('sign-in');
    const byTouch = await measure('sign-in (touch)', async () => {
      await tap(`[data-officer-tile="${TEST_OFFICER.officerId}"]`);
      for (const d of TEST_OFFICER.pin) await tap(`.keyboard [data-key="${d}"]`);
      await tap('[data-action="sign-in"]');
      await page.locator('[data-screen="queue"]').waitFor();
    });
    expect(byTouch.taps).toBeLessThanOrEqual(8);
    await shot('counter-queue');
    await page.locator('.sign-out').tap();
    await page.locator('[data-officer-tile]').first().waitFor();
    const byKeys = await measure('sign-in (keyboard)', async () => {
      await tap(`[data-officer-tile="${TEST_OFFICER.officerId}"]`);
      await type(TEST_OFFICER.pin);
      await enter();
      await page.locator('[data-screen="queue"]').waitFor();
    });
    expect(byKeys.taps).toBe(1);
    await legible('queue', { focusHeading: true });
  });

  it('shows the sync link state right after a reload (GET /api/sync status.linkState)', async () => {
    await page.route('**/api/sync', (route) =>
      route.fulfill({ json: { status: { at: new Date().toISOString(), linkState: 'online', queueDepth: 3, lastError: null }, device: { deviceId: 'd', publicKeyPem: '' } } }),
    );
    await page.reload();
    await expect.poll(() => page.locator('.sync-slot').getAttribute('data-sync')).toBe('online');
    await page.locator('[data-live="true"]').waitFor(); // scans arrive on the socket: wait for it before the next test scans
    await page.locator('.sync-slot').tap();
    await expect.poll(() => page.locator('[data-chip-details="sync"]').textContent()).toMatch(/online.*3 waiting/);
    await page.locator('.sync-slot').tap();
    await page.unroute('**/api/sync');
  });

  it('registers a first-time migrant with phone and next of kin in ≤ 20 taps, every screen legible, focus on each heading', async () => {
    const f = await measure('first-time registration', async () => {
      await tap('[data-action="new-registration"]');
      await page.locator('[data-screen="document"] [data-phase="waiting"]').waitFor();
      await legible('document', { focusHeading: true });
      await scan({ sample: 1 });
      await page.locator('[data-banner="valid"]').waitFor();
      await legible('document-read');
      await tap('[data-action="continue"]');

      // Fingerprints: the capture starts by itself; the migrant presses each finger of the plan.
      await page.locator('[data-screen="fingerprints"]').waitFor();
      await legible('fingerprints', { focusHeading: true });
      await press('GA771204', 'right-index');
      await page.locator('[data-attempt-quality]').waitFor();
      await expect.poll(() => page.locator('.quality-scale').getAttribute('aria-valuenow')).toMatch(/^\d+$/);
      await press('GA771204', 'left-index');
      await expect.poll(() => page.locator('[data-action="continue"]').isDisabled()).toBe(false);
      await legible('fingerprints-done');
      await tap('[data-action="continue"]');

      // Details: focus moves to the next empty field after each choice; text typed on the keyboard.
      await page.locator('[data-screen="details"]').waitFor();
      await legible('details', { focusHeading: true });
      await tap('[data-province="ZW-MS"]');
      await tap('[data-district="ZW-MS-BEITBRIDGE"]');
      await page.locator('[data-open-editor="employer"]').waitFor();
      await type('citrus'); // employer / vacancy search
      await expect.poll(() => page.locator('[data-employer-row]').count()).toBeGreaterThan(0);
      await tap('[data-vacancy="DEMO-VAC-001"]');
      await page.locator('[data-open-editor="education"]').waitFor();
      await tap('[data-education="secondary-o-level"]');
      await page.locator('[data-open-editor="phone"]').waitFor();
      await type('0771234567');
      await enter();
      await page.locator('[data-open-editor="kin"]').waitFor();
      await type('Rudo Moyo');
      await tap('[data-relationship="spouse"]');
      await type('0772223333');
      await enter();
      await chooseConsentLanguage(page, tap, 'sn', /^Ndinosimbisa/);
      await legible('details-consent');
      await shot('counter-details-consent');
      await tap('[data-action="consent-given"]');
      await expect.poll(() => page.locator('[data-editor="kin"] .detail-value').textContent()).toBe('RUDO MOYO (Spouse) · 0772223333');
      await expect.poll(() => page.locator('[data-editor="phone"] .detail-value').textContent()).toBe('0771234567');
      await tap('[data-action="save-details"]');

      await page.locator('[data-screen="review"]').waitFor();
      await expect.poll(() => page.locator('[data-summary="age"]').textContent()).toMatch(/^\d+$/);
      await legible('review', { focusHeading: true });
      await finalizeToQueue(async () => {
        await expect.poll(() => page.locator('[data-registration-number]').textContent()).toMatch(/^BBR-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
        await legible('receipt', { focusHeading: true });
        await shot('counter-receipt');
      });
    });
    expect(f.taps).toBeLessThanOrEqual(20);
  }, 120_000);

  it('registers the same migrant again in ≤ 8 taps: banner says when, where and what; details prefilled to confirm', async () => {
    await fromQueue();
    const f = await measure('returning registration', async () => {
      await newRegistrationWith({ sample: 1 });
      await page.locator('[data-banner="returning"]').waitFor();
      await expect.poll(() => page.locator('[data-banner="returning"]').textContent()).toMatch(/registered once before.*Last on .+ at .+\. Job: .*Citrus/);
      await shot('counter-returning');
      await tap('[data-action="continue"]');
      await page.locator('[data-screen="fingerprints"]').waitFor();
      // The verification starts by itself; then whatever the plan still needs.
      await press('GA771204', 'right-index');
      await page.locator('[data-verify="match"]').waitFor();
      // Whatever the plan still needs after the verification (the migrant presses each finger the reader asks for).
      const nextFinger = () =>
        page.evaluate(() => {
          const go = document.querySelector<HTMLButtonElement>('[data-action="continue"]');
          if (go && !go.disabled) return 'done';
          return document.querySelector('[data-prompt="place-finger"]')?.getAttribute('data-prompt-finger') || null;
        });
      for (let i = 0; i < 3; i++) {
        let next: string | null = null;
        await expect.poll(async () => (next = await nextFinger()), { timeout: 15_000 }).toBeTruthy();
        if (next === 'done') break;
        await press('GA771204', next ?? 'right-index');
      }
      await expect.poll(() => page.locator('[data-action="continue"]').isDisabled()).toBe(false);
      await tap('[data-action="continue"]');
      await page.locator('[data-screen="details"]').waitFor();
      await expect.poll(() => page.locator('[data-prefilled="true"]').count()).toBeGreaterThan(3);
      await expect.poll(() => page.locator('[data-editor="home"] .detail-value').textContent()).toBe('Beitbridge, Matabeleland South');
      await page.locator('[data-open-editor="consent"]').waitFor(); // consent is never prefilled: focus goes there
      await shot('counter-returning-details');
      await tap('[data-action="consent-given"]');
      await tap('[data-action="save-details"]');
      await page.locator('[data-screen="review"]').waitFor();
      await finalizeToQueue();
    });
    expect(f.taps).toBeLessThanOrEqual(8);
  }, 120_000);

  it('keeps the consent button on screen at 1024×600 in English, Shona and isiNdebele', async () => {
    await toDetailsOfNew({ sample: 2 });
    await page.locator('[data-editor="consent"]').tap();
    for (const lang of ['en', 'sn', 'nd'] as const) {
      await page.locator(`[data-lang="${lang}"]`).tap();
      await page.locator(`[data-migrant-language="${lang}"]`).tap();
      await page.locator(`[data-consent-text="${lang}"]`).waitFor();
      await legible(`consent-${lang}`); // chips and labels in Shona and Ndebele too
      const r = await page.evaluate(() => {
        const b = document.querySelector('[data-action="consent-given"]')?.getBoundingClientRect();
        const bar = document.querySelector('.action-bar')?.getBoundingClientRect();
        return { top: b?.top ?? -1, bottom: b?.bottom ?? 9999, barTop: bar?.top ?? 0, height: innerHeight };
      });
      expect(r.top, lang).toBeGreaterThanOrEqual(0);
      expect(r.bottom, lang).toBeLessThanOrEqual(Math.min(r.barTop, r.height));
      await shot(`counter-consent-${lang}`);
    }
    await page.locator('[data-lang="en"]').tap();
  });

  /** The supervisor's one-time approval token, then an exception for each finger of the plan (over the API). */
  const excuseFingers = async (id: string) => {
    for (const finger of ['right-index', 'left-index']) {
      const token = ((await (await page.request.post(`${url}/api/auth/supervisor-approval`, { data: { ...SUPERVISOR, registrationId: id } })).json()) as { token: string }).token;
      expect((await page.request.post(`${url}/api/registrations/${id}/fingerprints/exceptions`, { data: { finger, reason: 'bandaged' }, headers: { 'x-supervisor-approval': token } })).status()).toBe(201);
    }
  };

  it('names what is missing on Continue and goes there; autosaves every field and resumes at the same field after a reload', async () => {
    // (the draft of the consent test is open on the details step)
    await page.locator('[data-editor="home"]').tap();
    await page.locator('[data-action="save-details"]').tap();
    await expect.poll(() => page.locator('.details-editor [role="alert"]').textContent()).toMatch(/Still needed: Home district, Intended job \(ISCO-08\), Education, Next of kin, Language and consent/);
    await expect.poll(() => page.locator('[data-open-editor]').getAttribute('data-open-editor')).toBe('home');
    await page.locator('[data-province="ZW-MN"]').tap();
    await page.locator('[data-district]').first().tap();
    const typedSaved = page.waitForResponse((r) => r.url().endsWith('/details-draft') && r.request().method() === 'PATCH' && (r.request().postData() ?? '').includes('07712'));
    // A fast typist on the counter's USB keyboard: the first key comes as soon as the tapped field has rendered, before
    // the next frame is painted; every key must reach the phone field (none lost to the field that was open before).
    await page.evaluate(async () => {
      document.querySelector<HTMLElement>('[data-editor="phone"]')?.click();
      await Promise.resolve();
      for (const key of '07712') {
        window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
        await new Promise((r) => setTimeout(r, 0));
      }
    });
    expect((await typedSaved).status()).toBe(200); // each field is saved as it is typed (no Continue)
    await expect.poll(() => page.locator('[data-autosave]').getAttribute('data-autosave')).toBe('saved');
    await page.reload();
    await page.locator('[data-screen="details"]').waitFor();
    await expect.poll(() => page.locator('[data-open-editor]').getAttribute('data-open-editor')).toBe('phone');
    await expect.poll(() => page.locator('[data-field="phone-value"] .field-value').textContent()).toBe('07712');
    await expect.poll(() => page.locator('[data-editor="home"] .detail-value').textContent()).toMatch(/, Mashonaland Central|, Matabeleland North|, Manicaland/);
  });

  it('asks before another person\'s passport replaces the person in a draft, and clears what belonged to the first one', async () => {
    await page.locator('[data-action="back"]').tap(); // details → fingerprints
    await page.locator('[data-screen="fingerprints"] [data-action="back"]').tap();
    await page.locator('[data-screen="document"]').waitFor();
    await page.locator('[data-action="rescan"]').tap();
    await scan({ sample: 0 });
    await page.locator('[data-modal="replace-person"]').waitFor();
    await expect.poll(() => page.locator('[data-modal="replace-person"]').textContent()).toMatch(/CHIKWANHA, TAKUDZWA.*MOYO, TENDAI.*clears/);
    await shot('counter-replace-person');
    await page.locator('[data-action="keep-person"]').tap();
    expect(appliance.store.registrations.get(await currentId())?.document?.documentNumber).toBe('EN908172');
    await scan({ sample: 0 });
    await page.locator('[data-action="replace-person"]').tap();
    await page.locator('[data-modal="replace-person"]').waitFor({ state: 'detached' });
    const draft = (await (await page.request.get(`${url}/api/registrations/${await currentId()}/details-draft`)).json()) as { fields: Record<string, unknown> };
    expect(draft.fields.homeDistrict ?? null).toBeNull(); // the first person's details went with them
    await expect.poll(async () => appliance.store.registrations.get(await currentId())?.document?.documentNumber).toBe('FN123456');
    await page.locator('[data-screen="document"] [data-action="back"]').tap();
    await page.locator('[data-screen="queue"]').waitFor();
  });

  it('shows age and every warning at review, and needs a supervisor on this screen for a minor or a specimen passport', async () => {
    await fromQueue();
    const minor = generateMrz({ format: 'TD3', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FM112233', surname: 'SIBANDA', givenNames: 'TINO', sex: 'M', birthDate: '110301', expiryDate: '310101' });
    await newRegistrationWith({ lines: minor });
    await page.locator('[data-banner="valid"]').waitFor();
    const id = await currentId();
    await excuseFingers(id);
    const details = {
      homeProvince: 'ZW-MS', homeDistrict: 'ZW-MS-BEITBRIDGE', education: 'primary', occupationIsco: '9211',
      nextOfKin: { name: 'Rudo Sibanda', relationship: 'parent' }, language: 'nd', consent: { given: true, language: 'nd', readAt: new Date().toISOString() },
    };
    expect((await page.request.put(`${url}/api/registrations/${id}/details`, { data: details })).status()).toBe(200);
    await pastExcusedFingers();
    await expect.poll(() => page.locator('[data-missing]').getAttribute('data-missing')).toBe('');
    await page.locator('[data-action="save-details"]').tap();
    await page.locator('[data-screen="review"]').waitFor();
    await expect.poll(() => page.locator('[data-summary="age"]').textContent()).toMatch(/^1[0-7] ⚠ under 18$/);
    await expect.poll(() => page.locator('[data-warning="HOLDER_UNDER_18"]').getAttribute('data-blocking')).toBe('true');
    await expect.poll(() => page.locator('[data-action="finalize"]').isDisabled()).toBe(true);
    await legible('review-minor');
    await shot('counter-review-minor');
    // The supervisor types ID and PIN on a keyboard at the desk; the officer stays signed in.
    await page.locator('[data-action="ask-approval"]').tap();
    await page.locator('[data-modal="registration-approval"]').waitFor();
    await page.keyboard.type(SUPERVISOR.officerId);
    await page.keyboard.press('Enter');
    await page.keyboard.type(SUPERVISOR.pin);
    await shot('counter-approval');
    await page.keyboard.press('Enter');
    await page.locator('[data-approved-by]').waitFor();
    await expect.poll(() => page.locator('[data-approved-by]').getAttribute('data-approved-by')).toBe(SUPERVISOR.officerId);
    await expect.poll(() => page.locator('[data-action="finalize"]').isDisabled()).toBe(false);
    await expect.poll(() => page.locator('.who').getAttribute('data-officer')).toBe(TEST_OFFICER.officerId);
    // The printer's state before finalizing: paper nearly finished, then out.
    const printer = (data: object) => page.request.post(`${url}/api/simulator/printer`, { data }).then((r) => expect(r.status()).toBe(200));
    await printer({ paperNearEnd: true });
    await expect.poll(() => page.locator('[data-device="printer"]').getAttribute('data-code')).toBe('PRINTER_PAPER_NEAR_END');
    await expect.poll(() => page.locator('[data-device="printer"]').textContent()).toMatch(/paper low/);
    await expect.poll(() => page.locator('[data-printer-note]').textContent()).toMatch(/paper roll is nearly finished/);
    await printer({ paperOut: true });
    await expect.poll(() => page.locator('[data-printer-note]').textContent()).toMatch(/out of paper/);
    await shot('counter-review-printer-fault');
    await printer({ paperOut: false, paperNearEnd: false });
    await page.locator('[data-printer-note]').waitFor({ state: 'detached' });
    await page.locator('[data-action="finalize"]').tap();
    await page.locator('[data-screen="receipt"]').waitFor();
    await page.locator('[data-action="next-migrant"]').tap();
  }, 90_000);

  it('lists a specimen passport waiting for approval in the supervisor\'s queue, approved there', async () => {
    await fromQueue();
    await newRegistrationWith({ sample: 4 });
    await page.locator('[data-document-view], [data-banner]').first().waitFor();
    const id = await currentId();
    await page.locator('[data-screen="document"] [data-action="back"]').tap();
    await page.locator('.sign-out').tap();
    await page.locator(`[data-officer-tile="${SUPERVISOR.officerId}"]`).tap();
    await page.keyboard.type(SUPERVISOR.pin);
    await page.keyboard.press('Enter');
    await page.locator(`[data-approval-for="${id}"]`).waitFor();
    await expect.poll(() => page.locator(`[data-approval-for="${id}"] [data-warning]`).first().getAttribute('data-warning')).toMatch(/SPECIMEN_DOCUMENT|UNKNOWN_STATE/);
    await shot('counter-supervisor-queue');
    await page.locator(`[data-approval-for="${id}"] [data-action="approve"]`).tap();
    await page.locator('[data-action="approve-registration"]').tap();
    await page.locator(`[data-approval-for="${id}"]`).waitFor({ state: 'detached' });
  });

  it('discards a draft with a reason, and reprints a finalized receipt from the queue', async () => {
    const draft = page.locator('[data-list="drafts"] [data-action="discard"]').first();
    const before = await page.locator('[data-list="drafts"] .reg-row').count();
    await draft.tap();
    await page.locator('[data-discard-reason="migrant-left"]').tap();
    await page.locator('[data-action="confirm-discard"]').tap();
    await expect.poll(() => page.locator('[data-list="drafts"] .reg-row').count()).toBe(before - 1);
    await page.locator('[data-list="finalized"] [data-action="reprint-receipt"]').first().tap();
    await expect.poll(() => page.locator('[data-list="finalized"] .reg-note').first().textContent(), { timeout: 15_000 }).toMatch(/Copy printed/);
    await legible('queue-after');
  });

  it('tells an unplugged reader in Shona from its code, with no English internal text, and the heading says it cannot read', async () => {
    await fromQueue();
    await page.locator('[data-lang="sn"]').tap();
    await page.locator('[data-action="new-registration"]').tap();
    await page.locator('[data-screen="document"] [data-phase="waiting"]').waitFor();
    const sim = appliance.mrz.simulator;
    if (!sim) throw new Error('expected the simulated reader');
    await sim.unplug();
    await expect.poll(() => page.locator('[data-device="mrz"]').getAttribute('data-state')).toMatch(/^(disconnected|error)$/);
    await page.locator('[data-device="mrz"]').tap();
    const reason = (await appliance.mrz.state).reason ?? '';
    const text = (await page.evaluate(() => document.body.textContent)) ?? '';
    expect(reason.length).toBeGreaterThan(0);
    expect(text).not.toContain(reason);
    expect(text).not.toMatch(/port closed|bad file descriptor|ENOENT|EIO/);
    await expect.poll(() => page.locator('[data-screen="document"] h2').textContent()).toBe('Muverengi wepasipoti haana kugadzirira');
    await expect.poll(() => page.locator('[data-chip-details="mrz"]').textContent()).toMatch(/Muverengi wepasipoti/);
    await shot('counter-reader-unplugged-sn');
    await sim.replug();
    await expect.poll(() => page.locator('[data-device="mrz"]').getAttribute('data-state')).toBe('connected');
    await page.locator('[data-lang="en"]').tap();
  });

  it('comes back to the same step and field after an idle logout', async () => {
    await toDetailsOfNew({ sample: 3 });
    await page.locator('[data-editor="kin"]').tap();
    const saved = page.waitForResponse((r) => r.url().endsWith('/details-draft') && r.request().method() === 'PATCH' && (r.request().postData() ?? '').includes('TARI'));
    await page.keyboard.type('Tari');
    await saved;
    // The page's timers on a controlled clock (installed before the reload that starts them), then 5 idle minutes.
    await page.clock.install();
    await page.reload();
    await page.locator('[data-open-editor="kin"]').waitFor();
    await page.clock.runFor(300_000);
    await page.locator('[data-screen="sign-in"]').waitFor();
    await page.locator(`[data-officer-tile="${TEST_OFFICER.officerId}"]`).tap();
    await page.keyboard.type(TEST_OFFICER.pin);
    await page.keyboard.press('Enter');
    await page.locator('[data-screen="details"]').waitFor();
    await expect.poll(() => page.locator('[data-open-editor]').getAttribute('data-open-editor')).toBe('kin');
    await expect.poll(() => page.locator('[data-field="kin-name"] .field-value').textContent()).toBe('TARI');
  }, 90_000);

  it('draws a focus ring of 3 px at ≥ 3:1 when the keyboard moves focus', async () => {
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const ring = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement as Element);
      return { width: s.outlineWidth, color: s.outlineColor, style: s.outlineStyle };
    });
    expect(ring.style).toBe('solid');
    expect(ring.width).toBe('3px');
    expect(ring.color).toBe('rgb(180, 83, 9)'); // --focus #b45309: 4.6:1 on the page, 5.0:1 on cards (contrast.test.ts)
  });
});
