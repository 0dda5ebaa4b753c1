/**
 * The counter's rules on the server (issue #14), through the HTTP API (fastify inject) over a real store file:
 * another person's document, the supervisor's approval of minors / expired / specimen / unknown-state documents,
 * the supervisor's queue, autosave and resume, returning migrants, the one migrant language, drafts.
 * Every rule: its refusal, its approval path, and its audit row committed with the change.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import { generateMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { build } from '../app.ts';
import { TEST_AUTH, addOfficer, signInInject } from '../auth/test-support.ts';
import { ScanCache } from '../devices/scan-cache.ts';
import { EventBus } from '../events/event-bus.ts';
import { registrationNumber } from '../printing/receipt-facts.ts';
import { seedLocalReferenceIfEmpty } from '../registrations-details/local-reference-seed.ts';
import { APPROVAL_HEADER } from '../registrations-details/supervisor-approvals.ts';
import { Value } from '@sinclair/typebox/value';
import { ChipRepository } from '../chip/chip-repository.ts';
import { DEFAULT_CHIP_APPROVAL } from '../chip/chip-rules.ts';
import type { ChipPaOutcome, ChipResult } from '../chip/chip-types.ts';
import { loadOrCreateDataKey } from '../crypto/data-key.ts';
import { RegistrationRulesConfig } from '../registrations/registration-rules-config.ts';
import { DEFAULT_REGISTRATION_RULES, type RegistrationRules } from '../registrations/registration-rules.ts';
import type { Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';
import { completeDetailsBody } from '../registrations-details/test-support.ts';

const START = new Date('2026-11-23T10:00:00Z');
type Mrz = Parameters<typeof generateMrz>[0];
const mrz = (over: Partial<Mrz> = {}) =>
  generateMrz({
    format: 'TD3', documentCode: 'P', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FN123456',
    surname: 'MOYO', givenNames: 'TENDAI', sex: 'M', birthDate: '950314', expiryDate: '300101', ...over,
  } as Mrz);
const ADULT = mrz();
const OTHER_PERSON = mrz({ documentNumber: 'EN998877', surname: 'NCUBE', givenNames: 'SIPHO', birthDate: '880101' });
const MINOR = mrz({ documentNumber: 'FN555001', birthDate: '110501' }); // 15 on 2026-11-23
const EXPIRED = mrz({ documentNumber: 'FN555002', expiryDate: '250101' });
const SPECIMEN = mrz({ documentNumber: 'L898902C3', issuingState: 'UTO', nationality: 'UTO', surname: 'ERIKSSON', givenNames: 'ANNA MARIA', birthDate: '740812' });

const DESK_OFFICER = { officerId: 'BBR-020', pin: '582639' };
const SUPERVISOR = { officerId: 'BBR-017', pin: '482915' }; // TEST_AUTH's seeded supervisor
const OTHER_SUPERVISOR = { officerId: 'BBR-030', pin: '739164' };

const detailsBody = (over: Record<string, unknown> = {}) => completeDetailsBody('nd', over);

type Who = 'officer' | 'supervisor' | 'otherSupervisor';
interface Harness {
  app: FastifyInstance;
  store: Store;
  dataDir: string;
  inject(opts: InjectOptions, who?: Who): Promise<LightMyRequestResponse>;
  /** Moves the clock (sessions end after idle time: everyone signs in again). */
  advance(to: Date): Promise<void>;
  close(): Promise<void>;
}

