/**
 * The central's recruitment rules on real PostgreSQL, the cases the end-to-end walk
 * (tests/integration/recruitment.test.ts) does not take: withdrawals and which office may make them, events refused
 * one by one, costs in a currency without a rate, deleting a vacancy with candidates, reinstating an employer,
 * outcomes after departure, and who may call what.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signRequest } from '@lmc/protocol/reference-feed.ts';
import { MAX_EVENTS_PER_REQUEST, RECRUITMENT_EVENTS_PATH, type RecruitmentEvent, recruitmentEventsQuery } from '@lmc/protocol/recruitment.ts';
import { useCentralOnPg } from '../../test/central-on-pg.ts';
import { makeDevice, type TestDevice } from '../../test/fixtures.ts';
import { addStaff, signIn, TEST_AUTH } from '../../test/staff.ts';
import { loadReferenceSeed } from '../reference/seed.ts';

const TOKEN = 'recruitment-pg-test-admin-token-0123456789';
const bbr = makeDevice('bbr-rules-01', 'BBR');
const chr = makeDevice('chr-rules-01', 'CHR');
const central = useCentralOnPg({ devices: [bbr.config, chr.config], auth: TEST_AUTH, adminToken: TOKEN }, async (db) => {
  await loadReferenceSeed(db, { demo: true });
  await addStaff(db, 'rules-stats', 'statistician');
});
const YEAR = new Date().getUTCFullYear();
const TODAY = new Date().toISOString().slice(0, 10);

async function admin(method: 'PUT' | 'POST' | 'GET', url: string, payload?: unknown) {
  const res = await central.app.inject({ method, url, headers: { authorization: `Bearer ${TOKEN}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, json: () => res.json() as Record<string, unknown> & { code?: string; message?: string } };
}

async function send(device: TestDevice, events: unknown[]) {
  const body = JSON.stringify({ events });
  const query = recruitmentEventsQuery(body);
  const headers = signRequest({ method: 'POST', path: RECRUITMENT_EVENTS_PATH, query, deviceId: device.config.deviceId, timestamp: Date.now() }, device.privateKey);
  const res = await central.app.inject({ method: 'POST', url: `${RECRUITMENT_EVENTS_PATH}?${query}`, headers: { ...headers, 'content-type': 'application/json' }, payload: body });
  return { status: res.statusCode, json: () => res.json() as { accepted: string[]; duplicates: string[]; rejected: Array<{ eventId: string; code: string }>; code?: string } };
}

const employer = (status: string) => ({ name: 'Rules Farm', country: 'ZA', province: 'ZA-LP', sector: 'farm', demo: false, compliance_status: status });
const vacancy = {
  employer_id: 'EMP-RULES',
  occupation_isco: '9211',
  destination_province: 'ZA-LP',
  title: 'Mango pickers',
  positions: 3,
  status: 'open',
  demo: false,
  wage_zar_cents: 600_000,
  wage_period: 'month',
  hours_per_week: 45,
  contract_months: 4,
  accommodation: 'provided_free',
  transport: 'provided_deducted',
  start_date: `${YEAR + 1}-01-15`,
  recruitment_cost_payer: 'employer',
  travel_cost_payer: 'employer',
};

function candidacy(vacancyId = 'VAC-RULES'): RecruitmentEvent & { kind: 'candidacy' } {
  return { kind: 'candidacy', eventId: randomUUID(), candidacyId: randomUUID(), registrationId: randomUUID(), vacancyId, recordedAt: new Date().toISOString(), officerId: 'o-1' };
}

describe('recruitment rules at the central', () => {
  it('sets up an employer and a vacancy', async () => {
    expect((await admin('PUT', '/api/v1/admin/recruitment/employers/EMP-RULES', employer('compliant'))).status).toBe(200);
    expect((await admin('PUT', '/api/v1/admin/recruitment/vacancies/VAC-RULES', vacancy)).status).toBe(200);
    // An open vacancy without its terms is refused; a real employer needs a compliance status.
    const bare = await admin('PUT', '/api/v1/admin/recruitment/vacancies/VAC-BARE', { ...vacancy, wage_zar_cents: null, start_date: null });
    expect(bare.json()).toMatchObject({ code: 'RECRUITMENT_TERMS_INVALID' });
    expect(bare.json().message).toMatch(/wage_zar_cents, start_date/);
    expect((await admin('PUT', '/api/v1/admin/recruitment/employers/EMP-X', { ...employer('compliant'), compliance_status: null })).status).toBe(400);
  });

  it('lets only the recording office withdraw a candidacy, and answers bad events one by one inside a signed answer', async () => {
    const c = candidacy();
    expect((await send(bbr, [c])).json().accepted).toEqual([c.eventId]);
    const withdraw = { kind: 'candidacy-withdrawn', eventId: randomUUID(), candidacyId: c.candidacyId, recordedAt: new Date().toISOString(), officerId: 'o-2' };
    const foreign = (await send(chr, [withdraw])).json();
    expect(foreign.rejected).toEqual([expect.objectContaining({ eventId: withdraw.eventId, code: 'CANDIDACY_UNKNOWN' })]);
    const own = (await send(bbr, [withdraw])).json();
    expect(own.accepted).toEqual([withdraw.eventId]);
    const outcome = await central.db.query<{ status: string; office_code: string }>('SELECT status, office_code FROM ref_recruitment_outcomes WHERE candidacy_id = $1', [c.candidacyId]);
    expect(outcome).toEqual([{ status: 'withdrew', office_code: 'BBR' }]);

    const bad = (await send(bbr, [{ ...candidacy(), registrationId: 'not-a-uuid' }, { kind: 'wish' }])).json();
    expect(bad.rejected.map((r) => r.code)).toEqual(['EVENT_INVALID', 'EVENT_INVALID']);
    const tooMany = await send(bbr, Array.from({ length: MAX_EVENTS_PER_REQUEST + 1 }, () => candidacy()));
    expect(tooMany.status).toBe(413);
    expect(tooMany.json().code).toBe('RECRUITMENT_TOO_MANY_EVENTS');
  });

  it('refuses to delete a vacancy with candidates (close it instead), and keeps an outcome of a departed worker', async () => {
    const del = await admin('POST', '/api/v1/admin/reference/vacancies', { delete: ['VAC-RULES'] });
    expect(del.status).toBe(409);
    expect(del.json().code).toBe('REFERENCE_CONFLICT');

    const c = candidacy();
    await send(bbr, [c]);
    const url = `/api/v1/recruitment/candidacies/${c.candidacyId}`;
    expect((await admin('POST', `${url}/outcome`, { status: 'selected', on: TODAY })).status).toBe(200);
    const contract = { wage_zar_cents: 600_000, wage_period: 'month', hours_per_week: 45, days_per_week: null, contract_months: 4, accommodation: 'provided_free', transport: 'provided_free', recruitment_cost_payer: 'employer', travel_cost_payer: 'employer' };
    expect((await admin('POST', `${url}/contract`, { contract, on: TODAY })).json().flags).toEqual([]);
    expect((await admin('POST', `${url}/departure`, { on: TODAY })).status).toBe(200);
    const after = await admin('POST', `${url}/outcome`, { status: 'not_selected', on: TODAY });
    expect(after.status).toBe(409);
    expect(after.json().code).toBe('CANDIDACY_STATE_INVALID');
    expect((await admin('POST', `${url}/contract`, { contract: { ...contract, wage_period: 'year' }, on: TODAY })).json().code).toBe('CONTRACT_INVALID');
    expect((await admin('POST', `/api/v1/recruitment/candidacies/${randomUUID()}/orientation`, { on: TODAY })).status).toBe(404);
  });

  it('leaves a worker whose payment has no exchange rate out of 10.7.1, and says so', async () => {
    const c = candidacy();
    await send(bbr, [c]);
    await admin('POST', `/api/v1/recruitment/candidacies/${c.candidacyId}/outcome`, { status: 'selected', on: TODAY });
    const cost = { kind: 'cost-report', eventId: randomUUID(), registrationId: c.registrationId, vacancyId: null, amountMinor: 5_000, currency: 'MZN', paidTo: 'transport', purpose: 'travel', paidOn: TODAY, recordedAt: new Date().toISOString(), officerId: 'o-1' };
    expect((await send(bbr, [cost])).json().accepted).toEqual([cost.eventId]);
    const cookie = await signIn(central.app, 'rules-stats');
    const stats = await central.app.inject({ method: 'GET', url: `/api/v1/recruitment/stats?year=${YEAR}`, headers: { cookie } });
    expect(stats.statusCode).toBe(200);
    const body = stats.json() as { sdg10_7_1: { excluded: { noRate: number }; cells: Array<{ workers: number | null; suppressed: boolean }> } };
    expect(body.sdg10_7_1.excluded.noRate).toBe(1);
    // One worker left: a small cell, hidden.
    expect(body.sdg10_7_1.cells).toEqual([{ keys: {}, workers: null, workersWhoPaid: null, indicator: null, suppressed: true }]);
    expect((await central.app.inject({ method: 'GET', url: `/api/v1/recruitment/stats?year=${YEAR}&groupBy=sex,sex`, headers: { cookie } })).statusCode).toBe(400);
    // Statisticians see statistics, not candidates; nobody unsigned sees either.
    expect((await central.app.inject({ method: 'GET', url: '/api/v1/recruitment/candidates', headers: { cookie } })).statusCode).toBe(403);
    expect((await central.app.inject({ method: 'GET', url: '/api/v1/recruitment/candidates' })).statusCode).toBe(401);
    expect((await central.app.inject({ method: 'GET', url: `/api/v1/recruitment/stats?year=${YEAR}` })).statusCode).toBe(401);
  });

  it('closes the vacancies of a suspended employer and, reinstated, drops the flag but leaves them closed', async () => {
    await admin('PUT', '/api/v1/admin/recruitment/employers/EMP-RULES', employer('suspended'));
    const row = async () => (await central.db.query<{ status: string; flags: string[] }>("SELECT status, flags FROM ref_vacancies WHERE vacancy_id = 'VAC-RULES'"))[0];
    expect(await row()).toEqual({ status: 'closed', flags: ['employer_suspended'] });
    // Re-sending the open vacancy while suspended keeps it closed.
    await admin('PUT', '/api/v1/admin/recruitment/vacancies/VAC-RULES', vacancy);
    expect((await row())?.status).toBe('closed');
    await admin('PUT', '/api/v1/admin/recruitment/employers/EMP-RULES', employer('compliant'));
    expect(await row()).toEqual({ status: 'closed', flags: [] });
    const audit = await central.db.query<{ action: string }>("SELECT action FROM recruitment_audit WHERE employer_id = 'EMP-RULES' ORDER BY id");
    expect(audit.map((a) => a.action)).toEqual(['employers.put', 'employers.put', 'employers.put']);
  });
});
