/**
 * The console's recruitment page in real Chromium against a real central on real PostgreSQL (#17): an admin
 * opens a vacancy's candidates from two offices, filters by office, shortlists and selects one, records a
 * contract that pays less than advertised (the central flags it and the page shows the flag), and the
 * protection case of a reported recruiter fee is listed; a vacancy written through the form (a discriminatory note
 * refused, travel paid by the worker flagged) and an employer suspended (its vacancies closed).
 * Screenshots: docs/screenshots/console-recruitment.png, console-recruitment-vacancy.png.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '@lmc/protocol/reference-feed.ts';
import { RECRUITMENT_EVENTS_PATH, type RecruitmentEvent, recruitmentEventsQuery } from '@lmc/protocol/recruitment.ts';
import { FAIR_VACANCY_TERMS } from '@lmc/protocol/recruitment-test-support.ts';
import { loadReferenceSeed } from '../../../src/reference/seed.ts';
import { useCentralOnPg } from '../../../test/central-on-pg.ts';
import { makeDevice, makeRecord, sendBatch, type TestDevice } from '../../../test/fixtures.ts';
import { addStaff, TEST_AUTH, TEST_PASSWORD } from '../../../test/staff.ts';
import { ensureConsoleBuilt } from '../../scripts/ensure-built.ts';
import { openConsole, SHOTS } from '../../test/console-browser.ts';

const ADMIN_TOKEN = 'console-recruitment-admin-token-0123456789';
const VACANCY = 'VAC-CONSOLE-01';
const YEAR = new Date().getUTCFullYear();

const bbr = makeDevice('bbr-recruit-01', 'BBR');
const chr = makeDevice('chr-recruit-01', 'CHR');
const central = useCentralOnPg({ devices: [bbr.config, chr.config], auth: TEST_AUTH, adminToken: ADMIN_TOKEN }, async (db) => {
  await loadReferenceSeed(db, { demo: true });
  await addStaff(db, 'recruit-admin', 'admin');
});

async function asAdmin(method: 'PUT' | 'POST', url: string, payload: unknown) {
  const res = await central.app.inject({ method, url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: payload as object });
  expect(res.statusCode, res.payload).toBe(200);
  return res.json() as Record<string, unknown>;
}

async function sendEvents(device: TestDevice, events: RecruitmentEvent[]) {
  const body = JSON.stringify({ events });
  const query = recruitmentEventsQuery(body);
  const headers = signRequest({ method: 'POST', path: RECRUITMENT_EVENTS_PATH, query, deviceId: device.config.deviceId, timestamp: Date.now() }, device.privateKey);
  const res = await central.app.inject({ method: 'POST', url: `${RECRUITMENT_EVENTS_PATH}?${query}`, headers: { ...headers, 'content-type': 'application/json' }, payload: body });
  expect(res.statusCode, res.payload).toBe(200);
  expect(res.json().accepted).toHaveLength(events.length);
}

/** Registrations of one office and their candidacies for the vacancy. */
async function candidates(device: TestDevice, office: string, names: readonly string[]): Promise<string[]> {
  const records = names.map((surname) => makeRecord(office, { surname, givenNames: 'CHIPO', occupationIsco: '9211', birthDate: '1994-02-02' }, `${YEAR}-01-15T09:00:00+02:00`));
  expect((await sendBatch(central.app, device, records)).res.statusCode).toBe(200);
  const ids = records.map(() => randomUUID());
  await sendEvents(
    device,
    records.map((r, i) => ({ kind: 'candidacy', eventId: randomUUID(), candidacyId: ids[i] as string, registrationId: r.id, vacancyId: VACANCY, recordedAt: new Date().toISOString(), officerId: `${office}-OFF-1` })),
  );
  if (office === 'BBR') {
    await sendEvents(device, [
      {
        kind: 'cost-report',
        eventId: randomUUID(),
        registrationId: records[0]?.id as string,
        vacancyId: VACANCY,
        amountMinor: 20_000,
        currency: 'USD',
        paidTo: 'recruiter',
        purpose: 'recruitment_fee',
        paidOn: `${YEAR}-01-10`,
        recordedAt: new Date().toISOString(),
        officerId: 'BBR-OFF-1',
      },
    ]);
  }
  return ids;
}

