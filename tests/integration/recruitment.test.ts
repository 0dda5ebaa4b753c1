/**
 * Recruitment end to end (#17): one central listening over HTTPS on real PostgreSQL, two appliances
 * (Beitbridge and Chiredzi: each its own identity and SQLite store, pulling the reference feed with
 * the central's certificate pinned and every page's signature checked).
 *
 * A vacancy is created at the central (a discriminatory requirement refused on the way), reaches
 * both appliances with its terms; each office's migrants register (signed batches) and become
 * candidates (signed recruitment events, as the appliance's event client sends them: the body's
 * hash in the signed query, the answer signed by the central); staff shortlist and select across
 * both offices, record one contract that pays less than advertised (flagged, departure held until
 * the flags are reviewed); the outcomes reach only the office each candidacy came from; reported
 * fees — one paid to a recruiter in US dollars — appear in the SDG 10.7.1 figure and as a
 * protection case; suspending the employer closes the vacancy on the appliances.
 *
 * The events go through the appliance's own events client (appliance/src/recruitment/central-events-client.ts,
 * pinned TLS, answer signature checked); the test composes the events itself instead of driving the counter
 * routes (the counter side has its own tests), and hand-signs the two tampered requests.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch as undiciFetch } from 'undici';
import { build, type CentralApp } from '@lmc/central/app.ts';
import type { Db } from '@lmc/central/db/db.ts';
import { migrate } from '@lmc/central/db/migrations.ts';
import { createPostgresDb } from '@lmc/central/db/postgres-db.ts';
import { loadReferenceSeed } from '@lmc/central/reference/seed.ts';
import { HEADER_CENTRAL_SIGNATURE, sha256Hex, verifyAnswer } from '@lmc/protocol/batch-envelope.ts';
import { FAIR_TERMS, FAIR_VACANCY_TERMS } from '@lmc/protocol/recruitment-test-support.ts';
import {
  RECRUITMENT_ANSWER_PURPOSE,
  RECRUITMENT_EVENTS_PATH,
  type RecruitmentEvent,
  type RecruitmentEventsAnswer,
  recruitmentEventsQuery,
} from '@lmc/protocol/recruitment.ts';
import { type ApplianceIdentity, loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import { signedAs } from '@lmc/appliance/central-link/signed-central.ts';
import { RecruitmentEventsClient } from '@lmc/appliance/recruitment/central-events-client.ts';
import { ReferenceClient } from '@lmc/appliance/reference/client.ts';
import { ReferenceSync } from '@lmc/appliance/reference/reference-sync.ts';
import { openReferenceFixture, type ReferenceFixture } from '@lmc/appliance/reference/test-support.ts';
import { tempDir } from '@lmc/appliance/store/test-support.ts';
import { makeRecord, sendBatch } from '../../central/test/fixtures.ts';
import { addStaff, signIn, TEST_AUTH } from '../../central/test/staff.ts';
import { startPgCluster, type PgCluster } from '../support/pg-cluster.ts';
import { type LinkTrust, makeLinkTrust } from '../support/link-trust.ts';

const ADMIN = 'integration-admin-token-0123456789ab';
const YEAR = new Date().getUTCFullYear();
const TODAY = new Date().toISOString().slice(0, 10);
const VACANCY = 'VAC-LP-CITRUS-01';
const EMPLOYER = 'EMP-LP-LETABA';
/** R 28.42 an hour, 45 hours a week: the 2026 farm-worker minimum wage, rounded up. */
const HOURLY_CENTS = FAIR_TERMS.wage_zar_cents;
const HOURS = FAIR_TERMS.hours_per_week;
/** ILO–World Bank: a month is 52/12 weeks. */
const monthly = (hourlyCents: number) => Math.round((hourlyCents * HOURS * 52) / 12);
const USD_RATE = '18.25';

interface Office {
  code: 'BBR' | 'CHR';
  identity: ApplianceIdentity;
  keys: ReturnType<typeof tempDir>;
  fx: ReferenceFixture;
  sync: ReferenceSync;
  /** The appliance's own client for recruitment events (pinned TLS, signed request, answer signature checked). */
  events: RecruitmentEventsClient;
  registrations: string[];
  candidacies: string[];
}

let cluster: PgCluster;
let db: Db;
let central: CentralApp;
let url: string;
let trust: LinkTrust;
let pinned: Agent;
const offices: Office[] = [];
let statsCookie: string;