async function harness(rules?: RegistrationRules): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'counter-'));
  const clock = { now: START };
  const now = () => clock.now;
  const store = openApplianceStore({ dataDir, now });
  seedLocalReferenceIfEmpty(store.connection, createLogger('test'), { now: START });
  const app = await build({ store, bus: new EventBus(), scans: new ScanCache(), officeCode: 'BBR', now, auth: TEST_AUTH, ...(rules ? { registrationRules: rules } : {}) });
  const path = store.health().path;
  await addOfficer(path, DESK_OFFICER, 'officer', 'Desk Officer');
  await addOfficer(path, OTHER_SUPERVISOR, 'supervisor', 'Second Supervisor');
  const signIn = async (): Promise<Record<Who, string>> => ({
    officer: await signInInject(app, DESK_OFFICER),
    supervisor: await signInInject(app, SUPERVISOR),
    otherSupervisor: await signInInject(app, OTHER_SUPERVISOR),
  });
  let cookies = await signIn();
  return {
    app,
    store,
    dataDir,
    inject: (opts, who = 'officer') => app.inject({ ...opts, headers: { ...opts.headers, cookie: cookies[who] } }),
    async advance(to) {
      clock.now = to;
      cookies = await signIn();
    },
    async close() {
      await app.close();
      store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('the counter rules on the server (inject, real store)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => h.close());

  const create = async (): Promise<string> => (await h.inject({ method: 'POST', url: '/api/registrations', payload: {} })).json().id as string;
  const attach = (id: string, lines: string[], extra: Record<string, unknown> = {}) =>
    h.inject({ method: 'PUT', url: `/api/registrations/${id}/document`, payload: { lines, ...extra } });
  const saveDetails = (id: string, over: Record<string, unknown> = {}) =>
    h.inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: detailsBody(over) });
  const finalize = (id: string, headers: Record<string, string> = {}) => h.inject({ method: 'POST', url: `/api/registrations/${id}/finalize`, headers });
  const token = async (id: string, creds = SUPERVISOR) => {
    const res = await h.inject({ method: 'POST', url: '/api/auth/supervisor-approval', payload: { ...creds, registrationId: id } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().token as string;
  };
  const actions = (id: string) => h.store.audit.forEntity('registration', id).map((a) => a.action);
  /** A draft with `lines`, details and consent: everything but the rules. */
  const ready = async (lines: string[]) => {
    const id = await create();
    expect((await attach(id, lines)).statusCode).toBe(200);
    const saved = await saveDetails(id);
    expect(saved.statusCode, saved.body).toBe(200);
    return id;
  };

  describe("another person's document", () => {
    it('is refused with DOCUMENT_PERSON_CHANGED once details and consent are attached, and nothing changes', async () => {
      const id = await ready(ADULT);
      const before = actions(id).length;
      const res = await attach(id, OTHER_PERSON);
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json()).toMatchObject({ code: 'DOCUMENT_PERSON_CHANGED', attached: ['details', 'consent'] });
      const reg = (await h.inject({ method: 'GET', url: `/api/registrations/${id}` })).json();
      expect(reg.document.documentNumber).toBe('FN123456');
      expect(reg.displayName).toBe('MOYO, TENDAI');
      expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}/details` })).statusCode).toBe(200);
      expect(actions(id)).toHaveLength(before); // no audit row for a refusal that changed nothing
    });

    it('clears details, consent and prints when the officer confirms (replacePerson), audited in the same transaction', async () => {
      const id = await ready(ADULT);
      h.store.connection
        .prepare(`INSERT INTO fingerprints (registration_id, finger, status, quality, attempts, exception_reason, approved_by, recorded_by, recorded_at)
                  VALUES (?, 'right-thumb', 'exception', NULL, 3, 'bandaged', 'BBR-017', 'BBR-020', ?)`)
        .run(id, START.toISOString());
      const refused = await attach(id, OTHER_PERSON);
      expect(refused.json().attached).toEqual(['details', 'consent', 'fingerprints']);
      const res = await attach(id, OTHER_PERSON, { replacePerson: true });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().registration).toMatchObject({ displayName: 'NCUBE, SIPHO', approval: null });
      expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}/details` })).statusCode).toBe(404);
      expect(h.store.connection.prepare('SELECT count(*) FROM fingerprints WHERE registration_id = ?').pluck().get(id)).toBe(0);
      // The clearing and the new document are one transaction: their audit rows are adjacent, in that order.
      const rows = h.store.audit.forEntity('registration', id);
      const replaced = rows.findIndex((a) => a.action === 'registration.person_replaced');
      expect(rows[replaced]?.details).toEqual({ cleared: ['details', 'consent', 'fingerprints'] });
      expect(rows[replaced + 1]?.action).toBe('registration.document_attached');
      expect(rows[replaced]?.at).toBe(rows[replaced + 1]?.at);
      expect(h.store.audit.verify().ok).toBe(true);
      // And the new person cannot be finalized with the first one's consent: there is none.
      expect((await finalize(id)).json()).toMatchObject({ code: 'REGISTRATION_INCOMPLETE' });
    });

    it('lets a rescan of the same person through and keeps what was recorded', async () => {
      const id = await ready(ADULT);
      const res = await attach(id, ADULT);
      expect(res.statusCode, res.body).toBe(200);
      expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}/details` })).statusCode).toBe(200);
    });

    it('is no question on a draft that holds nothing yet', async () => {
      const id = await create();
      expect((await attach(id, ADULT)).statusCode).toBe(200);
      expect((await attach(id, OTHER_PERSON)).statusCode).toBe(200);
    });
  });

  describe("supervisor's approval before finalizing", () => {
    it('refuses a 15-year-old without approval; review shows the age and the warning; the token approves and finalizes in one transaction', async () => {
      const id = await ready(MINOR);
      const refused = await finalize(id);
      expect(refused.statusCode, refused.body).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'SUPERVISOR_APPROVAL_REQUIRED', warnings: ['HOLDER_UNDER_18'] });
      expect(actions(id)).not.toContain('registration.finalized');

      const review = (await h.inject({ method: 'GET', url: `/api/registrations/${id}/review` })).json();
      expect(review).toMatchObject({ age: 15, minimumAge: 18, approvalRequired: true, ready: false, approval: null, missing: [] });
      expect(review.warnings).toContainEqual(expect.objectContaining({ code: 'HOLDER_UNDER_18', blocking: true }));

      const ok = await finalize(id, { [APPROVAL_HEADER]: await token(id) });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ status: 'finalized', approval: { supervisorId: 'BBR-017', warnings: ['HOLDER_UNDER_18'] } });
      const rows = h.store.audit.forEntity('registration', id);
      const approved = rows.findIndex((a) => a.action === 'registration.approved');
      expect(rows[approved]).toMatchObject({ actor: 'BBR-017', details: { officerId: 'BBR-020', warnings: ['HOLDER_UNDER_18'], age: 15 } });
      expect(rows[approved + 1]).toMatchObject({ action: 'registration.finalized', at: rows[approved]?.at });
      // The central learns who approved it: the record queued with the finalize carries the approval.
      const record = h.store.outbox.pending(10).find((e) => e.registrationId === id)?.payload as { registration: Record<string, unknown> };
      expect(record.registration.approval).toEqual({ supervisorId: 'BBR-017', at: START.toISOString(), warnings: ['HOLDER_UNDER_18'] });
    });

    it('refuses an expired passport and the UTO specimen; a supervisor approves from the queue; the approval is void after a new document', async () => {
      const expired = await ready(EXPIRED);
      const specimen = await ready(SPECIMEN);
      expect((await finalize(expired)).json()).toMatchObject({ code: 'SUPERVISOR_APPROVAL_REQUIRED', warnings: ['DOCUMENT_EXPIRED'] });
      expect((await finalize(specimen)).json()).toMatchObject({ code: 'SUPERVISOR_APPROVAL_REQUIRED', warnings: ['SPECIMEN_DOCUMENT'] });

      expect((await h.inject({ method: 'GET', url: '/api/approvals/pending' })).statusCode).toBe(403); // an officer has no queue
      const queue = (await h.inject({ method: 'GET', url: '/api/approvals/pending' }, 'supervisor')).json();
      expect(queue.items.map((i: { registration: { id: string } }) => i.registration.id)).toEqual([expired, specimen]);
      expect(queue.items[0]).toMatchObject({ registration: { registrationNumber: registrationNumber('BBR', expired) }, warnings: [{ code: 'DOCUMENT_EXPIRED', blocking: true }] });

      // An officer cannot approve without a supervisor; a supervisor from their own session can.
      expect((await h.inject({ method: 'POST', url: `/api/registrations/${expired}/approval` })).json()).toMatchObject({ code: 'AUTH_FORBIDDEN' });
      const approved = await h.inject({ method: 'POST', url: `/api/registrations/${expired}/approval` }, 'supervisor');
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json()).toMatchObject({ approvalRequired: false, ready: true, approval: { supervisorId: 'BBR-017' } });
      expect((await h.inject({ method: 'GET', url: '/api/approvals/pending' }, 'supervisor')).json().items).toHaveLength(1);

      // A new document voids it (it approved what it saw), audited.
      expect((await attach(expired, EXPIRED)).statusCode).toBe(200);
      expect(actions(expired)).toContain('registration.approval_voided');
      expect((await finalize(expired)).json()).toMatchObject({ code: 'SUPERVISOR_APPROVAL_REQUIRED' });
      await h.inject({ method: 'POST', url: `/api/registrations/${expired}/approval` }, 'supervisor');
      expect((await finalize(expired)).statusCode).toBe(200);

      const byOther = await h.inject({ method: 'POST', url: `/api/registrations/${specimen}/approval`, headers: { [APPROVAL_HEADER]: await token(specimen, OTHER_SUPERVISOR) } });
      expect(byOther.json()).toMatchObject({ approval: { supervisorId: 'BBR-030', warnings: ['SPECIMEN_DOCUMENT'] } });
      expect((await finalize(specimen)).statusCode).toBe(200);
    });

    it('needs no approval for an adult with a valid passport, and says so', async () => {
      const id = await ready(ADULT);
      expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}/review` })).json()).toMatchObject({ age: 31, approvalRequired: false, ready: true });
      expect((await h.inject({ method: 'POST', url: `/api/registrations/${id}/approval` }, 'supervisor')).json()).toMatchObject({ code: 'APPROVAL_NOT_NEEDED' });
      const res = await finalize(id);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().registrationNumber).toBe(registrationNumber('BBR', id));
      const record = h.store.outbox.pending(10).find((e) => e.registrationId === id)?.payload as { registration: Record<string, unknown> };
      expect(Object.keys(record.registration)).toEqual(['id', 'officeCode', 'officerId', 'status', 'createdAt', 'updatedAt', 'finalizedAt', 'version', 'document']);
    });

    it('a supervisor cannot approve a registration they made themselves', async () => {
      const id = (await h.inject({ method: 'POST', url: '/api/registrations', payload: {} }, 'supervisor')).json().id as string;
      await h.inject({ method: 'PUT', url: `/api/registrations/${id}/document`, payload: { lines: MINOR } }, 'supervisor');
      expect((await h.inject({ method: 'POST', url: `/api/registrations/${id}/approval` }, 'supervisor')).json()).toMatchObject({ code: 'AUTH_FORBIDDEN' });
      expect((await h.inject({ method: 'POST', url: `/api/registrations/${id}/approval` }, 'otherSupervisor')).statusCode).toBe(200);
    });
  });

  it('the office sets the minimum age and marks further warnings blocking', async () => {
    await h.close();
    h = await harness({ minimumAge: 16, blockingWarnings: ['INVALID_SEX'], draftExpiryHours: 24 });
    const minor = await ready(MINOR); // 15 < 16 still blocks
    expect((await finalize(minor)).json()).toMatchObject({ warnings: ['HOLDER_UNDER_18'] });
    const sixteen = await ready(mrz({ documentNumber: 'FN555003', birthDate: '100101' }));
    expect((await finalize(sixteen)).statusCode).toBe(200);
  });

  describe('autosave and resume', () => {
    it('saves each field as typed, with the step and field to resume at; the audit names fields, never values', async () => {
      const id = await create();
      await attach(id, ADULT);
      const patch = (body: Record<string, unknown>) => h.inject({ method: 'PATCH', url: `/api/registrations/${id}/details-draft`, payload: body });
      expect((await patch({ fields: { phone: '077 123 4567' }, step: 'details', field: 'phone' })).statusCode).toBe(200);
      expect((await patch({ fields: { nextOfKin: { name: 'Rudo Moyo' } }, field: 'nextOfKin.relationship' })).statusCode).toBe(200);
      expect((await patch({ fields: { nextOfKin: { relationship: 'spouse' } } })).statusCode).toBe(200);
      const bad = await patch({ fields: { education: 'doctorate' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ field: 'fields.education' });

      // A reload: the draft and where the officer was.
      const draft = (await h.inject({ method: 'GET', url: `/api/registrations/${id}/details-draft` })).json();
      expect(draft.fields).toEqual({ phone: '077 123 4567', nextOfKin: { name: 'Rudo Moyo', relationship: 'spouse' } });
      expect(draft.progress).toMatchObject({ step: 'details', field: 'nextOfKin.relationship' });
      expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}` })).json().progress).toMatchObject({ step: 'details' });
      const saved = h.store.audit.forEntity('registration', id).filter((a) => a.action === 'registration.details_draft_saved');
      expect(saved.map((a) => a.details)).toEqual([{ fields: ['phone'] }, { fields: ['nextOfKin.name'] }, { fields: ['nextOfKin.relationship'] }]);
      expect(JSON.stringify(saved)).not.toMatch(/1234567|Rudo/);

      // PUT /details folds the draft in.
      expect((await saveDetails(id)).statusCode).toBe(200);
      expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}/details-draft` })).json().fields).toMatchObject({ phone: '+263771234567', language: 'nd' });
      expect((await h.inject({ method: 'PUT', url: `/api/registrations/${id}/progress`, payload: { step: 'review' } })).json()).toMatchObject({ progress: { step: 'review', field: null } });
    });
  });

  describe('returning migrants', () => {
    it('says when, where and what, and prefills the latest details without consent', async () => {
      const first = await ready(ADULT);
      expect((await finalize(first)).statusCode).toBe(200);
      await h.advance(new Date('2027-03-02T08:00:00Z'));
      const again = await create();
      const res = await attach(again, ADULT);
      expect(res.statusCode, res.body).toBe(200);
      const { returning } = res.json();
      expect(returning.returning).toBe(true);
      expect(returning.previous).toEqual([
        expect.objectContaining({
          id: first,
          registrationNumber: registrationNumber('BBR', first),
          finalizedAt: START.toISOString(),
          officeCode: 'BBR',
          occupationTitle: 'Crop farm labourers',
          employerName: expect.stringMatching(/Mopane Citrus/),
          vacancyTitle: 'Citrus pickers, 2027 season',
          homeDistrictName: 'Beitbridge',
        }),
      ]);
      expect(returning.prefill).not.toHaveProperty('consent');
      const draft = (await h.inject({ method: 'GET', url: `/api/registrations/${again}/details-draft` })).json();
      expect(draft.fields).toMatchObject({ homeDistrict: 'ZW-MS-BEITBRIDGE', occupationIsco: '9211', nextOfKin: { name: 'Rudo Moyo' }, language: 'nd' });
      expect(draft.fields).not.toHaveProperty('consent');
      expect(draft.prefilledFields).toEqual(expect.arrayContaining(['homeDistrict', 'occupationIsco', 'nextOfKin.name']));
      expect(actions(again)).toContain('registration.details_prefilled');
    });
  });

  describe('one migrant language', () => {
    it('is the details language; consent read in another is refused; changing it withdraws consent (audited)', async () => {
      const id = await create();
      await attach(id, ADULT);
      const mixed = await saveDetails(id, { language: 'nd', consent: { given: true, language: 'en', readAt: '2026-11-23T09:58:00Z' } });
      expect(mixed.statusCode).toBe(400);
      expect(mixed.json()).toMatchObject({ code: 'DETAILS_INVALID', field: 'consent.language' });
      expect((await saveDetails(id)).statusCode).toBe(200);
      expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}` })).json().migrantLanguage).toBe('nd');

      const changed = await h.inject({ method: 'PUT', url: `/api/registrations/${id}/language`, payload: { language: 'sn' } });
      expect(changed.json()).toMatchObject({ migrantLanguage: 'sn' });
      expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}/details` })).json()).toMatchObject({ language: 'sn', consent: { given: false, language: 'nd' } });
      expect(actions(id)).toEqual(expect.arrayContaining(['registration.language_set', 'registration.consent_withdrawn']));
      expect((await finalize(id)).json()).toMatchObject({ code: 'REGISTRATION_INCOMPLETE' });
    });
  });

  describe('drafts', () => {
    it('lists open drafts with number, name and step; discard takes a reason (audited) and freezes the draft', async () => {
      const a = await create();
      await attach(a, ADULT);
      await h.inject({ method: 'PUT', url: `/api/registrations/${a}/progress`, payload: { step: 'fingerprints' } });
      const b = await create();
      const drafts = (await h.inject({ method: 'GET', url: '/api/registrations/drafts' })).json().items;
      expect(drafts.map((d: { id: string }) => d.id).sort()).toEqual([a, b].sort());
      expect(drafts.find((d: { id: string }) => d.id === a)).toMatchObject({ displayName: 'MOYO, TENDAI', registrationNumber: registrationNumber('BBR', a), progress: { step: 'fingerprints' } });

      expect((await h.inject({ method: 'POST', url: `/api/registrations/${a}/discard`, payload: {} })).statusCode).toBe(400);
      const res = await h.inject({ method: 'POST', url: `/api/registrations/${a}/discard`, payload: { reason: 'migrant-left', note: 'left the queue' } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().discarded).toMatchObject({ by: 'BBR-020', reason: 'migrant-left', expired: false });
      const audit = h.store.audit.forEntity('registration', a).at(-1);
      expect(audit).toMatchObject({ action: 'registration.discarded', actor: 'BBR-020', details: { reason: 'migrant-left', fromStatus: 'captured' } });
      expect(JSON.stringify(audit)).not.toMatch(/left the queue/);

      expect((await attach(a, ADULT)).json()).toMatchObject({ code: 'REGISTRATION_DISCARDED' });
      expect((await saveDetails(a)).json()).toMatchObject({ code: 'REGISTRATION_DISCARDED' });
      expect((await finalize(a)).json()).toMatchObject({ code: 'REGISTRATION_DISCARDED' });
      expect((await h.inject({ method: 'POST', url: `/api/registrations/${a}/discard`, payload: { reason: 'other' } })).json()).toMatchObject({ code: 'REGISTRATION_DISCARDED' });
      expect((await h.inject({ method: 'GET', url: '/api/registrations/drafts' })).json().items.map((d: { id: string }) => d.id)).toEqual([b]);
      expect((await h.inject({ method: 'GET', url: '/api/registrations' })).json().items.map((d: { id: string }) => d.id)).toEqual([b]);
      expect((await h.inject({ method: 'GET', url: '/api/registrations?includeDiscarded=true' })).json().items).toHaveLength(2);
    });

    it('expires a draft idle for longer than the office allows, audited as the system; a finalized one never', async () => {
      const idle = await create();
      const done = await ready(ADULT);
      expect((await finalize(done)).statusCode).toBe(200);
      await h.advance(new Date(START.getTime() + 23 * 3_600_000));
      const busy = await create();
      expect((await h.inject({ method: 'GET', url: '/api/registrations/drafts' })).json().items).toHaveLength(2);
      await h.advance(new Date(START.getTime() + 24 * 3_600_000 + 60_000));
      const items = (await h.inject({ method: 'GET', url: '/api/registrations/drafts' })).json().items;
      expect(items.map((d: { id: string }) => d.id)).toEqual([busy]);
      const expired = (await h.inject({ method: 'GET', url: `/api/registrations/${idle}` })).json();
      expect(expired.discarded).toMatchObject({ by: 'system', reason: 'expired', expired: true });
      expect(h.store.audit.forEntity('registration', idle).at(-1)).toMatchObject({ action: 'registration.expired', actor: 'system' });
      expect((await h.inject({ method: 'GET', url: `/api/registrations/${done}` })).json()).toMatchObject({ status: 'finalized', discarded: null });
    });
  });
});

