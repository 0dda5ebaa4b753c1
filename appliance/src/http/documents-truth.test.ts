/**
 * Documents tell the truth (issue #14 items 4, 8, 11): the A4 slip and the daily report say what the registration
 * recorded, read back with pdftotext, and fail when a document calls a recorded field missing; the receipt prints
 * in the migrant's one language; a finalized registration's receipt is reprinted from the queue (audited).
 * The whole app over a real store file, fastify inject.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import { generateMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { build } from '../app.ts';
import { TEST_AUTH, addOfficer, signInInject } from '../auth/test-support.ts';
import { loadOrCreateDataKey } from '../crypto/data-key.ts';
import { ScanCache } from '../devices/scan-cache.ts';
import { EventBus } from '../events/event-bus.ts';
import { TemplateVault } from '../fingerprints/template-vault.ts';
import { PrintingService } from '../printing/printing-service.ts';
import { signerFromKey } from '../printing/receipt-signature.ts';
import { registrationNumber } from '../printing/receipt-facts.ts';
import { seedLocalReferenceIfEmpty } from '../registrations-details/local-reference-seed.ts';
import type { Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';
import { completeDetailsBody } from '../registrations-details/test-support.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
const mrz = (documentNumber: string, birthDate: string, surname = 'MOYO') =>
  generateMrz({
    format: 'TD3', documentCode: 'P', issuingState: 'ZWE', nationality: 'ZWE', documentNumber,
    surname, givenNames: 'TENDAI', sex: 'F', birthDate, expiryDate: '300101',
  });
const DESK_OFFICER = { officerId: 'BBR-020', pin: '582639' };
const SUPERVISOR = { officerId: 'BBR-017', pin: '482915' };
const details = completeDetailsBody('nd', { nextOfKin: { name: 'Rudo Moyo', relationship: 'parent', phone: '+27 82 555 0101' } });

const dir = mkdtempSync(join(tmpdir(), 'documents-truth-'));
const text = (pdf: Buffer, name: string): string => {
  const path = join(dir, `${name}.pdf`);
  writeFileSync(path, pdf);
  // -raw: the content stream order, so a label and its value stay on one line.
  return execFileSync('pdftotext', ['-raw', path, '-']).toString('utf8');
};
/** The text of one report section: from its heading to the next "By …" heading or the footnote. */
const section = (report: string, heading: string): string => {
  const start = report.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const rest = report.slice(start + heading.length);
  const end = rest.search(/\n(By |Job offer presented|First-time or returning|Fingerprints|Supervisor approval|Sex, age and nationality)/);
  return end < 0 ? rest : rest.slice(0, end);
};

