import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import { generateMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { build } from '../app.ts';
import { TEST_AUTH, addOfficer, signInInject } from '../auth/test-support.ts';
import { encodeJobOffer } from '../barcodes/job-offer.ts';
import { loadOrCreateDataKey } from '../crypto/data-key.ts';
import { ScanCache } from '../devices/scan-cache.ts';
import { EventBus } from '../events/event-bus.ts';
import { FingerprintFeature } from '../fingerprints/fingerprint-feature.ts';
import { FingerprintService } from '../fingerprints/fingerprint-service.ts';
import { TemplateVault } from '../fingerprints/template-vault.ts';
import { seedLocalReferenceIfEmpty } from '../registrations-details/local-reference-seed.ts';
import { APPROVAL_HEADER } from '../registrations-details/supervisor-approvals.ts';
import { openDatabase, type Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';
import { toWireRecord } from '../sync/wire-record.ts';
import { completeDetailsBody } from '../registrations-details/test-support.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
const PASSPORT = generateMrz({
  format: 'TD3', documentCode: 'P', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FN123456',
  surname: 'MOYO', givenNames: 'TENDAI', sex: 'M', birthDate: '950314', expiryDate: '300101',
});
const DESK_OFFICER = { officerId: 'BBR-020', pin: '582639' };
const SUPERVISOR = { officerId: 'BBR-017', pin: '482915' }; // TEST_AUTH's seeded first supervisor

/** A complete, valid body against the shipped seed (central/src/reference/seed). */
const validBody = (over: Record<string, unknown> = {}) => completeDetailsBody('sn', over);

interface Harness {
  app: FastifyInstance;
  store: Store;
  vault: TemplateVault;
  dataDir: string;
  inject(opts: InjectOptions, who?: 'officer' | 'supervisor'): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * A real app over a real store file. `fingerprints`: a fingerprint part with the default plan (right and left
 * index) whose reader is configured but never opened, so prints come into the vault directly (the seam we own).
 */
async function harness(o: { seed: boolean; fingerprints: boolean }): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'details-'));
  const store = openApplianceStore({ dataDir, now: () => NOW });
  const path = store.health().path;
  if (o.seed) seedLocalReferenceIfEmpty(store.connection, createLogger('test'), { now: NOW });
  const bus = new EventBus();
  const vault = new TemplateVault({ db: store.connection, key: loadOrCreateDataKey(dataDir), now: () => NOW });
  const plan = { fingers: ['right-index', 'left-index'] as const, attempts: 3, minQuality: 40, placeTimeoutMs: 1000, liftTimeoutMs: 1000, storeImages: false };
  const feature = new FingerprintFeature({ config: { transport: 'serial', path: '/dev/serial/by-id/usb-not-opened', baudRate: 57600 }, bus });
  const service = new FingerprintService({ device: feature, vault, store, bus, plan: { ...plan, fingers: [...plan.fingers] } });
  const app = await build({
    store, bus, scans: new ScanCache(), officeCode: 'BBR', now: () => NOW, auth: TEST_AUTH,
    ...(o.fingerprints ? { fingerprints: { feature, service } } : {}),
  });
  await addOfficer(path, DESK_OFFICER, 'officer', 'Desk Officer');
  const cookies = { officer: await signInInject(app, DESK_OFFICER), supervisor: await signInInject(app, SUPERVISOR) };
  return {
    app, store, vault, dataDir,
    inject: (opts, who = 'officer') => app.inject({ ...opts, headers: { ...opts.headers, cookie: cookies[who] } }),
    async close() {
      await app.close();
      vault.close();
      store.close();
    },
  };
}

async function captured(h: Harness): Promise<string> {
  const created = await h.inject({ method: 'POST', url: '/api/registrations', payload: {} });
  const { id } = created.json() as { id: string };
  expect((await h.inject({ method: 'PUT', url: `/api/registrations/${id}/document`, payload: { lines: PASSPORT } })).statusCode).toBe(200);
  return id;
}