describe('chip outcomes and the office policy (issue #18; inject, real store, reads saved by the chip repository)', () => {
  let h: Harness;
  afterEach(async () => h.close());

  /** A chip read as the chip service would save it (no face: the photo plays no part in the rules). */
  const chipRead = (over: Partial<ChipResult>): ChipResult => ({
    status: 'read', code: null, accessControl: 'bac', accessProtocol: 'bac', dg1: { match: true, differingFields: [] },
    passiveAuthentication: { outcome: 'genuine', dataGroups: { DG1: true, DG2: true }, signatureValid: true, issuerKnown: true, signerValidAt: true, signer: 'CN=DS', issuingCountry: 'ZWE' },
    face: null, apduCount: 87, durationMs: 900, readAt: START.toISOString(), ...over,
  });
  const pa = (outcome: ChipPaOutcome) => ({ ...(chipRead({}).passiveAuthentication as NonNullable<ChipResult['passiveAuthentication']>), outcome });
  const readyWithChip = async (lines: string[], result: ChipResult) => {
    const id = (await h.inject({ method: 'POST', url: '/api/registrations', payload: {} })).json().id as string;
    expect((await h.inject({ method: 'PUT', url: `/api/registrations/${id}/document`, payload: { lines } })).statusCode).toBe(200);
    expect((await h.inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: detailsBody() })).statusCode).toBe(200);
    new ChipRepository(h.store, loadOrCreateDataKey(h.dataDir)).save(id, lines, result, null, 'system');
    return id;
  };
  const review = async (id: string) => (await h.inject({ method: 'GET', url: `/api/registrations/${id}/review` })).json();
  const finalize = (id: string) => h.inject({ method: 'POST', url: `/api/registrations/${id}/finalize` });

  it('by default: altered data and a differing chip MRZ need a supervisor; unknown issuer, no CSCA, unreadable and no chip only warn; genuine says nothing', async () => {
    h = await harness();
    const altered = await readyWithChip(ADULT, chipRead({ code: 'CHIP_PA_DATA_ALTERED', passiveAuthentication: pa('data-altered') }));
    const dg1 = await readyWithChip(mrz({ documentNumber: 'FN555101' }), chipRead({ dg1: { match: false, differingFields: ['surname'] } }));
    const warnOnly = [
      await readyWithChip(mrz({ documentNumber: 'FN555102' }), chipRead({ passiveAuthentication: pa('unknown-issuer') })),
      await readyWithChip(mrz({ documentNumber: 'FN555103' }), chipRead({ passiveAuthentication: pa('no-csca') })),
      await readyWithChip(mrz({ documentNumber: 'FN555104' }), chipRead({ status: 'failed', code: 'CHIP_REMOVED', dg1: null, passiveAuthentication: null })),
      await readyWithChip(mrz({ documentNumber: 'FN555105' }), chipRead({ status: 'not-present', code: 'CHIP_NOT_PRESENT', accessControl: null, dg1: null, passiveAuthentication: null })),
    ];
    const genuine = await readyWithChip(mrz({ documentNumber: 'FN555106' }), chipRead({}));

    expect((await finalize(altered)).json()).toMatchObject({ code: 'SUPERVISOR_APPROVAL_REQUIRED', warnings: ['CHIP_DATA_ALTERED'] });
    const dg1Review = await review(dg1);
    expect(dg1Review).toMatchObject({ approvalRequired: true, ready: false });
    expect(dg1Review.warnings).toEqual([expect.objectContaining({ code: 'CHIP_DG1_MISMATCH', field: 'chip', blocking: true, message: expect.stringContaining('(surname)') })]);
    const queue = (await h.inject({ method: 'GET', url: '/api/approvals/pending' }, 'supervisor')).json();
    expect(queue.items.map((i: { registration: { id: string } }) => i.registration.id)).toEqual([altered, dg1]);

    const codes: string[] = [];
    for (const id of warnOnly) {
      const rv = await review(id);
      expect(rv).toMatchObject({ approvalRequired: false, ready: true });
      expect(rv.warnings).toHaveLength(1);
      expect(rv.warnings[0].blocking).toBe(false);
      codes.push(rv.warnings[0].code);
      expect((await finalize(id)).statusCode).toBe(200);
    }
    expect(codes).toEqual(['CHIP_UNKNOWN_ISSUER', 'CHIP_NO_CSCA', 'CHIP_UNREADABLE', 'CHIP_NOT_PRESENT']);
    expect((await review(genuine)).warnings).toEqual([]);

    // The supervisor approves the altered chip; the record carries the approval of that code.
    expect((await h.inject({ method: 'POST', url: `/api/registrations/${altered}/approval` }, 'supervisor')).json()).toMatchObject({ approval: { warnings: ['CHIP_DATA_ALTERED'] } });
    expect((await finalize(altered)).statusCode).toBe(200);
    const record = h.store.outbox.pending(20).find((e) => e.registrationId === altered)?.payload as { registration: Record<string, unknown>; chip?: unknown };
    expect(record.registration.approval).toMatchObject({ warnings: ['CHIP_DATA_ALTERED'] });
    expect(record.chip).toMatchObject({ paOutcome: 'data-altered' });
  });

  it('an approval covers the chip outcome it saw: a later read with another outcome needs a new one', async () => {
    h = await harness();
    const id = await readyWithChip(MINOR, chipRead({ passiveAuthentication: pa('unknown-issuer') }));
    expect((await h.inject({ method: 'POST', url: `/api/registrations/${id}/approval` }, 'supervisor')).json()).toMatchObject({ approval: { warnings: ['HOLDER_UNDER_18'] }, ready: true });
    new ChipRepository(h.store, loadOrCreateDataKey(h.dataDir)).save(id, MINOR, chipRead({ code: 'CHIP_PA_DATA_ALTERED', passiveAuthentication: pa('data-altered') }), null, 'system');
    expect((await finalize(id)).json()).toMatchObject({ code: 'SUPERVISOR_APPROVAL_REQUIRED', warnings: ['HOLDER_UNDER_18', 'CHIP_DATA_ALTERED'] });
  });

  it('the office sets each flag: unknown issuer and signer expired need approval, altered data only warns', async () => {
    h = await harness({ ...DEFAULT_REGISTRATION_RULES, chipApproval: { ...DEFAULT_CHIP_APPROVAL, dataAltered: false, unknownIssuer: true, signerExpired: true } });
    const altered = await readyWithChip(ADULT, chipRead({ passiveAuthentication: pa('data-altered') }));
    const unknown = await readyWithChip(mrz({ documentNumber: 'FN555201' }), chipRead({ passiveAuthentication: pa('unknown-issuer') }));
    const expired = await readyWithChip(mrz({ documentNumber: 'FN555202' }), chipRead({ passiveAuthentication: pa('signer-expired') }));
    expect((await review(altered)).warnings).toEqual([expect.objectContaining({ code: 'CHIP_DATA_ALTERED', blocking: false })]);
    expect((await finalize(altered)).statusCode).toBe(200);
    expect((await finalize(unknown)).json()).toMatchObject({ code: 'SUPERVISOR_APPROVAL_REQUIRED', warnings: ['CHIP_UNKNOWN_ISSUER'] });
    expect((await finalize(expired)).json()).toMatchObject({ code: 'SUPERVISOR_APPROVAL_REQUIRED', warnings: ['CHIP_SIGNER_EXPIRED'] });
  });

  it('the configuration fills the defaults and refuses an unknown flag', () => {
    const filled = Value.Default(RegistrationRulesConfig, {}) as RegistrationRules;
    expect(filled.chipApproval).toEqual(DEFAULT_CHIP_APPROVAL);
    expect(Value.Check(RegistrationRulesConfig, { ...filled, chipApproval: { ...DEFAULT_CHIP_APPROVAL, faceMismatch: true } })).toBe(false);
  });
});
