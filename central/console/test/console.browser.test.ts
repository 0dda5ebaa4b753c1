/**
 * The central console in real Chromium against a real central on real PostgreSQL: staff sign in through the
 * form, the statistics charts show exactly what the published-tables API answers (suppressed cells drawn as
 * suppressed), an admin issues an enrolment code, re-keys and revokes a device (whose next batch is then
 * refused), edits a vacancy (which lands in the change feed), searches a person (recorded in the access audit),
 * and an auditor reviews that audit. Screenshots go to docs/screenshots/console-*.png (README).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@lmc/core/seeded-random.ts';
import { type ApplianceStatus, BATCH_PATH, type BatchRecordInput, encodeBatch } from '@lmc/protocol/batch.ts';
import { hashCode } from '../../src/enrolment/enrolment-codes.ts';
import { loadReferenceSeed } from '../../src/reference/seed.ts';
import { useCentralOnPg } from '../../test/central-on-pg.ts';
import { makeDevice, makeRecord, sendBatch } from '../../test/fixtures.ts';
import { addStaff, TEST_AUTH, TEST_PASSWORD } from '../../test/staff.ts';
import { ensureConsoleBuilt } from '../scripts/ensure-built.ts';
import { openConsole, SHOTS } from './console-browser.ts';


const bbr = makeDevice('bbr-console-01', 'BBR');
const hre = makeDevice('hre-console-01', 'HRE');
const central = useCentralOnPg({ devices: [bbr.config, hre.config], auth: TEST_AUTH }, async (db) => {
  await loadReferenceSeed(db, { demo: true });
  await addStaff(db, 'console-admin', 'admin');
  await addStaff(db, 'console-stats', 'statistician');
  await addStaff(db, 'console-auditor', 'auditor');
});

const YEAR = Number(new Intl.DateTimeFormat('en', { timeZone: 'Africa/Harare', year: 'numeric' }).format(new Date()));
const pick = <T>(r: () => number, items: readonly T[]) => items[Math.floor(r() * items.length)] as T;

/** A year of registrations at two offices, seeded: enough for published charts, a few rare values that are suppressed. */
function registrations(officeCode: string, n: number, seed: number): BatchRecordInput[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const month = 1 + Math.floor(r() * 10);
    const born = 1970 + Math.floor(r() * 36);
    return makeRecord(
      officeCode,
      {
        sex: r() < 0.58 ? 'F' : 'M',
        birthDate: `${born}-0${1 + Math.floor(r() * 9)}-15`,
        occupationIsco: pick(r, ['9211', '9211', '6111', '7112', '5120', '8322', '9312']),
        destinationProvince: pick(r, ['ZA-LP', 'ZA-LP', 'ZA-LP', 'ZA-MP', 'ZA-GP']),
        returning: r() < 0.3,
        details: { education: pick(r, ['primary', 'secondary-o-level', 'secondary-o-level', 'secondary-a-level', 'vocational', i % 40 === 0 ? 'tertiary' : 'none']), countryOfBirth: r() < 0.93 ? 'ZWE' : 'MOZ', destinationProvince: 'ZA-LP' },
      },
      `${YEAR}-${String(month).padStart(2, '0')}-${String(1 + Math.floor(r() * 27)).padStart(2, '0')}T10:00:00+02:00`,
    );
  });
}

/** A registration with an MRZ document, so the person index links it (searchable by name and number). */
function withDocument(officeCode: string, documentNumber: string, surname: string, givenNames: string): BatchRecordInput {
  const record = makeRecord(officeCode, { sex: 'F', birthDate: '1991-07-04', destinationProvince: 'ZA-LP', details: { education: 'primary', countryOfBirth: 'ZWE' } }, `${YEAR}-03-04T11:00:00+02:00`);
  record.payload.registration = {
    id: record.id,
    officeCode,
    officerId: 'OFF-1',
    status: 'finalized',
    version: 1,
    finalizedAt: record.finalizedAt,
    document: { documentCode: 'P', issuingState: 'ZWE', documentNumber, surname, givenNames, sex: 'F', birthDate: '1991-07-04', nationality: 'ZWE', valid: true, lines: [] },
  };
  return record;
}