describe('registration details API (inject)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ seed: true, fingerprints: false });
  });
  afterEach(async () => h.close());

  it('stores valid details normalised, with reference names, and returns them; the audit row holds no personal data', async () => {
    const id = await captured(h);
    expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}/details` })).statusCode).toBe(404);
    const res = await h.inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: validBody() });
    expect(res.statusCode, res.body).toBe(200);
    const stored = res.json();
    expect(stored).toMatchObject({
      registrationId: id,
      version: 1,
      updatedBy: DESK_OFFICER.officerId,
      phone: '+263771234567',
      homeProvinceName: 'Matabeleland South',
      homeDistrictName: 'Beitbridge',
      occupationTitle: 'Crop farm labourers',
      employerName: expect.stringMatching(/Mopane Citrus/),
      vacancyTitle: 'Citrus pickers, 2027 season',
      destinationProvince: 'ZA-LP', // the default, and the vacancy's
      nextOfKin: { name: 'Rudo Moyo', relationship: 'spouse', phone: '+27825550101' },
      consent: { given: true, language: 'sn', readAt: '2026-11-23T09:58:00.000Z', recordedAt: NOW.toISOString() },
    });
    expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}/details` })).json()).toEqual(stored);
    const again = await h.inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: validBody({ phone: null, education: 'primary' }) });
    expect(again.json()).toMatchObject({ version: 2, phone: null, education: 'primary' });
    const audit = h.store.audit.forEntity('registration', id).filter((a) => a.action === 'registration.details_saved');
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toMatch(/771234567|Rudo/);
    expect(h.store.audit.verify().ok).toBe(true);
  });

  it('answers each bad field with 400 naming it', async () => {
    const id = await captured(h);
    const expired = encodeJobOffer({ employerRegistration: 'DEMO-EMP-001', employerName: 'Mopane', position: 'Picker', expires: '2026-01-31' });
    const cases: Array<[string, Record<string, unknown>]> = [
      ['phone', { phone: '12345' }],
      ['phone', { phone: '+263 0771234567' }],
      ['homeProvince', { homeProvince: 'ZW-XX' }],
      ['homeDistrict', { homeDistrict: 'ZW-MS-NOWHERE' }],
      ['homeDistrict', { homeProvince: 'ZW-MA', homeDistrict: 'ZW-MS-BEITBRIDGE' }],
      ['education', { education: 'doctorate' }],
      ['occupationIsco', { occupationIsco: '99x' }],
      ['occupationIsco', { occupationIsco: '9999' }],
      ['employerId', { employerId: 'NO-SUCH-EMPLOYER', vacancyId: null }],
      ['vacancyId', { vacancyId: 'DEMO-VAC-003' }], // DEMO-EMP-002's
      ['vacancyId', { employerId: null }],
      ['destinationProvince', { destinationProvince: 'ZA-GP' }], // the vacancy is in Limpopo
      ['destinationProvince', { destinationProvince: 'Limpopo' }],
      ['jobOfferQr', { jobOfferQr: 'ZLMCJOB1;emp=X' }],
      ['jobOfferQr', { jobOfferQr: expired }],
      ['nextOfKin.name', { nextOfKin: { name: '4', relationship: 'parent' } }],
      ['nextOfKin.relationship', { nextOfKin: { name: 'Rudo Moyo', relationship: 'boss' } }],
      ['nextOfKin.phone', { nextOfKin: { name: 'Rudo Moyo', relationship: 'parent', phone: 'call me' } }],
      ['language', { language: 'fr' }],
      ['consent.readAt', { consent: { given: true, language: 'en', readAt: 'yesterday' } }],
      ['consent.readAt', { consent: { given: true, language: 'en', readAt: '2026-11-24T10:00:00Z' } }],
      ['consent', { consent: { given: 'yes', language: 'en', readAt: '2026-11-23T09:58:00Z' } }],
      ['nickname', { nickname: 'TJ' }],
    ];
    for (const [field, over] of cases) {
      const res = await h.inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: validBody(over) });
      expect(res.statusCode, `${field} ${JSON.stringify(over)}: ${res.body}`).toBe(400);
      expect((res.json() as { message: string }).message, field).toContain(field);
    }
    const missing = validBody();
    delete (missing as Record<string, unknown>).homeDistrict;
    const res = await h.inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: missing });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ message: expect.stringMatching(/homeDistrict/) });
    expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}/details` })).statusCode).toBe(404);
  });

  it('reads a job-offer QR and names its employer when the employer is registered', async () => {
    const id = await captured(h);
    const qr = encodeJobOffer({ employerRegistration: 'DEMO-EMP-004', employerName: 'Soutpansberg Builders', position: 'Bricklayer', expires: '2027-02-28', location: 'Makhado' });
    const res = await h.inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: validBody({ employerId: null, vacancyId: null, occupationIsco: '7112', jobOfferQr: qr }) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      employerId: 'DEMO-EMP-004',
      jobOffer: { employerRegistration: 'DEMO-EMP-004', position: 'Bricklayer', expires: '2027-02-28', location: 'Makhado', employerRegistered: true },
    });
  });

  it('freezes the details once the registration is finalized (409), in the API and in the database', async () => {
    const id = await captured(h);
    await h.inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: validBody() });
    expect((await h.inject({ method: 'POST', url: `/api/registrations/${id}/finalize` })).statusCode).toBe(200);
    const late = await h.inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: validBody({ phone: '0712345678' }) });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'REGISTRATION_FINALIZED' });
    const db = openDatabase(h.store.health().path, h.dataDir, createLogger('test'));
    try {
      expect(() => db.prepare("UPDATE registration_details SET home_district = 'X' WHERE registration_id = ?").run(id)).toThrow(/immutable/);
    } finally {
      db.close();
    }
    expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}/details` })).json()).toMatchObject({ phone: '+263771234567' });
  });

  it('refuses to finalize without details or without consent, and says what is missing', async () => {
    const id = await captured(h);
    const bare = await h.inject({ method: 'POST', url: `/api/registrations/${id}/finalize` });
    expect(bare.statusCode).toBe(409);
    expect(bare.json()).toMatchObject({ code: 'REGISTRATION_INCOMPLETE', message: expect.stringMatching(/details/) });
    await h.inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: validBody({ consent: { given: false, language: 'sn', readAt: '2026-11-23T09:58:00Z' } }) });
    expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}/completeness` })).json()).toEqual({ ready: false, missing: [{ item: 'consent' }] });
    const noConsent = await h.inject({ method: 'POST', url: `/api/registrations/${id}/finalize` });
    expect(noConsent.statusCode).toBe(409);
    expect(noConsent.json()).toMatchObject({ code: 'REGISTRATION_INCOMPLETE', message: expect.stringMatching(/consent/) });
    expect(h.store.outbox.depth()).toBe(0);
  });
});

describe('details without reference data', () => {
  it('accepts any well-formed code while the local reference copy is empty', async () => {
    const h = await harness({ seed: false, fingerprints: false });
    try {
      const id = await captured(h);
      const res = await h.inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: validBody({ homeDistrict: 'ZW-MS-SOMEWHERE', occupationIsco: '9999' }) });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ homeDistrictName: null, occupationTitle: null, employerName: null, vacancyTitle: null });
      const bad = await h.inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: validBody({ homeDistrict: 'not a code!' }) });
      expect(bad.json()).toMatchObject({ statusCode: 400, field: 'homeDistrict' });
    } finally {
      await h.close();
    }
  });
});

describe('finalize with a fingerprint plan, and the supervisor approval modal', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ seed: true, fingerprints: true });
  });
  afterEach(async () => h.close());

  const approval = async (id: string, creds = SUPERVISOR) =>
    h.inject({ method: 'POST', url: '/api/auth/supervisor-approval', payload: { ...creds, registrationId: id } });

  it('needs every finger of the plan captured or excused; a supervisor excuses one on the officer\'s screen', async () => {
    const id = await captured(h);
    await h.inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: validBody() });
    const pending = await h.inject({ method: 'GET', url: `/api/registrations/${id}/completeness` });
    expect(pending.json()).toEqual({
      ready: false,
      missing: [
        { item: 'fingerprint', finger: 'right-index', status: 'pending' },
        { item: 'fingerprint', finger: 'left-index', status: 'pending' },
      ],
    });
    expect((await h.inject({ method: 'POST', url: `/api/registrations/${id}/finalize` })).statusCode).toBe(409);

    // A print below the plan's quality does not count; a good one does.
    const capture = (quality: number) =>
      h.vault.saveCapture({ registrationId: id, finger: 'right-index', quality, attempts: 3, templateFormat: 'zfm-r30x', template: new Uint8Array(512).fill(7), actor: DESK_OFFICER.officerId });
    capture(20);
    expect((await h.inject({ method: 'GET', url: `/api/registrations/${id}/completeness` })).json().missing[0]).toEqual({ item: 'fingerprint', finger: 'right-index', status: 'low-quality' });
    capture(84);

    // The desk officer alone cannot excuse a finger.
    const alone = await h.inject({ method: 'POST', url: `/api/registrations/${id}/fingerprints/exceptions`, payload: { finger: 'left-index', reason: 'bandaged' } });
    expect(alone.statusCode).toBe(403);
    // The supervisor signs on the modal; the officer's session stays the officer's.
    const token = approval(id);
    const issued = await token;
    expect(issued.statusCode, issued.body).toBe(200);
    const { token: t } = issued.json() as { token: string };
    const excused = await h.inject({ method: 'POST', url: `/api/registrations/${id}/fingerprints/exceptions`, payload: { finger: 'left-index', reason: 'bandaged' }, headers: { [APPROVAL_HEADER]: t } });
    expect(excused.statusCode, excused.body).toBe(201);
    expect(excused.json()).toMatchObject({ status: 'exception', exceptionReason: 'bandaged', approvedBy: SUPERVISOR.officerId });
    expect((await h.inject({ method: 'GET', url: '/api/auth/session' })).json()).toMatchObject({ officer: { officerId: DESK_OFFICER.officerId, role: 'officer' } });

    const fin = await h.inject({ method: 'POST', url: `/api/registrations/${id}/finalize` });
    expect(fin.statusCode, fin.body).toBe(200);
    const [event] = h.store.outbox.pending(1);
    const wire = toWireRecord(event!);
    expect(wire.payload).toMatchObject({
      districtOfOrigin: 'ZW-MS-BEITBRIDGE',
      occupationIsco: '9211',
      destinationProvince: 'ZA-LP',
      employerId: 'DEMO-EMP-001',
      returning: false,
      fingerprints: { captured: 1, exceptions: [{ finger: 'left-index', reason: 'bandaged' }] },
      details: { homeDistrict: 'ZW-MS-BEITBRIDGE', consent: { given: true } },
    });
  });

  it('spends an approval once, only for its registration, and only with a supervisor\'s right PIN', async () => {
    const id = await captured(h);
    const other = await captured(h);
    expect((await approval(id, { ...SUPERVISOR, pin: '000000' })).json()).toMatchObject({ statusCode: 401, code: 'AUTH_INVALID_CREDENTIALS' });
    expect((await approval(id, DESK_OFFICER)).json()).toMatchObject({ statusCode: 403, code: 'AUTH_FORBIDDEN' });
    const { token } = (await approval(id)).json() as { token: string };
    const excuse = (reg: string) =>
      h.inject({ method: 'POST', url: `/api/registrations/${reg}/fingerprints/exceptions`, payload: { finger: 'right-index', reason: 'amputated' }, headers: { [APPROVAL_HEADER]: token } });
    expect((await excuse(other)).json()).toMatchObject({ statusCode: 403, code: 'APPROVAL_INVALID' });
    // The failed attempt above spent it: single use, whatever the outcome.
    expect((await excuse(id)).json()).toMatchObject({ statusCode: 403, code: 'APPROVAL_INVALID' });
    const actions = h.store.audit.forEntity('registration', id).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.supervisor-approval-failed', 'auth.supervisor-approval']));
  });

  it('never writes a PIN typed into the supervisor id field into the audit log', async () => {
    const id = await captured(h);
    const res = await approval(id, { officerId: '482915', pin: '482915' });
    expect(res.json()).toMatchObject({ statusCode: 401, code: 'AUTH_INVALID_CREDENTIALS' });
    const rows = h.store.audit.forEntity('registration', id).filter((a) => a.action === 'auth.supervisor-approval-failed');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('482915');
  });
});