let browser: Browser;
let base: string;
let bbrIds: string[];

beforeAll(async () => {
  await ensureConsoleBuilt();
  await asAdmin('PUT', '/api/v1/admin/recruitment/employers/EMP-MOPANI', {
    name: 'Mopani Citrus (Pty) Ltd',
    country: 'ZA',
    province: 'ZA-LP',
    town: 'Letsitele',
    sector: 'farm',
    demo: false,
    sa_registration_no: '2012/100200/07',
    compliance_status: 'compliant',
  });
  await asAdmin('PUT', `/api/v1/admin/recruitment/vacancies/${VACANCY}`, {
    employer_id: 'EMP-MOPANI',
    occupation_isco: '9211',
    destination_province: 'ZA-LP',
    title: 'Citrus harvest team, Letsitele',
    positions: 20,
    status: 'open',
    demo: false,
    workplace_district: 'Mopani',
    ...FAIR_VACANCY_TERMS,
    start_date: `${YEAR + 1}-03-01`,
  });
  bbrIds = await candidates(bbr, 'BBR', ['MOYO', 'NCUBE', 'DUBE']);
  await candidates(chr, 'CHR', ['SIBANDA', 'MHLANGA']);
  ({ browser, base } = await openConsole(central.app));
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** Signed in as the admin, on the recruitment page. */
async function recruitmentPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(base);
  await page.fill('input[name="username"]', 'recruit-admin');
  await page.fill('input[name="password"]', TEST_PASSWORD);
  await page.click('[data-action="sign-in"]');
  await page.click('[data-nav="recruitment"]');
  return page;
}

describe('console recruitment page (Chromium, real PostgreSQL)', { timeout: 90_000 }, () => {
  it('shortlists and selects across offices, shows a contract difference as a flag, and lists the protection case', async () => {
    const page = await recruitmentPage();
    const context = page.context();
    await page.click(`tr[data-vacancy="${VACANCY}"] [data-action="candidates"]`);
    await expect.poll(() => page.locator('[data-table="candidates"] tbody tr').count()).toBe(5);
    await page.selectOption('[data-shortlist] select[name="office"]', 'CHR');
    await expect.poll(() => page.locator('[data-table="candidates"] tbody tr').count()).toBe(2);
    await page.selectOption('[data-shortlist] select[name="office"]', '');
    await expect.poll(() => page.locator('[data-table="candidates"] tbody tr').count()).toBe(5);

    const moyo = page.locator(`tr[data-candidacy="${bbrIds[0]}"]`);
    await expect.poll(() => moyo.textContent()).toContain('protection case');
    await moyo.locator('[data-action="shortlisted"]').click();
    await expect.poll(() => moyo.getAttribute('data-status')).toBe('shortlisted');
    await moyo.locator('[data-action="selected"]').click();
    await expect.poll(() => moyo.getAttribute('data-status')).toBe('selected');
    await moyo.locator('[data-action="contract"]').click();
    await page.fill('form[data-form="contract"] input[name="wage"]', '25.00');
    await page.fill('form[data-form="contract"] input[name="hours_per_week"]', '50');
    await page.click('[data-action="save-contract"]');
    await expect.poll(() => page.locator('[data-notice]').textContent()).toContain('wage lower than advertised');
    await expect.poll(() => moyo.locator('[data-flag]').evaluateAll((els) => els.map((e) => e.getAttribute('data-flag')))).toEqual(['wage_lower', 'hours_longer']);
    // The vacancy row now counts the selection.
    await expect.poll(() => page.locator(`tr[data-vacancy="${VACANCY}"]`).textContent()).toContain('19 of 20');
    await expect.poll(() => page.locator('[data-table="protection-cases"] tbody tr').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'console-recruitment.png'), fullPage: true });

    // What the page did is what the central stored, audited under the signed-in admin.
    const audit = await central.db.query<{ action: string; actor: string }>('SELECT action, actor FROM recruitment_audit WHERE candidacy_id = $1::uuid ORDER BY id', [bbrIds[0] as string]);
    expect(audit.map((a) => a.action)).toEqual(['candidacy', 'outcome', 'outcome', 'contract']);
    expect(audit.slice(1).every((a) => a.actor === 'staff:recruit-admin')).toBe(true);
    const csv = await page.request.get(new URL(`/api/v1/recruitment/candidates.csv?vacancyId=${VACANCY}`, base).href);
    expect(csv.status()).toBe(200);
    expect((await csv.text()).split('\r\n')[0]).toBe('reference,vacancy,surname,given_names,office,status,status_date,registered_occupation_isco,meets_minimum_age');
    await context.close();
  });

  it('writes a vacancy through the form (a discriminatory note refused, costs on the worker flagged) and suspends an employer', async () => {
    const page = await recruitmentPage();
    const context = page.context();
    const form = page.locator('form[data-form="vacancy"]');
    await form.locator('input[name="vacancy_id"]').fill('VAC-CONSOLE-02');
    await form.locator('select[name="employer_id"]').selectOption('EMP-MOPANI');
    await form.locator('input[name="title"]').fill('Packhouse and cold-store hands');
    await form.locator('input[name="occupation_isco"]').fill('9333');
    await form.locator('input[name="start_date"]').fill(`${YEAR + 1}-04-01`);
    await form.locator('input[name="wage"]').fill('5200');
    await form.locator('select[name="travel_cost_payer"]').selectOption('worker');
    await form.locator('input[value="packhouse"]').check();
    await form.locator('input[name="terms_note"]').fill('Women only, unmarried');
    await page.click('[data-action="save-vacancy"]');
    await expect.poll(() => form.locator('[data-vacancy-error]').textContent()).toContain('RECRUITMENT_TERMS_INVALID');
    expect(await form.locator('[data-vacancy-error]').textContent()).toMatch(/sex, marital_status/);
    expect(await central.db.query("SELECT 1 FROM ref_vacancies WHERE vacancy_id = 'VAC-CONSOLE-02'")).toEqual([]);

    await form.locator('input[name="terms_note"]').fill('Packhouse experience an advantage');
    await page.click('[data-action="save-vacancy"]');
    await expect.poll(() => form.locator('[data-saved], [data-vacancy-error]').first().textContent()).toBe('Saved VAC-CONSOLE-02.');
    const row = page.locator('tr[data-vacancy="VAC-CONSOLE-02"]');
    await expect.poll(() => row.locator('[data-flag]').evaluateAll((els) => els.map((e) => e.getAttribute('data-flag')))).toEqual(['worker_pays_travel']);
    const stored = await central.db.query<{ wage_zar_cents: number; required_skills: string[]; flags: string[] }>("SELECT wage_zar_cents, required_skills, flags FROM ref_vacancies WHERE vacancy_id = 'VAC-CONSOLE-02'");
    expect(stored).toEqual([{ wage_zar_cents: 520_000, required_skills: ['packhouse'], flags: ['worker_pays_travel'] }]);
    await page.screenshot({ path: join(SHOTS, 'console-recruitment-vacancy.png'), fullPage: true });

    await page.locator('tr[data-employer="EMP-MOPANI"] select[name="compliance"]').selectOption('suspended');
    await expect.poll(() => page.locator(`tr[data-vacancy="${VACANCY}"]`).textContent()).toContain('closed');
    await expect.poll(() => row.locator('[data-flag]').evaluateAll((els) => els.map((e) => e.getAttribute('data-flag')))).toEqual(['worker_pays_travel', 'employer_suspended']);
    await context.close();
  });
});