/** A batch that reports the appliance's status (fleet, audit anchoring), as the relay sends it. */
async function sendWithStatus(device: typeof bbr, records: BatchRecordInput[], status: ApplianceStatus): Promise<void> {
  const encoded = encodeBatch(records, { deviceId: device.config.deviceId, privateKey: device.privateKey, status });
  const res = await central.app.inject({ method: 'POST', url: BATCH_PATH, headers: encoded.headers, payload: encoded.body });
  expect(res.statusCode, res.payload).toBe(200);
}

const status = (length: number, headHash: string, pending: number): ApplianceStatus => ({
  auditChain: { length, headHash },
  backlog: { pending, oldestUnsentAt: pending > 0 ? new Date(Date.now() - 3 * 3600_000).toISOString() : null },
  softwareVersion: '0.1.0',
  devices: { mrz: 'ready', fingerprint: 'ready', printer: pending > 0 ? 'paper-out' : 'ready' },
});

let browser: Browser;
let base: string;

beforeAll(async () => {
  await ensureConsoleBuilt();
  for (const [device, office, seed] of [
    [bbr, 'BBR', 1],
    [hre, 'HRE', 2],
  ] as const) {
    const records = registrations(office, office === 'BBR' ? 260 : 140, seed);
    for (let i = 0; i < records.length; i += 100) expect((await sendBatch(central.app, device, records.slice(i, i + 100))).json().stored).toHaveLength(Math.min(100, records.length - i));
  }
  expect((await sendBatch(central.app, hre, [withDocument('HRE', 'EN123456', 'MOYO', 'RUTENDO')])).json().stored).toHaveLength(1);
  // A new passport of the same person at another office: a candidate link for review, never a silent merge.
  expect((await sendBatch(central.app, bbr, [withDocument('BBR', 'FN765432', 'MOYO', 'RUTENDO')])).json().stored).toHaveLength(1);
  // Fleet reports: BBR's chain grows; HRE reports another head at a length it anchored before (rewritten).
  await sendWithStatus(bbr, registrations('BBR', 1, 3), status(410, 'a'.repeat(64), 0));
  await sendWithStatus(hre, registrations('HRE', 1, 4), status(230, 'b'.repeat(64), 12));
  await sendWithStatus(hre, registrations('HRE', 1, 5), status(230, 'c'.repeat(64), 12));
  ({ browser, base } = await openConsole(central.app));
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

async function signedIn(username: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(base);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', TEST_PASSWORD);
  await page.click('[data-action="sign-in"]');
  await page.locator('.top .who').waitFor();
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });

async function published(cookieOf: Page, groupBy: string) {
  const res = await cookieOf.request.get(`/api/v1/stats/registrations?groupBy=${groupBy}&year=${YEAR}`.replace(/^/, base.replace(/\/console\/$/, '')));
  expect(res.status()).toBe(200);
  return ((await res.json()) as { rows: Array<Record<string, unknown> & { count: number | null }> }).rows;
}

describe('central console (Chromium, real PostgreSQL)', { timeout: 90_000 }, () => {
  it('refuses a wrong password and signs a statistician in to the statistics only', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(base);
    await page.fill('input[name="username"]', 'console-stats');
    await page.fill('input[name="password"]', 'not the password');
    await page.click('[data-action="sign-in"]');
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toContain('SIGN_IN_FAILED');
    await context.close();

    const stats = await signedIn('console-stats');
    expect(await stats.locator('[data-nav]').evaluateAll((links) => links.map((a) => a.getAttribute('data-nav')))).toEqual(['stats', 'fleet']);
    await stats.context().close();
  });

  it('draws the published tables: every bar is the API cell, suppressed cells drawn as suppressed', async () => {
    const page = await signedIn('console-stats');
    await page.locator('[data-chart="sex"] [data-bar]').first().waitFor();
    for (const dim of ['sex', 'education', 'occupation', 'countryOfBirth'] as const) {
      await page.locator(`[data-chart="${dim}"] [data-bar]`).first().waitFor();
      const drawn = await page.locator(`[data-chart="${dim}"] g[data-bar]`).evaluateAll((bars) => bars.map((b) => b.getAttribute('data-value')));
      const api = (await published(page, dim)).map((r) => (r.count === null ? 'suppressed' : String(r.count)));
      expect(drawn, dim).toEqual(api);
    }
    // The rare values are hidden, not drawn as numbers; the common ones are shown.
    expect(await page.locator('[data-chart="education"] g[data-value="suppressed"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-chart="sex"] g[data-value="suppressed"]').count()).toBe(0);
    // Office × month: one column per office and month, the same numbers as the API.
    const months = await published(page, 'office,month');
    const columns = await page.locator('[data-chart="office-month"] rect[data-bar]').count();
    expect(columns).toBe(months.length);
    await page.locator('[data-chart="returning"] rect[data-bar]').first().waitFor();
    await shot(page, 'statistics');

    // The office filter shows the BBR rows of the office × sex table, not a new table.
    await page.selectOption('select[name="office"]', 'BBR');
    const bbrSex = (await published(page, 'office,sex')).filter((r) => r.office === 'BBR').map((r) => String(r.count ?? 'suppressed'));
    await expect.poll(() => page.locator('[data-chart="sex"] g[data-bar]').evaluateAll((bars) => bars.map((b) => b.getAttribute('data-value')))).toEqual(bbrSex);

    // The indicator feed downloads as CSV with the documented header.
    const feed = await page.request.get(new URL(`/api/v1/stats/indicators.csv?year=${YEAR}`, base).href);
    expect(feed.status()).toBe(200);
    expect((await feed.text()).split('\r\n')[0]).toBe('ref_area,source,indicator,sex,classif1,time,obs_value,obs_status');
    await page.context().close();
  });

  it('issues an enrolment code, re-keys a device and revokes one, whose next batch is refused', async () => {
    const page = await signedIn('console-admin');
    await page.click('[data-nav="devices"]');
    await page.locator('tr[data-device="bbr-console-01"]').waitFor();
    await page.selectOption('select[name="officeCode"]', 'HRE');
    await page.click('[data-action="issue-code"]');
    const code = (await page.locator('[data-code]').textContent()) ?? '';
    expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    // Shown once, kept as a hash only, for the office chosen.
    const stored = await central.db.query<{ office_code: string }>('SELECT office_code FROM enrolment_codes WHERE code_hash = $1', [hashCode(code)]);
    expect(stored).toEqual([{ office_code: 'HRE' }]);
    await expect.poll(() => page.locator('[data-table="codes"] tbody tr').count()).toBe(1);

    await page.click('tr[data-device="bbr-console-01"] [data-action="rekey"]');
    await expect.poll(() => page.locator('[data-issued]').textContent()).toContain('--rekey');
    await expect.poll(() => page.locator('[data-table="codes"] tbody tr').count()).toBe(2);
    await shot(page, 'devices');

    await page.click('tr[data-device="hre-console-01"] [data-action="revoke"]');
    await expect.poll(() => page.locator('tr[data-device="hre-console-01"] [data-state]').getAttribute('data-state')).toBe('revoked');
    const refused = await sendBatch(central.app, hre, registrations('HRE', 1, 9));
    expect(refused.res.statusCode).toBe(401);
    await page.context().close();
  });

  it('edits a vacancy through the change feed', async () => {
    const page = await signedIn('console-admin');
    await page.click('[data-nav="reference"]');
    await page.click('[data-table="vacancies"]');
    const row = page.locator('[data-rows="vacancies"] tbody tr').first();
    const key = (await row.getAttribute('data-key')) ?? '';
    expect(key).not.toBe('');
    const before = (await central.db.query<{ v: number }>('SELECT coalesce(max(version), 0)::int AS v FROM reference_changes'))[0]?.v ?? 0;
    await row.locator('[data-action="edit"]').click();
    await page.fill('[data-editor="vacancies"] input[name="positions"]', '37');
    await page.fill('[data-editor="vacancies"] input[name="title"]', 'Citrus pickers, 2nd shift');
    await shot(page, 'reference-edit');
    await page.click('[data-editor="vacancies"] [data-action="save"]');
    await expect.poll(() => page.locator('.notice').textContent()).toContain('Saved');
    const [vacancy] = await central.db.query<{ positions: number; title: string }>('SELECT positions, title FROM ref_vacancies WHERE vacancy_id = $1', [key]);
    expect(vacancy).toEqual({ positions: 37, title: 'Citrus pickers, 2nd shift' });
    const change = await central.db.query<{ op: string; version: number }>("SELECT op, version::int AS version FROM reference_changes WHERE table_name = 'vacancies' AND row_key = $1", [key]);
    expect(change[0]?.op).toBe('upsert');
    expect(change[0]?.version).toBeGreaterThan(before);
    await page.context().close();
  });

  it('searches a person, opens the record, and the auditor sees both in the access audit', async () => {
    const page = await signedIn('console-admin');
    await page.click('[data-nav="persons"]');
    await page.fill('input[name="q"]', 'moyo');
    await page.click('[data-action="search"]');
    await page.locator('[data-person-row]').first().waitFor();
    await page.locator('[data-person-row] [data-action="open"]').first().click();
    await expect.poll(() => page.locator('[data-person] h2').first().textContent()).toContain('MOYO');
    expect(await page.locator('[data-person] [data-table="registrations"] tbody tr').count()).toBeGreaterThan(0);
    await shot(page, 'person-search');

    // The candidate link: both passports shown, merged only when the admin says so.
    const candidate = page.locator('[data-candidate]');
    await expect.poll(() => candidate.count()).toBe(1);
    expect(await candidate.textContent()).toContain('EN123456');
    expect(await candidate.textContent()).toContain('FN765432');
    const id = Number(await candidate.getAttribute('data-candidate'));
    await candidate.locator('[data-action="accept"]').click();
    await page.locator('[data-candidates="0"]').waitFor();
    const [decided] = await central.db.query<{ status: string; decided_by: string }>('SELECT status, decided_by FROM person_link_candidates WHERE id = $1', [id]);
    expect(decided).toEqual({ status: 'accepted', decided_by: 'console-admin' });
    await page.context().close();

    const auditor = await signedIn('console-auditor');
    expect(await auditor.locator('[data-nav]').evaluateAll((links) => links.map((a) => a.getAttribute('data-nav')))).toEqual(['fleet', 'access-audit']);
    await auditor.click('[data-nav="access-audit"]');
    await auditor.locator('[data-table="access-audit"]').waitFor();
    await expect.poll(() => auditor.locator('tr[data-audit="person.search"][data-actor="console-admin"]').count()).toBe(1);
    expect(await auditor.locator('tr[data-audit="person.view"][data-actor="console-admin"]').count()).toBe(1);
    await shot(auditor, 'access-audit');
    await auditor.context().close();
  });

  it('shows the fleet: each appliance with its office and audit-chain status', async () => {
    const page = await signedIn('console-admin');
    await page.click('[data-nav="fleet"]');
    await page.locator('tr[data-device="bbr-console-01"]').waitFor();
    expect(await page.locator('tr[data-device="bbr-console-01"] td').nth(1).textContent()).toBe('Beitbridge');
    expect(await page.locator('tr[data-device="hre-console-01"] .badge.muted').first().textContent()).toBe('revoked');
    expect(await page.locator('tr[data-device="bbr-console-01"] [data-chain]').getAttribute('data-chain')).toBe('ok');
    expect(await page.locator('tr[data-device="hre-console-01"] [data-chain]').getAttribute('data-chain')).toBe('rewritten');
    expect(await page.locator('[data-alarm="audit-chain"]').textContent()).toContain('hre-console-01');
    expect(await page.locator('tr[data-device="hre-console-01"] td.num').first().textContent()).toBe('12');
    await shot(page, 'fleet');
    await page.context().close();
  });

  it('serves the page with a strict CSP and no framing', async () => {
    const res = await central.app.inject({ url: '/console/' });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
    expect((await central.app.inject({ url: '/console/assets/..%2f..%2fpackage.json' })).statusCode).toBe(404);
    expect((await central.app.inject({ url: `/console/assets/${randomUUID()}.js` })).statusCode).toBe(404);
  });
});
