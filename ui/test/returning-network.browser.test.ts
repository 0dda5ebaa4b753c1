import { describe, expect, it } from 'vitest';
import { TEST_OFFICER } from '@lmc/appliance/auth/test-support.ts';
import { generateMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { useUiHarness } from './browser-harness.ts';

/**
 * A migrant registered at another office, on the details step in Chromium (issue #16): the appliance's
 * network-lookup answer (here the central's, given by the test at the browser's edge: the appliance has no central)
 * lists Harare's registration and its details; the step shows them and prefills the empty draft, marked ↺, saved
 * to the appliance by the autosave. With the link down the index answer shows office and day, and nothing is prefilled.
 */
describe('returning migrant from another office on the details step (Chromium)', () => {
  const ui = useUiHarness({ officers: [{ creds: TEST_OFFICER, role: 'officer', name: 'Tendai Officer' }] });

  const visit = (source: 'central' | 'index') => ({
    registrationId: source === 'central' ? '11111111-1111-4111-8111-111111111111' : null,
    registrationNumber: null,
    officeCode: 'HRE',
    officeName: 'Harare Labour Migration Centre',
    date: '2026-10-02',
    finalizedAt: source === 'central' ? '2026-10-02T07:00:00.000Z' : null,
    status: source === 'central' ? 'finalized' : 'registered',
    occupationIsco: source === 'central' ? '9211' : null,
    occupationTitle: source === 'central' ? 'Crop farm labourers' : null,
    employerName: null,
    vacancyTitle: null,
    source,
  });

  /** A registration with a passport attached, opened on the details step (as the queue resumes one). */
  async function atDetails(documentNumber: string, answer: Record<string, unknown>): Promise<string> {
    const { page, url } = ui;
    const created = await page.request.post(`${url}/api/registrations`, { data: { officerId: TEST_OFFICER.officerId } });
    expect(created.status()).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const lines = generateMrz({ format: 'TD3', documentCode: 'P', issuingState: 'ZWE', nationality: 'ZWE', documentNumber, surname: 'NCUBE', givenNames: 'SIPHO', sex: 'M', birthDate: '910315', expiryDate: '340101' });
    expect((await page.request.put(`${url}/api/registrations/${id}/document`, { data: { lines } })).status()).toBe(200);
    await page.unroute('**/network-lookup');
    await page.route('**/network-lookup', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(answer) }));
    await page.evaluate((draft) => localStorage.setItem('bp.current', JSON.stringify(draft)), { id, step: 'details' });
    await page.reload();
    await page.locator('[data-screen="details"]').waitFor({ timeout: 20_000 });
    return id;
  }

  it('shows Harare’s registration and prefills the empty draft from it, marked and autosaved; offline shows office and day only', async () => {
    const { page, url } = ui;
    await page.goto(url);
    await ui.signIn(TEST_OFFICER);
    await page.locator('[data-action="new-registration"]').waitFor();
    const prefill = { homeProvince: 'ZW-MS', homeDistrict: 'ZW-MS-BEITBRIDGE', education: 'primary', occupationIsco: '9211', nextOfKin: { name: 'Rudo Moyo', relationship: 'spouse' } };
    const id = await atDetails('FN4417721', { source: 'central', online: true, returning: true, previous: [visit('central')], prefill, elapsedMs: 12, offlineReason: null, index: {} });
    const banner = page.locator('[data-returning-source="central"]');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/registered once before.*Harare Labour Migration Centre, 2 Oct 2026.*Crop farm labourers.*central database/);
    await expect.poll(() => page.locator('[data-prefilled="true"]').count()).toBeGreaterThanOrEqual(4);
    await expect.poll(() => page.locator('[data-editor="home"] .detail-value').textContent()).toBe('Beitbridge, Matabeleland South');
    await page.screenshot({ path: new URL('./screenshots/returning-network-central.png', import.meta.url).pathname });
    // Autosaved to the appliance: a reload or another screen finds the prefilled draft there.
    await expect
      .poll(async () => ((await (await page.request.get(`${url}/api/registrations/${id}/details-draft`)).json()) as { fields: Record<string, unknown> }).fields, { timeout: 10_000 })
      .toMatchObject({ homeDistrict: 'ZW-MS-BEITBRIDGE', occupationIsco: '9211', education: 'primary' });

    await atDetails('FN4417722', { source: 'index', online: false, returning: true, previous: [visit('index')], prefill: null, elapsedMs: 0.2, offlineReason: 'connect-refused', index: {} });
    const offline = page.locator('[data-returning-source="index"]');
    await offline.waitFor();
    expect(await offline.textContent()).toMatch(/Harare Labour Migration Centre, 2 Oct 2026.*network index/);
    await page.screenshot({ path: new URL('./screenshots/returning-network-index.png', import.meta.url).pathname });
    expect(await page.locator('[data-prefilled="true"]').count()).toBe(0);
  }, 120_000);
});