describe('documents tell the truth (inject, real store, pdftotext)', () => {
  let store: Store;
  let app: FastifyInstance;
  let printing: PrintingService;
  let vault: TemplateVault;
  let cookies: { officer: string; supervisor: string };
  let minor: string;
  let returning: string;
  const inject = (opts: InjectOptions, who: 'officer' | 'supervisor' = 'officer'): Promise<LightMyRequestResponse> =>
    app.inject({ ...opts, headers: { ...opts.headers, cookie: cookies[who] } });

  const register = async (lines: string[]): Promise<string> => {
    const id = (await inject({ method: 'POST', url: '/api/registrations', payload: {} })).json().id as string;
    expect((await inject({ method: 'PUT', url: `/api/registrations/${id}/document`, payload: { lines } })).statusCode).toBe(200);
    const saved = await inject({ method: 'PUT', url: `/api/registrations/${id}/details`, payload: details });
    expect(saved.statusCode, saved.body).toBe(200);
    return id;
  };
  const finalize = async (id: string) => {
    const res = await inject({ method: 'POST', url: `/api/registrations/${id}/finalize` });
    expect(res.statusCode, res.body).toBe(200);
  };

  beforeAll(async () => {
    store = openApplianceStore({ dataDir: dir, now: () => NOW });
    seedLocalReferenceIfEmpty(store.connection, createLogger('test'), { now: NOW });
    const bus = new EventBus();
    printing = await PrintingService.start({
      store,
      bus,
      signer: signerFromKey('apl-0123456789ab', generateKeyPairSync('ed25519').privateKey),
      printer: { transport: 'none' },
      officeCode: 'BBR',
      officeName: 'Beitbridge Labour Migration Centre',
      now: () => NOW,
    });
    vault = new TemplateVault({ db: store.connection, key: loadOrCreateDataKey(dir), now: () => NOW });
    app = await build({ store, bus, scans: new ScanCache(), officeCode: 'BBR', printing, now: () => NOW, auth: TEST_AUTH });
    await addOfficer(store.health().path, DESK_OFFICER, 'officer', 'Desk Officer');
    cookies = { officer: await signInInject(app, DESK_OFFICER), supervisor: await signInInject(app, SUPERVISOR) };

    // A 15-year-old: one finger captured, one excepted by the supervisor, the registration approved by the supervisor.
    minor = await register(mrz('FN555001', '110501'));
    vault.saveCapture({ registrationId: minor, finger: 'right-index', quality: 87, attempts: 1, templateFormat: 'zfm-r30x', template: Buffer.alloc(512, 1), actor: 'BBR-020' });
    vault.saveException({ registrationId: minor, finger: 'left-thumb', reason: 'bandaged', attempts: 3, approvedBy: 'BBR-017', actor: 'BBR-020' });
    expect((await inject({ method: 'POST', url: `/api/registrations/${minor}/approval` }, 'supervisor')).statusCode).toBe(200);
    await finalize(minor);
    // An adult who came before, and comes back the same day.
    const first = await register(mrz('FN123456', '950314', 'NCUBE'));
    await finalize(first);
    returning = await register(mrz('FN123456', '950314', 'NCUBE'));
    await finalize(returning);
  });
  afterAll(async () => {
    await app.close();
    await printing.stop();
    vault.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the slip shows every recorded field, each finger with its approving supervisor, and the consent in isiNdebele', async () => {
    const res = await inject({ method: 'GET', url: `/api/registrations/${minor}/slip.pdf` });
    expect(res.statusCode, res.body).toBe(200);
    const slip = text(res.rawPayload, 'slip');
    for (const expected of [
      registrationNumber('BBR', minor),
      'Home district Beitbridge (ZW-MS-BEITBRIDGE)',
      'Occupation Crop farm labourers (ISCO 9211)',
      'Mopane Citrus',
      'Citrus pickers, 2027 season (DEMO-VAC-001)',
      'Destination Limpopo (ZA-LP)',
      'Language isiNdebele',
      'Next of kin Rudo Moyo (parent)',
      'Right index finger captured, quality 87/100',
      'Left thumb not taken: bandaged; approved by BBR-017',
      '1 captured, 1 excepted',
      'Supervisor approval',
      'holder under the minimum age',
      'Given in isiNdebele',
      'Ngiyaqinisa ukuthi imininingwane',
    ]) {
      expect(slip, expected).toContain(expected);
    }
    // A document that calls a recorded field missing fails here.
    expect(slip).not.toMatch(/not captured|not yet part|no details are recorded|no fingerprints are recorded|no consent is recorded|not recorded/i);
  });

  it('the daily report breaks down by every recorded field, none of them "not recorded"', async () => {
    const res = await inject({ method: 'GET', url: '/api/reports/daily.pdf?date=2026-11-23' });
    expect(res.statusCode, res.body).toBe(200);
    const report = text(res.rawPayload, 'report');
    expect(report).toContain('Registrations finalized: 3');
    expect(report).not.toMatch(/not captured by the registration form/i);
    const expectations: Array<[string, string]> = [
      ['By district of origin', 'Beitbridge (ZW-MS-BEITBRIDGE) 3'],
      ['By home province', 'Matabeleland South (ZW-MS) 3'],
      ['By intended occupation', 'Crop farm labourers (9211) 3'],
      ['By education', 'secondary-o-level 3'],
      ['By employer', 'Mopane Citrus'],
      ['By vacancy', 'Citrus pickers, 2027 season (DEMO-VAC-001) 3'],
      ['By destination province', 'ZA-LP 3'],
      ['By nationality', 'ZWE 3'],
      ["By the migrant's language", 'isiNdebele 3'],
    ];
    for (const [heading, line] of expectations) {
      const body = section(report, heading);
      expect(body, heading).toContain(line);
      expect(body, heading).not.toContain('not recorded');
    }
    expect(section(report, 'First-time or returning')).toMatch(/first time 2\s+returning 1/);
    expect(section(report, 'Fingerprints')).toMatch(/some excepted 1[\s\S]*none recorded 2/);
    expect(section(report, 'Supervisor approval')).toMatch(/approved by a supervisor 1/);
  });

  it("prints the receipt in the migrant's language and reprints a finalized one from the queue, audited", async () => {
    const receipt = await inject({ method: 'POST', url: `/api/registrations/${returning}/receipt`, payload: {} });
    expect(receipt.json()).toMatchObject({ language: 'nd', copy: false });
    const reprint = await inject({ method: 'POST', url: `/api/registrations/${returning}/reprint` });
    expect(reprint.statusCode, reprint.body).toBe(202);
    expect(reprint.json()).toMatchObject({ language: 'nd', copy: true, registrationId: returning });
    const audit = store.audit.forEntity('registration', returning).at(-1);
    expect(audit).toMatchObject({ action: 'receipt.reprinted', actor: 'BBR-020', details: { jobId: reprint.json().id, copy: true, language: 'nd' } });

    const draft = (await inject({ method: 'POST', url: '/api/registrations', payload: {} })).json().id as string;
    expect((await inject({ method: 'POST', url: `/api/registrations/${draft}/reprint` })).json()).toMatchObject({ statusCode: 409, code: 'REGISTRATION_NOT_FINALIZED' });
  });
});
