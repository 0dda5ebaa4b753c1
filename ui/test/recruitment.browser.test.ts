import { beforeAll, describe, expect, it } from 'vitest';
import { completeDetailsBody } from '@lmc/appliance/registrations-details/test-support.ts';
import { putEmployer, putVacancy } from '@lmc/appliance/recruitment/test-support.ts';
import { SCREEN_SIZES, useUiHarness } from './browser-harness.ts';

const OFFICER = { officerId: 'BBR-031', pin: '604825' };

/**
 * Issue #17 at the counter, in a real Chromium at 1024×600 (touch) against a real appliance: after the details,
 * the open vacancies that fit the migrant, ranked and explained, from the appliance's own copy (no central is
 * configured at all); the officer raises the migrant's experience, records interest in two vacancies, records a
 * payment to a recruiter (the protection notice shows) and a bus fare, and goes on to the review. Every record is checked on
 * the server, with the events waiting for the central in the outbox.
 */
describe('counter matching and recruitment costs in Chromium at 1024×600', () => {
  const ui = useUiHarness({ officers: [{ creds: OFFICER, role: 'officer', name: 'Officer Dube' }], viewport: SCREEN_SIZES.small, hasTouch: true });

  beforeAll(async () => {
    const db = ui.appliance.store.connection;
    // The shipped demo vacancies carry no #17 terms: closed here, so the screen shows vacancies with full terms.
    db.prepare("UPDATE ref_vacancies SET status = 'closed' WHERE demo = 1").run();
    putEmployer(db, 'EMP-MOPANE', 'Mopane Citrus Estates (fictional)');
    putEmployer(db, 'EMP-LETABA', 'Letaba Valley Farms (fictional)');
    putEmployer(db, 'EMP-BAD', 'Suspended Growers (fictional)', 'suspended');
    putVacancy(db, { vacancy_id: 'V-CITRUS', employer_id: 'EMP-MOPANE', title: 'Citrus pickers, 2027 season', positions: 40, places_left: 14, min_experience_seasons: 2, required_skills: ['fruit_picking'], wage_zar_cents: 2750, wage_period: 'hour', hours_per_week: 45, contract_months: 8 });
    putVacancy(db, { vacancy_id: 'V-MANGO', employer_id: 'EMP-LETABA', title: 'Mango harvest hands', positions: 25, workplace_district: 'Mopani', wage_zar_cents: 560000, wage_period: 'month', hours_per_week: 45, contract_months: 5, accommodation: 'provided_deducted' });
    putVacancy(db, { vacancy_id: 'V-PACK', employer_id: 'EMP-LETABA', occupation_isco: '9212', title: 'Packhouse and livestock hands', positions: 6, recruitment_cost_payer: 'worker', closes_on: '2027-02-28' });
    putVacancy(db, { vacancy_id: 'V-SPRAY', employer_id: 'EMP-MOPANE', title: 'Orchard sprayers', positions: 3, required_certificates: ['pesticide_handling'] });
    putVacancy(db, { vacancy_id: 'V-CLOSED', employer_id: 'EMP-MOPANE', title: 'Closed vacancy', status: 'closed' });
    putVacancy(db, { vacancy_id: 'V-FILLED', employer_id: 'EMP-MOPANE', title: 'Filled vacancy', places_left: 0 });
    putVacancy(db, { vacancy_id: 'V-PAST', employer_id: 'EMP-MOPANE', title: 'Past closing vacancy', closes_on: '2025-01-31' });
    putVacancy(db, { vacancy_id: 'V-SUSP', employer_id: 'EMP-BAD', title: 'Suspended employer vacancy' });
  });

  it('matches after the details, records interest and costs, and the protection notice shows for a recruiter', async () => {
    const { page, tap, url } = ui;
    await page.goto(url);
    await ui.signIn(OFFICER);
    await page.locator('[data-screen="queue"]').waitFor();
    await tap('[data-action="new-registration"]');
    await page.locator('[data-screen="document"] [data-phase="waiting"]').waitFor();
    expect((await page.request.post(`${url}/api/simulator/mrz/scan`, { data: { sample: 0 } })).status()).toBe(202);
    await page.locator('[data-banner="valid"]').waitFor();
    const id = (JSON.parse((await page.evaluate(() => localStorage.getItem('bp.current'))) ?? '{}') as { id: string }).id;
    // Prints excused over the API and no vacancy named in the details: this test is about what comes after them.
    for (const finger of ['right-index', 'left-index']) {
      const r = await page.request.post(`${url}/api/registrations/${id}/fingerprints/exceptions`, { data: { finger, reason: 'bandaged' } });
      expect([201, 403]).toContain(r.status());
    }
    const details = completeDetailsBody('en', { employerId: null, vacancyId: null, consent: { given: true, language: 'en', readAt: new Date().toISOString() } });
    expect((await page.request.put(`${url}/api/registrations/${id}/details`, { data: details })).status()).toBe(200);
    expect((await page.request.put(`${url}/api/registrations/${id}/progress`, { data: { step: 'details' } })).status()).toBe(200);
    await page.reload();
    await page.locator('[data-screen="details"]').waitFor();
    await tap('[data-action="save-details"]');

    // Jobs: ranked from the local copy, explained; never the closed, filled, past or suspended-employer ones.
    await page.locator('[data-screen="jobs"]').waitFor();
    const listed = () => page.locator('[data-vacancy-match]').evaluateAll((els) => els.map((e) => e.getAttribute('data-vacancy-match')));
    await expect.poll(listed).toEqual(['V-MANGO', 'V-PACK', 'V-SPRAY', 'V-CITRUS']);
    expect(await page.locator('[data-vacancy-match="V-CITRUS"] .vacancy-gap').count()).toBe(1); // asks 2 seasons and fruit picking
    await expect.poll(() => page.locator('[data-vacancy-match="V-PACK"] [data-term="costs"]').textContent()).toMatch(/Worker asked to pay recruitment/);
    // Two seasons and fruit picking: the citrus vacancy now meets its requirements and comes first.
    await tap('[data-action="seasons-up"]');
    await expect.poll(() => page.locator('[data-seasons]').getAttribute('data-seasons')).toBe('1');
    await tap('[data-action="seasons-up"]');
    await tap('[data-skill="fruit_picking"]');
    await expect.poll(listed).toEqual(['V-CITRUS', 'V-MANGO', 'V-PACK', 'V-SPRAY']);
    // The pesticide certificate the sprayers' vacancy asks for: it now meets every requirement.
    await tap('[data-certificate="pesticide_handling"]');
    await expect.poll(listed).toEqual(['V-CITRUS', 'V-MANGO', 'V-SPRAY', 'V-PACK']);
    expect(await page.locator('[data-vacancy-match="V-SPRAY"] .vacancy-why').textContent()).toContain('holds Pesticide handling');
    await expect.poll(() => page.locator('[data-vacancy-match="V-CITRUS"] .vacancy-why').textContent()).toBe(
      "matches occupation 9211 · 2 seasons' experience · skills: Fruit picking · in a province the migrant chose · 14 of 40 places left",
    );
    expect(await page.locator('[data-vacancy-match="V-CITRUS"] .vacancy-why').getAttribute('data-why')).toContain('14 of 40 places left');
    // One tap records the interest (audited, queued for the central): the card says so.
    await tap('[data-interest="V-CITRUS"]');
    await page.locator('[data-vacancy-match="V-CITRUS"] [data-candidacy="candidate"]').waitFor();
    await tap('[data-interest="V-MANGO"]');
    await page.locator('[data-vacancy-match="V-MANGO"] [data-candidacy="candidate"]').waitFor();
    await ui.shootBoth('counter-jobs');
    await page.setViewportSize(SCREEN_SIZES.small); // shootBoth leaves the page at 1280×800
    // Fits 1024×600: the primary action is on screen without scrolling.
    const bar = await page.locator('[data-action="save-interest"]').boundingBox();
    expect((bar?.y ?? 999) + (bar?.height ?? 0)).toBeLessThanOrEqual(600);

    // Costs: a recruiter's fee (protection notice) and a bus fare.
    await tap('[data-action="costs"]');
    await page.locator('[data-screen="costs"]').waitFor();
    await tap('[data-paid-to="recruiter"]');
    await page.locator('[data-protection-notice]').waitFor();
    await tap('[data-purpose="recruitment_fee"]');
    await tap('[data-currency="USD"]');
    for (const k of ['5', '0']) await tap(`.costs-amount [data-key="${k}"]`);
    await tap('[data-action="save-cost"]');
    await expect.poll(() => page.locator('[data-cost="recruiter"]').getAttribute('data-flagged')).toBe('true');
    await page.locator('[data-protection-notice]').waitFor();
    await tap('[data-paid-to="transport"]');
    await tap('[data-purpose="travel"]');
    for (const k of ['1', '2', '.', '5']) await tap(`.costs-amount [data-key="${k}"]`);
    await tap('[data-action="save-cost"]');
    await expect.poll(() => page.locator('[data-cost]').count()).toBe(2);
    const done = await page.locator('[data-action="costs-done"]').boundingBox();
    expect((done?.y ?? 999) + (done?.height ?? 0)).toBeLessThanOrEqual(600);
    await tap('[data-paid-to="recruiter"]'); // the notice, for the screenshot
    await ui.shootBoth('counter-costs');
    await page.setViewportSize(SCREEN_SIZES.small);
    await tap('[data-action="costs-done"]');

    await page.locator('[data-screen="jobs"]').waitFor();
    await expect.poll(() => page.locator('[data-candidacy="candidate"]').count()).toBe(2);
    await expect.poll(() => page.locator('[data-action="costs"]').textContent()).toBe('Costs paid (2)');
    await tap('[data-action="save-interest"]');
    await page.locator('[data-screen="review"]').waitFor();

    // On the server: two candidacies and two costs, each audited, with four events waiting for the central.
    const candidacies = (await (await page.request.get(`${url}/api/registrations/${id}/candidacies`)).json()) as { items: Array<{ vacancyId: string; status: string }> };
    expect(candidacies.items.map((c) => [c.vacancyId, c.status]).sort()).toEqual([
      ['V-CITRUS', 'candidate'],
      ['V-MANGO', 'candidate'],
    ]);
    const costs = (await (await page.request.get(`${url}/api/registrations/${id}/recruitment-costs`)).json()) as { items: Array<{ paidTo: string; amountMinor: number; currency: string; protectionFlag: boolean }> };
    expect(costs.items.map((c) => [c.paidTo, c.amountMinor, c.currency, c.protectionFlag])).toEqual([
      ['recruiter', 5000, 'USD', true],
      ['transport', 1250, 'USD', false],
    ]);
    const status = (await (await page.request.get(`${url}/api/recruitment/status`)).json()) as { outbox: { pending: number; due: number }; linkState: string };
    expect(status).toMatchObject({ linkState: 'not-configured', outbox: { pending: 4, due: 0 } });
    const actions = ui.appliance.store.audit.forEntity('registration', id).map((a) => a.action);
    expect(actions.filter((a) => a.startsWith('recruitment.'))).toEqual(['recruitment.profile_saved', 'recruitment.profile_saved', 'recruitment.profile_saved', 'recruitment.profile_saved', 'recruitment.candidacy_recorded', 'recruitment.candidacy_recorded', 'recruitment.cost_recorded', 'recruitment.cost_recorded']);

    // The central selects the migrant: the outcome arrives in the reference copy, the counter notices it and the
    // queue lists the notice to print (A4, in the migrant's language).
    const citrus = (candidacies.items as Array<{ vacancyId: string; candidacyId?: string }>).find((c) => c.vacancyId === 'V-CITRUS') as { candidacyId: string };
    ui.appliance.store.connection
      .prepare(`INSERT INTO ref_recruitment_outcomes VALUES (?, ?, 'V-CITRUS', 'BBR', 'selected', '2026-12-02', '[]', 0, NULL, NULL)`)
      .run(citrus.candidacyId, id);
    ui.appliance.recruitment.sweep();
    await page.evaluate(() => localStorage.removeItem('bp.current'));
    await page.reload();
    await page.locator('[data-screen="queue"]').waitFor();
    await page.locator('[data-list="notices"] [data-notice="selected"]').waitFor();
    expect(await page.locator('[data-action="print-notice"]').getAttribute('href')).toBe(`/api/recruitment/notices/${citrus.candidacyId}/selected/notice.pdf`);
    const pdf = await page.request.get(`${url}/api/recruitment/notices/${citrus.candidacyId}/selected/notice.pdf`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    await ui.shootBoth('counter-job-notices');
  }, 120_000);
});