/** The recruitment statistics are a statistician's (or admin's) route: a staff session, not the admin token. */
async function stats(query: string) {
  const res = await central.inject({ method: 'GET', url: `/api/v1/recruitment/stats?${query}`, headers: { cookie: statsCookie } });
  return { status: res.statusCode, text: res.payload, json: () => res.json() as Record<string, unknown> };
}

function office(code: 'BBR' | 'CHR'): Office {
  const o = offices.find((x) => x.code === code);
  if (!o) throw new Error(`no office ${code}`);
  return o;
}

async function staff(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown) {
  const res = await undiciFetch(`${url}${path}`, {
    dispatcher: pinned,
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> & { code?: string; message?: string } };
}

/** Events through the appliance's client: an answer only when the central signed it for this request. */
async function deliver(o: Office, events: RecruitmentEvent[]): Promise<RecruitmentEventsAnswer> {
  const outcome = await o.events.send(events);
  if (outcome.kind !== 'answered') throw new Error(`events not answered: ${JSON.stringify(outcome)}`);
  return outcome.answer;
}

/** Hand-made requests for the refusals (a body other than the signed one, another device's key), signed as the appliance signs them (signedAs); the signed answer checked. */
async function sendEvents(o: Office, events: RecruitmentEvent[], tamper?: { body?: string; signWith?: ApplianceIdentity }) {
  const body = JSON.stringify({ events });
  const query = recruitmentEventsQuery(body);
  const sign = signedAs(RECRUITMENT_ANSWER_PURPOSE, 'POST', RECRUITMENT_EVENTS_PATH, query, sha256Hex(body));
  const { headers, binding } = sign(Date.now(), { deviceId: o.identity.deviceId, privateKey: (tamper?.signWith ?? o.identity).privateKey });
  const res = await undiciFetch(`${url}${RECRUITMENT_EVENTS_PATH}?${query}`, {
    dispatcher: pinned,
    method: 'POST',
    // fetch would gunzip a gzip answer, and the signature covers the bytes as sent: ask for them plain.
    headers: { ...headers, 'content-type': 'application/json', 'accept-encoding': 'identity' },
    body: tamper?.body ?? body,
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const signed = verifyAnswer(binding, res.status, bytes, res.headers.get(HEADER_CENTRAL_SIGNATURE) ?? undefined, trust.centralKey.publicKeyPem);
  return { status: res.status, signed, text: bytes.toString('utf8'), json: () => JSON.parse(bytes.toString('utf8')) as RecruitmentEventsAnswer & { code?: string } };
}

const candidacyEvent = (o: Office, i: number): RecruitmentEvent => ({
  kind: 'candidacy',
  eventId: randomUUID(),
  candidacyId: o.candidacies[i] as string,
  registrationId: o.registrations[i] as string,
  vacancyId: VACANCY,
  recordedAt: new Date().toISOString(),
  officerId: `${o.code.toLowerCase()}-officer-1`,
});

const employerRow = (compliance_status: 'compliant' | 'suspended') => ({
  name: 'Letaba Citrus Estates (Pty) Ltd',
  country: 'ZA',
  province: 'ZA-LP',
  town: 'Tzaneen',
  sector: 'farm',
  demo: false,
  sa_registration_no: '2009/014523/07',
  contact_name: 'HR office',
  contact_phone: '+27 15 307 0000',
  contact_email: 'hr@letaba.example',
  compliance_status,
});

const vacancy = {
  employer_id: EMPLOYER,
  occupation_isco: '9211',
  destination_province: 'ZA-LP',
  title: 'Citrus pickers, Letaba estates',
  positions: 12,
  opens_on: `${YEAR}-01-01`,
  closes_on: `${YEAR + 1}-01-31`,
  status: 'open',
  demo: false,
  workplace_district: 'Mopani',
  ...FAIR_VACANCY_TERMS,
  start_date: `${YEAR + 1}-03-01`,
  min_experience_seasons: 1,
};

beforeAll(async () => {
  cluster = await startPgCluster();
  db = createPostgresDb(cluster.url);
  await migrate(db);
  await loadReferenceSeed(db, { demo: true });
  trust = await makeLinkTrust();
  pinned = new Agent({ connect: { ca: trust.tls.cert } });
  for (const code of ['BBR', 'CHR'] as const) {
    const keys = tempDir(`recruit-${code}-`);
    const identity = loadOrCreateIdentity(keys.dir);
    const fx = openReferenceFixture();
    offices.push({ code, identity, keys, fx, sync: undefined as unknown as ReferenceSync, events: undefined as unknown as RecruitmentEventsClient, registrations: [], candidacies: [] });
  }
  central = build({
    db,
    devices: offices.map((o) => ({ deviceId: o.identity.deviceId, officeCode: o.code, publicKeyPem: o.identity.publicKeyPem })),
    reference: { adminToken: ADMIN },
    auth: TEST_AUTH,
    https: trust.tls,
    centralKey: trust.centralKey,
  });
  url = await central.listen({ host: '127.0.0.1', port: 0 });
  await addStaff(db, 'stats-officer', 'statistician');
  statsCookie = await signIn(central, 'stats-officer');
  for (const o of offices) {
    const client = new ReferenceClient({ url, identity: o.identity, connectTimeoutMs: 2000, responseTimeoutMs: 5000, ...trust.client });
    o.events = new RecruitmentEventsClient({ url, identity: o.identity, centralKey: trust.client.centralKey, pinnedTlsPem: trust.tls.cert, connectTimeoutMs: 2000, responseTimeoutMs: 5000 });
    o.sync = new ReferenceSync({ db: o.fx.db, transport: client, pageSize: 500, pollMs: 60_000, backoff: { baseMs: 100, maxMs: 1000 }, unauthorisedRetryMs: 1000 });
  }
}, 120_000);

afterAll(async () => {
  for (const o of offices) {
    await o.sync?.stop();
    await o.events?.close();
    o.fx.close();
    o.keys.remove();
  }
  await central?.close();
  await pinned?.close();
  await db?.close();
  await cluster?.stop();
});

describe('recruitment from a vacancy to selected candidates of two offices', () => {
  it('refuses a discriminatory requirement and an under-age minimum, flags costs put on the worker, and creates a fair vacancy', async () => {
    const employer = await staff('PUT', `/api/v1/admin/recruitment/employers/${EMPLOYER}`, employerRow('compliant'));
    expect(employer.status, employer.text).toBe(200);

    const unfair = await staff('PUT', '/api/v1/admin/recruitment/vacancies/VAC-UNFAIR', { ...vacancy, terms_note: 'Women only, no union members' });
    expect(unfair.status).toBe(400);
    expect(unfair.json()).toMatchObject({ code: 'RECRUITMENT_TERMS_INVALID' });
    expect(unfair.json().message).toMatch(/sex.*union_membership/);
    const young = await staff('PUT', '/api/v1/admin/recruitment/vacancies/VAC-UNFAIR', { ...vacancy, min_age: 16 });
    expect(young.status).toBe(400);
    // The generic reference admin route applies the same rules.
    const generic = await staff('POST', '/api/v1/admin/reference/vacancies', { upsert: [{ ...vacancy, vacancy_id: 'VAC-UNFAIR', required_skills: ['christian'] }] });
    expect(generic.status).toBe(400);
    expect((await db.query("SELECT 1 FROM ref_vacancies WHERE vacancy_id = 'VAC-UNFAIR'")).length).toBe(0);

    const workerPays = await staff('PUT', '/api/v1/admin/recruitment/vacancies/VAC-LP-PAYS', { ...vacancy, recruitment_cost_payer: 'worker', travel_cost_payer: 'shared' });
    expect(workerPays.status).toBe(200);
    const fair = await staff('PUT', `/api/v1/admin/recruitment/vacancies/${VACANCY}`, vacancy);
    expect(fair.status, fair.text).toBe(200);

    const list = (await staff('GET', '/api/v1/admin/recruitment/vacancies')).json().vacancies as Array<Record<string, unknown>>;
    expect(list.find((v) => v.vacancy_id === 'VAC-LP-PAYS')?.flags).toEqual(['worker_pays_recruitment', 'worker_pays_travel']);
    expect(list.find((v) => v.vacancy_id === VACANCY)).toMatchObject({ flags: [], places_left: 12, status: 'open' });
  });

  it('brings the vacancy with its terms to both appliances', async () => {
    for (const o of offices) {
      expect((await o.sync.pullOnce()).complete).toBe(true);
      const row = o.fx.db.prepare('SELECT wage_zar_cents, wage_period, hours_per_week, contract_months, places_left, recruitment_cost_payer, required_skills FROM ref_vacancies WHERE vacancy_id = ?').get(VACANCY);
      expect(row).toEqual({ wage_zar_cents: HOURLY_CENTS, wage_period: 'hour', hours_per_week: HOURS, contract_months: 6, places_left: 12, recruitment_cost_payer: 'employer', required_skills: '["fruit_picking"]' });
    }
  });

  it('takes candidacies from both offices as signed, idempotent events', async () => {
    for (const o of offices) {
      const records = Array.from({ length: 6 }, (_, i) =>
        makeRecord(o.code, { surname: `${o.code}SURNAME${i}`, givenNames: 'TEST', sex: i % 2 === 0 ? 'F' : 'M', birthDate: '1995-05-05', occupationIsco: '9211' }, `${YEAR}-11-02T09:00:00+02:00`),
      );
      const sent = await sendBatch(central, { config: { deviceId: o.identity.deviceId, officeCode: o.code, publicKeyPem: o.identity.publicKeyPem }, privateKey: o.identity.privateKey }, records);
      expect(sent.res.statusCode, sent.res.payload).toBe(200);
      o.registrations = records.map((r) => r.id);
      o.candidacies = records.map(() => randomUUID());
      const events = o.registrations.map((_, i) => candidacyEvent(o, i));
      expect(await deliver(o, events)).toEqual({ accepted: events.map((e) => e.eventId), duplicates: [], rejected: [] });
      // The same request again (a lost answer): all duplicates, nothing doubled.
      expect(await deliver(o, events)).toEqual({ accepted: [], duplicates: events.map((e) => e.eventId), rejected: [] });
      // The hand-made request gets the same signed answer.
      const raw = await sendEvents(o, events.slice(0, 1));
      expect({ status: raw.status, signed: raw.signed }).toEqual({ status: 200, signed: true });
    }
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM recruitment_candidacies')).at(0)?.n).toBe(12);

    const bbr = office('BBR');
    const reused = { ...candidacyEvent(bbr, 0), eventId: randomUUID() };
    const conflict = { ...candidacyEvent(bbr, 1), eventId: (await db.query<{ id: string }>('SELECT event_id::text AS id FROM recruitment_events LIMIT 1'))[0]?.id as string };
    const unknownVacancy = { ...candidacyEvent(bbr, 2), eventId: randomUUID(), candidacyId: randomUUID(), vacancyId: 'NO-SUCH-VAC' };
    const mixed = await deliver(bbr, [reused, conflict, unknownVacancy]);
    expect(mixed.accepted).toEqual([]);
    expect(mixed.rejected.map((r) => r.code)).toEqual(['EVENT_CONFLICT', 'EVENT_CONFLICT', 'VACANCY_UNKNOWN']);

    const tampered = await sendEvents(bbr, [candidacyEvent(bbr, 3)], { body: JSON.stringify({ events: [] }) });
    expect(tampered.status).toBe(400);
    const forged = await sendEvents(bbr, [candidacyEvent(bbr, 3)], { signWith: office('CHR').identity });
    expect(forged.status).toBe(401);
  });

  it('lists candidates across offices for staff and exports them for the employer without what the employer must not see', async () => {
    const list = await staff('GET', `/api/v1/recruitment/candidates?vacancyId=${VACANCY}`);
    const candidates = list.json().candidates as Array<Record<string, unknown>>;
    expect(candidates).toHaveLength(12);
    expect(new Set(candidates.map((c) => c.officeCode))).toEqual(new Set(['BBR', 'CHR']));
    expect(candidates.every((c) => c.occupationMatches === true && c.meetsMinimumAge === true)).toBe(true);
    expect((await staff('GET', `/api/v1/recruitment/candidates?vacancyId=${VACANCY}&office=CHR`)).json().candidates).toHaveLength(6);

    const csv = await staff('GET', `/api/v1/recruitment/candidates.csv?vacancyId=${VACANCY}`);
    expect(csv.status).toBe(200);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('reference,vacancy,surname,given_names,office,status,status_date,registered_occupation_isco,meets_minimum_age');
    expect(lines).toHaveLength(13);
    expect(csv.text).toContain('BBRSURNAME0');
    for (const hidden of ['1995-05-05', ',F,', ',M,', 'ZWE', ...office('BBR').registrations]) expect(csv.text).not.toContain(hidden);
  });

  it('records outcomes, flags a contract that pays less than advertised and holds the departure until the flags are reviewed', async () => {
    const all = [...office('BBR').candidacies, ...office('CHR').candidacies];
    for (const id of all) {
      expect((await staff('POST', `/api/v1/recruitment/candidacies/${id}/outcome`, { status: 'shortlisted', on: TODAY })).status).toBe(200);
    }
    for (const id of all) {
      const r = await staff('POST', `/api/v1/recruitment/candidacies/${id}/outcome`, { status: 'selected', on: TODAY });
      expect(r.status, r.text).toBe(200);
    }
    const v = (await staff('GET', '/api/v1/admin/recruitment/vacancies')).json().vacancies as Array<Record<string, unknown>>;
    expect(v.find((x) => x.vacancy_id === VACANCY)).toMatchObject({ status: 'filled', places_left: 0 });

    const substituted = office('BBR').candidacies[0] as string;
    const contract = await staff('POST', `/api/v1/recruitment/candidacies/${substituted}/contract`, {
      on: TODAY,
      contract: { ...pick(vacancy), wage_zar_cents: 2_500 },
    });
    expect(contract.status, contract.text).toBe(200);
    expect(contract.json().flags).toEqual(['wage_lower']);
    const honest = office('CHR').candidacies[0] as string;
    expect((await staff('POST', `/api/v1/recruitment/candidacies/${honest}/contract`, { on: TODAY, contract: pick(vacancy) })).json().flags).toEqual([]);

    expect((await staff('POST', `/api/v1/recruitment/candidacies/${substituted}/orientation`, { on: TODAY })).status).toBe(200);
    const held = await staff('POST', `/api/v1/recruitment/candidacies/${substituted}/departure`, { on: TODAY });
    expect(held.status).toBe(409);
    expect(held.json().message).toMatch(/wage_lower/);
    expect((await staff('POST', `/api/v1/recruitment/candidacies/${substituted}/departure`, { on: TODAY, flagsReviewed: true })).status).toBe(200);
    const noContract = await staff('POST', `/api/v1/recruitment/candidacies/${office('CHR').candidacies[1]}/departure`, { on: TODAY });
    expect(noContract.status).toBe(409);

    const history = (await staff('GET', `/api/v1/recruitment/candidacies/${substituted}/audit`)).json().audit as Array<{ action: string; actor: string }>;
    expect(history.map((h) => h.action)).toEqual(['candidacy', 'outcome', 'outcome', 'contract', 'orientation', 'departure']);
    expect(history[0]?.actor).toBe(`device:${office('BBR').identity.deviceId}/officer:bbr-officer-1`);
    expect(history[1]?.actor).toBe('admin-token');
  });

  it('sends each office the outcomes of its own candidates only, and the filled vacancy to both', async () => {
    for (const o of offices) {
      expect((await o.sync.pullOnce()).complete).toBe(true);
      const rows = o.fx.db.prepare('SELECT candidacy_id, office_code, status, contract_flags, contract_recorded, departure_on FROM ref_recruitment_outcomes ORDER BY candidacy_id').all() as Array<Record<string, unknown>>;
      expect(rows.map((r) => r.candidacy_id).sort()).toEqual([...o.candidacies].sort());
      expect(rows.every((r) => r.office_code === o.code && r.status === 'selected')).toBe(true);
      expect(o.fx.db.prepare('SELECT status, places_left FROM ref_vacancies WHERE vacancy_id = ?').get(VACANCY)).toEqual({ status: 'filled', places_left: 0 });
    }
    const flagged = office('BBR').fx.db.prepare('SELECT contract_flags, contract_recorded, departure_on FROM ref_recruitment_outcomes WHERE candidacy_id = ?').get(office('BBR').candidacies[0]);
    expect(flagged).toEqual({ contract_flags: '["wage_lower"]', contract_recorded: 1, departure_on: TODAY });
  });

  it('puts the reported fees in the SDG 10.7.1 figure, converted at the rate of the payment date, and lists the recruiter payment for follow-up', async () => {
    expect((await staff('PUT', '/api/v1/recruitment/exchange-rates', { rates: [{ currency: 'USD', validFrom: `${YEAR}-01-01`, zarPerUnit: USD_RATE, source: 'SARB mid-rate (test)' }] })).status).toBe(200);
    const bbr = office('BBR');
    const cost = (i: number, amountMinor: number, currency: string, paidTo: 'recruiter' | 'transport' | 'documents'): RecruitmentEvent => ({
      kind: 'cost-report',
      eventId: randomUUID(),
      registrationId: bbr.registrations[i] as string,
      vacancyId: VACANCY,
      amountMinor,
      currency,
      paidTo,
      purpose: paidTo === 'recruiter' ? 'recruitment_fee' : paidTo === 'transport' ? 'travel' : 'passport_or_permit',
      paidOn: `${YEAR}-10-20`,
      recordedAt: new Date().toISOString(),
      officerId: 'bbr-officer-1',
    });
    // Five Beitbridge workers paid: one a recruiter USD 150, four a transport or document fee in rand.
    const reports = [cost(0, 15_000, 'USD', 'recruiter'), cost(1, 35_000, 'ZAR', 'transport'), cost(2, 35_000, 'ZAR', 'transport'), cost(3, 20_000, 'ZAR', 'documents'), cost(4, 20_000, 'ZAR', 'documents')];
    expect((await deliver(bbr, reports)).accepted).toHaveLength(5);

    const cases = (await staff('GET', '/api/v1/recruitment/protection-cases?open=true')).json().cases as Array<Record<string, unknown>>;
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ registrationId: bbr.registrations[0], paidTo: 'recruiter', amountMinor: 15_000, currency: 'USD', officeCode: 'BBR' });

    // Independently: worker 0's income is the contract's (R 25.00 an hour), the others' the vacancy's.
    const costsZarCents = [15_000 * Number(USD_RATE), 35_000, 35_000, 20_000, 20_000];
    const ratios = Array.from({ length: 12 }, (_, i) => (i < 5 ? (costsZarCents[i] as number) : 0) / (i === 0 ? monthly(2_500) : monthly(HOURLY_CENTS)));
    const expected = Math.round((ratios.reduce((a, b) => a + b, 0) / 12) * 10_000) / 10_000;

    const all = await stats(`year=${YEAR}`);
    expect(all.status, all.text).toBe(200);
    expect((await staff('GET', `/api/v1/recruitment/stats?year=${YEAR}`)).status).toBe(401);
    const s = all.json() as { sdg10_7_1: { cells: Array<Record<string, unknown>>; excluded: unknown }; contracts: Record<string, unknown>; vacancies: Array<Record<string, unknown>>; timeToSelection: Record<string, unknown> };
    expect(s.sdg10_7_1.excluded).toEqual({ noRate: 0, noWage: 0 });
    expect(s.sdg10_7_1.cells).toEqual([{ keys: {}, workers: 12, workersWhoPaid: 5, indicator: expected, suppressed: false }]);
    expect(expected).toBeGreaterThan(0.02);
    expect(s.sdg10_7_1.excluded).toEqual({ noRate: 0, noWage: 0 });
    expect(s.contracts).toMatchObject({ recorded: 2, flagged: 1, byFlag: [{ flag: 'wage_lower', contracts: 1 }] });
    expect(s.vacancies.find((r) => r.occupation === '9211' && r.district === 'Mopani')).toMatchObject({ filled: 1, open: 1, positions: 24 });
    expect(s.timeToSelection).toMatchObject({ selections: 12, suppressed: false });

    // By office: Beitbridge has 5 payers and 1 non-payer — the 1 is a small cell, so its figure is hidden.
    const byOffice = (await stats(`year=${YEAR}&groupBy=office`)).json() as { sdg10_7_1: { cells: Array<{ keys: { office: string }; indicator: number | null; suppressed: boolean }> } };
    expect(byOffice.sdg10_7_1.cells.find((c) => c.keys.office === 'BBR')).toMatchObject({ indicator: null, suppressed: true });
  });

  it('closes the vacancy on every appliance when the employer is suspended', async () => {
    const suspended = await staff('PUT', `/api/v1/admin/recruitment/employers/${EMPLOYER}`, employerRow('suspended'));
    expect(suspended.status).toBe(200);
    for (const o of offices) {
      expect((await o.sync.pullOnce()).complete).toBe(true);
      const row = o.fx.db.prepare("SELECT status, flags FROM ref_vacancies WHERE vacancy_id = 'VAC-LP-PAYS'").get();
      expect(row).toEqual({ status: 'closed', flags: '["worker_pays_recruitment","worker_pays_travel","employer_suspended"]' });
      expect(o.fx.db.prepare('SELECT compliance_status FROM ref_employers WHERE employer_id = ?').get(EMPLOYER)).toEqual({ compliance_status: 'suspended' });
    }
  });
});

function pick(v: typeof vacancy) {
  return {
    wage_zar_cents: v.wage_zar_cents,
    wage_period: v.wage_period,
    hours_per_week: v.hours_per_week,
    days_per_week: v.days_per_week,
    contract_months: v.contract_months,
    accommodation: v.accommodation,
    transport: v.transport,
    recruitment_cost_payer: v.recruitment_cost_payer,
    travel_cost_payer: v.travel_cost_payer,
  };
}
