/**
 * The recruitment routes through the HTTP API (fastify inject) over a real store: every route is for signed-in
 * staff only (401 without a session), bad input is a coded 4xx naming the field (never a 500), the slip and the
 * notice are PDFs, and the routes are in the OpenAPI description.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build } from '../app.ts';
import { TEST_AUTH, signInInject } from '../auth/test-support.ts';
import { ScanCache } from '../devices/scan-cache.ts';
import { EventBus } from '../events/event-bus.ts';
import { registrationSlipPdf } from '../documents/registration-slip.ts';
import { slipRecord } from '../documents/slip-data.ts';
import { DetailsRepository } from '../registrations-details/details-repository.ts';
import { Recruitment } from './index.ts';
import { RecruitmentConfig } from './recruitment-config.ts';
import { NotificationsConfig } from '../notifications/index.ts';
import { Value } from '@sinclair/typebox/value';
import { generateKeyPairSync } from 'node:crypto';
import { type RecruitmentFixture, openRecruitmentFixture } from './test-support.ts';

const NOW = new Date('2026-11-29T09:00:00Z');
let fx: RecruitmentFixture;
let app: FastifyInstance;
let recruitment: Recruitment;
let cookie: string;

beforeEach(async () => {
  fx = openRecruitmentFixture(() => NOW, [
    { vacancy_id: 'V-A', title: 'Citrus pickers', places_left: 14 },
    { vacancy_id: 'V-CLOSED', status: 'closed' },
  ]);
  recruitment = new Recruitment({
    store: fx.store,
    central: { url: '', connectTimeoutMs: 1000, responseTimeoutMs: 1000 },
    recruitment: Value.Default(RecruitmentConfig, {}) as RecruitmentConfig,
    notifications: Value.Default(NotificationsConfig, {}) as NotificationsConfig,
    identity: { deviceId: 'dev-1', privateKey: generateKeyPairSync('ed25519').privateKey },
    trust: { publicKey: null, tlsPem: null },
    officeName: 'Beitbridge LMC',
    now: () => NOW,
  });
  app = await build({ store: fx.store, bus: new EventBus(), scans: new ScanCache(), officeCode: 'BBR', now: () => NOW, auth: TEST_AUTH, recruitment });
  cookie = await signInInject(app);
});
afterEach(async () => {
  await app.close();
  fx.close();
});

const as = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, signedIn = true) =>
  app.inject({ method, url, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}), headers: signedIn ? { cookie } : {} });

describe('recruitment routes', () => {
  it('every recruitment route is declared for signed-in staff and answers 401 without a session', async () => {
    const mine = app.routeAccess.filter((r) => r.url.includes('recruitment') || r.url.includes('vacancy-matches') || r.url.includes('candidacies') || r.url.includes('work-profile'));
    expect(mine.length).toBeGreaterThanOrEqual(11);
    expect(new Set(mine.map((r) => r.access))).toEqual(new Set(['officer']));
    const id = fx.registration();
    for (const r of mine.filter((x) => x.method !== 'HEAD')) {
      const url = r.url.replace(':id', id).replace(':candidacyId', '00000000-0000-4000-8000-000000000000').replace(':status', 'selected');
      const res = await as(r.method as 'GET', url, r.method === 'GET' ? undefined : {}, false);
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });

  it('matches, records interest and a cost; bad input is a coded 4xx with the field', async () => {
    const id = fx.registration();
    const matches = await as('GET', `/api/registrations/${id}/vacancy-matches`);
    expect(matches.statusCode).toBe(200);
    expect(matches.json().matches.map((m: { vacancy: { vacancyId: string }; summary: string }) => [m.vacancy.vacancyId, m.summary])).toEqual([
      ['V-A', 'matches occupation 9211, in preferred province ZA-LP; 14 of 40 places left'],
    ]);
    expect((await as('PUT', `/api/registrations/${id}/work-profile`, { experienceSeasons: 3, skills: ['pruning'], destinationProvinces: ['ZA-LP'] })).json()).toMatchObject({ experienceSeasons: 3, skills: ['pruning'], saved: true });
    const bad = await as('PUT', `/api/registrations/${id}/work-profile`, { experienceSeasons: 3, skills: ['juggling'], destinationProvinces: [] });
    expect(bad.statusCode).toBe(400);
    const closed = await as('POST', `/api/registrations/${id}/candidacies`, { vacancyIds: ['V-A', 'V-CLOSED'] });
    expect(closed.statusCode).toBe(409);
    expect(closed.json()).toMatchObject({ code: 'VACANCY_NOT_OFFERED', vacancyId: 'V-CLOSED', reason: 'not-open' });
    const ok = await as('POST', `/api/registrations/${id}/candidacies`, { vacancyIds: ['V-A'] });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().items[0]).toMatchObject({ vacancyId: 'V-A', status: 'candidate', vacancy: { terms: { wageZarCents: 2750 } } });
    const cost = await as('POST', `/api/registrations/${id}/recruitment-costs`, { amountMinor: 5000, currency: 'USD', paidTo: 'agent', purpose: 'recruitment_fee', paidOn: '2026-11-20' });
    expect(cost.statusCode).toBe(201);
    expect(cost.json()).toMatchObject({ protectionFlag: true, amountMinor: 5000 });
    const future = await as('POST', `/api/registrations/${id}/recruitment-costs`, { amountMinor: 5000, currency: 'USD', paidTo: 'agent', purpose: 'recruitment_fee', paidOn: '2027-01-01' });
    expect(future.json()).toMatchObject({ statusCode: 400, code: 'RECRUITMENT_INVALID', field: 'paidOn' });
    const nonsense = await as('POST', `/api/registrations/${id}/recruitment-costs`, { amountMinor: 'lots' });
    expect(nonsense.statusCode).toBe(400);
    const status = (await as('GET', '/api/recruitment/status')).json();
    expect(status).toMatchObject({ linkState: 'not-configured', outbox: { pending: 2, due: 0 }, notifications: { channel: 'log', queued: 0 } });
  });

  it('a notice is a PDF once the central shortlists; marking it printed is audited', async () => {
    const id = fx.registration();
    const c = (await as('POST', `/api/registrations/${id}/candidacies`, { vacancyIds: ['V-A'] })).json().items[0];
    expect((await as('GET', `/api/recruitment/notices/${c.candidacyId}/shortlisted/notice.pdf`)).statusCode).toBe(404);
    fx.store.connection.prepare(`INSERT INTO ref_recruitment_outcomes VALUES (?, ?, 'V-A', 'BBR', 'shortlisted', '2026-12-01', '[]', 0, NULL, NULL)`).run(c.candidacyId, id);
    recruitment.sweep();
    expect((await as('GET', '/api/recruitment/notices?unprinted=true')).json().items.map((n: { status: string }) => n.status)).toEqual(['shortlisted']);
    const pdf = await as('GET', `/api/recruitment/notices/${c.candidacyId}/shortlisted/notice.pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await as('POST', `/api/recruitment/notices/${c.candidacyId}/shortlisted/printed`, {})).json().slipPrintedAt).toBe(NOW.toISOString());
    expect((await as('GET', '/api/recruitment/notices?unprinted=true')).json().items).toEqual([]);
  });

  it('the routes are in the OpenAPI description', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> };
    for (const p of ['/api/registrations/{id}/vacancy-matches', '/api/registrations/{id}/candidacies', '/api/registrations/{id}/recruitment-costs', '/api/recruitment/status', '/api/recruitment/notices/{candidacyId}/{status}/notice.pdf']) {
      expect(Object.keys(spec.paths)).toContain(p);
    }
  });

  it('the A4 slip lists the jobs asked for with their terms in the migrant’s language', async () => {
    const id = fx.registration();
    await as('POST', `/api/registrations/${id}/candidacies`, { vacancyIds: ['V-A'] });
    const registration = fx.store.registrations.get(id);
    if (!registration) throw new Error('no registration');
    const record = slipRecord(fx.store.connection, registration, new DetailsRepository({ db: fx.store.connection }).recorded(id), () => undefined);
    expect(record.vacancies?.heading).toBe('MABASA AWAKUMBIRA');
    const facts = { registrationId: id, registrationNumber: 'BBR-7F3K-9QXM', name: 'MOYO, TENDAI', nationality: 'ZWE', documentType: 'passport', documentNumberMasked: 'F****456', sex: 'M', birthDate: '1995-03-14', date: '2026-11-29', dateTime: '2026-11-29 11:00', officeCode: 'BBR', officeName: 'Beitbridge', officerId: 'BBR-020', qr: 'ZLMC1;x' };
    const pdf = await registrationSlipPdf(facts, { record, generatedAt: NOW.toISOString(), deviceId: 'dev-1' });
    const dir = mkdtempSync(join(tmpdir(), 'slip-'));
    try {
      writeFileSync(join(dir, 'slip.pdf'), pdf);
      const text = execFileSync('pdftotext', ['-layout', join(dir, 'slip.pdf'), '-'], { encoding: 'utf8' });
      expect(text).toContain('MABASA AWAKUMBIRA (Shona)');
      expect(text).toMatch(/Mubhadharo\s+R27\.50 paawa/);
      expect(text).toContain('Mushandirwi anobhadhara mari yekutsvaga vashandi neyekufamba.');
      if (process.env.SLIP_PNG) execFileSync('pdftoppm', ['-png', '-r', '60', join(dir, 'slip.pdf'), process.env.SLIP_PNG]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
