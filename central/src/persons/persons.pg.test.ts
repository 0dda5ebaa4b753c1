/**
 * The person index on real PostgreSQL, through the batch route (signed batches, ingest's own transaction): the
 * linking rules, candidate review, corrections as versions, the signed device lookup and offline index, and the
 * audited staff routes.
 */
import { createPublicKey, randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useCentralOnPg } from '../../test/central-on-pg.ts';
import { makeDevice, sendBatch, type TestDevice } from '../../test/fixtures.ts';
import { addStaff, signIn, TEST_AUTH } from '../../test/staff.ts';
import { makeLinkTrust } from '../../../tests/support/link-trust.ts';
import type { BatchRecordInput } from '@lmc/protocol/batch.ts';
import { HEADER_CENTRAL_SIGNATURE, verifyAnswer } from '@lmc/protocol/batch-envelope.ts';
import {
  documentKey,
  indexQuery,
  keyedDocumentHash,
  LOOKUP_INDEX_PATH,
  LOOKUP_PATH,
  type LookupAnswer,
  type LookupIndexPage,
  lookupQuery,
  unpackIndexEntries,
} from '@lmc/protocol/lookup.ts';
import { HEADER_SIGNATURE, signRequest } from '@lmc/protocol/reference-feed.ts';
import { currentNetworkKey } from './network-key.ts';
import { countRegistrations } from '../stats/registration-stats.ts';

const bbr = makeDevice('bbr-01', 'BBR');
const hre = makeDevice('hre-01', 'HRE');
const trust = await makeLinkTrust();
const central = useCentralOnPg({ devices: [bbr.config, hre.config], auth: TEST_AUTH, centralKey: trust.centralKey }, async (db) => {
  // Two occupations for the titles the lookup answers with (not the whole seed: the answer needs no more).
  await db.exec("INSERT INTO ref_occupations (isco_code, title, level, parent_code) VALUES ('9211', 'Crop farm labourers', 4, '921'), ('7112', 'Bricklayers and related workers', 4, '711')");
  await addStaff(db, 'persons-admin', 'admin');
  await addStaff(db, 'persons-auditor', 'auditor');
  await addStaff(db, 'persons-statistician', 'statistician');
});

interface Person {
  surname: string;
  givenNames: string;
  sex: string;
  birthDate: string;
  documentNumber: string;
}

let serial = 0;
/** Letters only (the name key ignores digits): A, B, … Z, BA, BB … */
const letters = (n: number): string => (n < 26 ? '' : letters(Math.floor(n / 26))) + String.fromCharCode(65 + (n % 26));
/** A distinct person each call (names and number unique to the test file). */
function person(over: Partial<Person> = {}): Person {
  serial++;
  return { surname: `MOYO${letters(serial + 26)}`, givenNames: 'TENDAI', sex: 'F', birthDate: '1990-01-01', documentNumber: `FN${String(100000 + serial)}`, ...over };
}

function record(device: TestDevice, p: Person, o: { finalizedAt?: string; version?: number; id?: string; details?: Record<string, unknown> } = {}): BatchRecordInput {
  const id = o.id ?? randomUUID();
  const finalizedAt = o.finalizedAt ?? '2026-10-02T09:00:00+02:00';
  return {
    id,
    officeCode: device.config.officeCode,
    finalizedAt,
    payload: {
      payloadVersion: 1,
      sex: p.sex,
      birthDate: p.birthDate,
      registration: {
        id,
        officeCode: device.config.officeCode,
        officerId: 'officer-1',
        status: 'finalized',
        version: o.version ?? 1,
        finalizedAt,
        document: {
          format: 'TD3',
          documentCode: 'P',
          issuingState: 'ZWE',
          nationality: 'ZWE',
          documentNumber: p.documentNumber,
          surname: p.surname,
          givenNames: p.givenNames,
          sex: p.sex,
          birthDate: p.birthDate,
          valid: true,
          lines: [],
        },
      },
      details: o.details ?? { homeDistrict: 'ZW-MS-BEITBRIDGE', occupationIsco: '9211', employerId: 'DEMO-EMP-001', vacancyId: 'DEMO-VAC-001', destinationProvince: 'ZA-LP', consent: { given: true } },
    },
  };
}

async function send(device: TestDevice, records: BatchRecordInput[]) {
  const { res, json } = await sendBatch(central.app, device, records);
  expect(res.statusCode, res.payload).toBe(200);
  return json();
}

/** One registration of `p` made at `device`'s office and sent in a batch of its own. */
async function registerAt(device: TestDevice, p: Person, o: Parameters<typeof record>[2] = {}): Promise<BatchRecordInput> {
  const r = record(device, p, o);
  await send(device, [r]);
  return r;
}

async function personOf(registrationId: string): Promise<string | undefined> {
  const rows = await central.db.query<{ p: string }>('SELECT person_id::text AS p FROM person_registrations WHERE registration_id = $1::uuid', [registrationId]);
  return rows[0]?.p;
}

const hashOf = async (p: Person) => {
  const key = await currentNetworkKey(central.db);
  return keyedDocumentHash(key.key, documentKey({ documentCode: 'P', issuingState: 'ZWE', documentNumber: p.documentNumber, birthDate: p.birthDate }) as string);
};

/** A signed device GET, its answer checked against the central's key and this very request. */
async function deviceGet<T>(device: TestDevice, path: string, query: string, purpose: 'lookup' | 'lookup-index') {
  const headers = signRequest({ method: 'GET', path, query, deviceId: device.config.deviceId, timestamp: Date.now() }, device.privateKey);
  const res = await central.app.inject({ method: 'GET', url: `${path}?${query}`, headers: { ...headers, 'accept-encoding': 'gzip' } });
  const binding = { purpose, deviceId: device.config.deviceId, requestTag: headers[HEADER_SIGNATURE] ?? '', batchId: '', contentSha256: '' };
  const signed = verifyAnswer(binding, res.statusCode, res.rawPayload, res.headers[HEADER_CENTRAL_SIGNATURE] as string | undefined, createPublicKey(trust.centralKey.publicKeyPem));
  const text = res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.rawPayload).toString('utf8') : res.payload;
  return { res, signed, body: () => JSON.parse(text) as T };
}

describe('linking on ingest', () => {
  it('links two registrations of the same document at two offices to one person; the later one is returning across offices', async () => {
    const p = person();
    const first = await registerAt(hre, p, { finalizedAt: '2026-10-02T09:00:00+02:00' });
    const second = await registerAt(bbr, p, { finalizedAt: '2026-11-20T10:00:00+02:00' });
    const a = await personOf(first.id);
    expect(a).toBeDefined();
    expect(await personOf(second.id)).toBe(a);
    const rows = await central.db.query<{ id: string; r: boolean }>(
      'SELECT registration_id::text AS id, returning_network AS r FROM person_registrations WHERE person_id = $1::uuid ORDER BY finalized_at',
      [a as string],
    );
    expect(rows.map((r) => r.r)).toEqual([false, true]);
  });

  it('counts a late-arriving earlier registration: the registration made later becomes returning, the earlier one is first-time', async () => {
    const p = person();
    const later = await registerAt(bbr, p, { finalizedAt: '2026-11-21T10:00:00+02:00' });
    const earlier = await registerAt(hre, p, { finalizedAt: '2026-09-01T10:00:00+02:00' });
    const r = await central.db.query<{ id: string; r: boolean }>('SELECT registration_id::text AS id, returning_network AS r FROM person_registrations WHERE registration_id = ANY($1::uuid[])', [`{${later.id},${earlier.id}}`]);
    expect(Object.fromEntries(r.map((x) => [x.id, x.r]))).toEqual({ [later.id]: true, [earlier.id]: false });
  });

  it('makes a new passport of a known person (same names, birth date, sex; another number) a pending candidate, never a merge', async () => {
    const p = person();
    const renewed = { ...p, documentNumber: `${p.documentNumber}R` };
    const old = await registerAt(hre, p);
    const fresh = await registerAt(bbr, renewed, { finalizedAt: '2026-11-22T10:00:00+02:00' });
    const a = await personOf(old.id);
    const b = await personOf(fresh.id);
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(b).not.toBe(a);
    const c = await central.db.query<{ status: string; person_id: string; other: string }>(
      'SELECT status, person_id::text AS person_id, other_person_id::text AS other FROM person_link_candidates WHERE other_person_id = $1::uuid',
      [b as string],
    );
    expect(c).toEqual([{ status: 'pending', person_id: a, other: b }]);
    // Not merged: the new passport's registration is first-time until a person accepts the link.
    const r = await central.db.query<{ r: boolean }>('SELECT returning_network AS r FROM person_registrations WHERE registration_id = $1::uuid', [fresh.id]);
    expect(r[0]?.r).toBe(false);
  });

  it('does not make a candidate of a different person with another birth date or sex', async () => {
    const p = person();
    const twin = { ...p, documentNumber: `${p.documentNumber}T`, sex: 'M' };
    const cousin = { ...p, documentNumber: `${p.documentNumber}C`, birthDate: '1991-01-01' };
    await registerAt(hre, p);
    await send(bbr, [record(bbr, twin), record(bbr, cousin)]);
    const n = await central.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM person_link_candidates c JOIN persons p ON p.person_id = c.person_id WHERE p.surname = $1`,
      [p.surname],
    );
    expect(n[0]?.n).toBe(0);
  });

  it('links the same document twice in one batch to one new person', async () => {
    const p = person();
    const a = record(bbr, p);
    const b = record(bbr, p, { finalizedAt: '2026-11-23T10:00:00+02:00' });
    await send(bbr, [a, b]);
    expect(await personOf(a.id)).toBe(await personOf(b.id));
  });

  it('keeps a correction (same registration, higher version) as a new version linked to the original, the first version untouched', async () => {
    const p = person();
    const original = await registerAt(hre, p, { details: { occupationIsco: '9211', destinationProvince: 'ZA-LP' } });
    const corrected = record(hre, p, { id: original.id, version: 2, details: { occupationIsco: '7112', destinationProvince: 'ZA-LP' } });
    const answer = await send(hre, [corrected]);
    expect(answer.conflicts).toEqual([{ id: original.id, reason: 'content_differs' }]);
    const versions = await central.db.query<{ version: number }>('SELECT version FROM registration_versions WHERE registration_id = $1::uuid', [original.id]);
    expect(versions.map((v) => v.version)).toEqual([2]);
    const first = await central.db.query<{ occ: string }>("SELECT payload->'details'->>'occupationIsco' AS occ FROM registrations WHERE id = $1::uuid", [original.id]);
    expect(first[0]?.occ).toBe('9211');
    // A stale resend of version 1 changes nothing.
    await registerAt(hre, p, { id: original.id, version: 1, details: { occupationIsco: '1111' } });
    expect((await central.db.query('SELECT 1 FROM registration_versions WHERE registration_id = $1::uuid', [original.id])).length).toBe(1);
    const { body, signed } = await deviceGet<LookupAnswer>(bbr, LOOKUP_PATH, lookupQuery(await hashOf(p)), 'lookup');
    expect(signed).toBe(true);
    expect(body().registrations[0]).toMatchObject({ registrationId: original.id, status: 'corrected', version: 2, occupationIsco: '7112' });
  });
});

describe('corrections under a new id', () => {
  it('links a registration that names the one it corrects (registration.correctionOf) to the same person, with the link kept', async () => {
    const p = person();
    const original = await registerAt(hre, p);
    const fix = record(hre, p, { finalizedAt: '2026-10-03T09:00:00+02:00' });
    (fix.payload as { registration: Record<string, unknown> }).registration.correctionOf = original.id;
    await send(hre, [fix]);
    const rows = await central.db.query<{ corrects: string | null; p: string }>(
      'SELECT corrects::text AS corrects, person_id::text AS p FROM person_registrations WHERE registration_id = $1::uuid',
      [fix.id],
    );
    expect(rows[0]?.corrects).toBe(original.id);
    expect(rows[0]?.p).toBe(await personOf(original.id));
  });
});

describe('statistics: returning across offices', () => {
  it('counts a migrant seen before at another office as returning, though neither appliance knew; an unlinked registration keeps its appliance flag', async () => {
    const p = person();
    await registerAt(hre, p, { finalizedAt: '2031-03-01T09:00:00+02:00' });
    await registerAt(bbr, p, { finalizedAt: '2031-04-01T09:00:00+02:00' });
    // No document: the index cannot link it; the appliance said returning (seen before at that post).
    const unlinked = record(bbr, person(), { finalizedAt: '2031-05-01T09:00:00+02:00' });
    const reg = (unlinked.payload as { registration: { document: unknown } }).registration;
    reg.document = null;
    unlinked.payload.returning = true;
    await send(bbr, [unlinked]);
    const cells = await countRegistrations(central.db, { groupBy: ['office'], from: '2031-01-01', to: '2031-12-31' });
    expect(cells.map((c) => [c.keys.office, c.count, c.returning])).toEqual([
      ['BBR', 2, 2],
      ['HRE', 1, 0],
    ]);
  });
});

describe('device lookup and offline index', () => {
  it('answers a signed lookup with every office’s registrations and the latest details to prefill, bound to the request', async () => {
    const p = person();
    await registerAt(hre, p, { finalizedAt: '2026-10-02T09:00:00+02:00' });
    const { res, signed, body } = await deviceGet<LookupAnswer>(bbr, LOOKUP_PATH, lookupQuery(await hashOf(p)), 'lookup');
    expect(res.statusCode).toBe(200);
    expect(signed).toBe(true);
    const a = body();
    expect(a.found).toBe(true);
    expect(a.registrations).toHaveLength(1);
    expect(a.registrations[0]).toMatchObject({ officeCode: 'HRE', status: 'finalized', occupationIsco: '9211', employerId: 'DEMO-EMP-001', vacancyId: 'DEMO-VAC-001' });
    expect(a.registrations[0]?.officeName).toMatch(/Harare/);
    expect(a.registrations[0]?.occupationTitle).toBeTruthy();
    expect(a.prefill).toMatchObject({ homeDistrict: 'ZW-MS-BEITBRIDGE', occupationIsco: '9211', destinationProvince: 'ZA-LP' });
    expect(a.prefill).not.toHaveProperty('consent');
    const audit = await central.db.query<{ actor: string; person_id: string }>(
      "SELECT actor, person_id::text AS person_id FROM central_access_audit WHERE action = 'device.lookup' ORDER BY id DESC LIMIT 1",
    );
    expect(audit[0]).toEqual({ actor: 'bbr-01', person_id: a.personId });
  });

  it('answers not-found for an unknown document, and refuses an unsigned or malformed lookup', async () => {
    const unknown = await deviceGet<LookupAnswer>(bbr, LOOKUP_PATH, lookupQuery('0'.repeat(64)), 'lookup');
    expect(unknown.signed).toBe(true);
    expect(unknown.body()).toMatchObject({ found: false, registrations: [], prefill: null });
    const unsigned = await central.app.inject({ method: 'GET', url: `${LOOKUP_PATH}?${lookupQuery('0'.repeat(64))}` });
    expect(unsigned.statusCode).toBe(401);
    const bad = await deviceGet<unknown>(bbr, LOOKUP_PATH, 'k=NOT-A-HASH', 'lookup');
    expect(bad.res.statusCode).toBe(400);
    // A signature made by another device's key for this device id: refused.
    const forged = signRequest({ method: 'GET', path: LOOKUP_PATH, query: lookupQuery('0'.repeat(64)), deviceId: 'bbr-01', timestamp: Date.now() }, hre.privateKey);
    const refused = await central.app.inject({ method: 'GET', url: `${LOOKUP_PATH}?${lookupQuery('0'.repeat(64))}`, headers: forged });
    expect(refused.statusCode).toBe(401);
  });

  it('serves the offline index: keyed hash prefixes, office and day only, no readable name or number', async () => {
    const p = person();
    await registerAt(hre, p, { finalizedAt: '2026-10-02T09:00:00+02:00' });
    const { signed, body, res } = await deviceGet<LookupIndexPage>(bbr, LOOKUP_INDEX_PATH, indexQuery(0, 50_000), 'lookup-index');
    expect(signed).toBe(true);
    const page = body();
    expect(page.complete).toBe(true);
    const entries = unpackIndexEntries(Buffer.from(page.entries, 'base64'), page.offices);
    expect(entries).toHaveLength(page.count);
    const prefix = (await hashOf(p)).slice(0, 16);
    const mine = entries.find((e) => e.hashes.includes(prefix));
    expect(mine?.visits).toEqual([{ officeCode: 'HRE', day: '2026-10-02' }]);
    expect(Buffer.from(page.networkKey, 'base64')).toHaveLength(32);
    const raw = (res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.rawPayload) : res.rawPayload).toString('utf8');
    expect(raw).not.toContain(p.surname);
    expect(raw).not.toContain(p.documentNumber);
    // Up to date: the next pull from toVersion brings nothing.
    const next = await deviceGet<LookupIndexPage>(bbr, LOOKUP_INDEX_PATH, indexQuery(page.toVersion), 'lookup-index');
    expect(next.body().count).toBe(0);
  });
});

describe('staff routes: search, review, access audit', () => {
  it('searches by name or document number for an admin, audits each search, and refuses a statistician', async () => {
    const admin = await signIn(central.app, 'persons-admin');
    const p = person();
    await registerAt(hre, p);
    const byName = await central.app.inject({ method: 'GET', url: `/api/v1/persons/search?q=${p.surname.slice(0, 6).toLowerCase()}`, headers: { cookie: admin } });
    expect(byName.statusCode, byName.payload).toBe(200);
    expect(byName.json().persons.map((x: { surname: string }) => x.surname)).toContain(p.surname);
    const byNumber = await central.app.inject({ method: 'GET', url: `/api/v1/persons/search?q=${p.documentNumber}`, headers: { cookie: admin } });
    const found = byNumber.json().persons as Array<{ personId: string; offices: string[]; documents: Array<{ documentNumber: string }> }>;
    expect(found).toHaveLength(1);
    expect(found[0]?.offices).toEqual(['HRE']);
    const view = await central.app.inject({ method: 'GET', url: `/api/v1/persons/${found[0]?.personId}`, headers: { cookie: admin } });
    expect(view.statusCode).toBe(200);
    expect(view.json().registrations).toHaveLength(1);
    const audited = await central.db.query<{ action: string; actor: string }>(
      "SELECT action, actor FROM central_access_audit WHERE actor = 'persons-admin' AND action IN ('person.search', 'person.view') ORDER BY id DESC LIMIT 3",
    );
    expect(audited.map((a) => a.action)).toEqual(['person.view', 'person.search', 'person.search']);
    const statistician = await signIn(central.app, 'persons-statistician');
    const denied = await central.app.inject({ method: 'GET', url: `/api/v1/persons/search?q=${p.documentNumber}`, headers: { cookie: statistician } });
    expect(denied.statusCode).toBe(403);
    const tooShort = await central.app.inject({ method: 'GET', url: '/api/v1/persons/search?q=a', headers: { cookie: admin } });
    expect(tooShort.statusCode).toBe(400);
  });

  it('accepts a candidate (merge, audited; the lookup by either passport finds both registrations) and rejects another', async () => {
    const admin = await signIn(central.app, 'persons-admin');
    const p = person();
    const renewed = { ...p, documentNumber: `${p.documentNumber}N` };
    await registerAt(hre, p, { finalizedAt: '2026-10-02T09:00:00+02:00' });
    await registerAt(bbr, renewed, { finalizedAt: '2026-11-24T09:00:00+02:00' });
    const list = await central.app.inject({ method: 'GET', url: '/api/v1/persons/candidates', headers: { cookie: admin } });
    const candidate = (list.json().candidates as Array<{ id: number; person: { surname: string } }>).find((c) => c.person.surname === p.surname);
    expect(candidate).toBeDefined();
    const accepted = await central.app.inject({ method: 'POST', url: `/api/v1/persons/candidates/${candidate?.id}/accept`, headers: { cookie: admin }, payload: { note: 'same photo, renewed passport' } });
    expect(accepted.statusCode, accepted.payload).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'accepted', decidedBy: 'persons-admin' });
    const again = await central.app.inject({ method: 'POST', url: `/api/v1/persons/candidates/${candidate?.id}/reject`, headers: { cookie: admin }, payload: {} });
    expect(again.statusCode).toBe(409);
    for (const doc of [p, renewed]) {
      const { body } = await deviceGet<LookupAnswer>(bbr, LOOKUP_PATH, lookupQuery(await hashOf(doc)), 'lookup');
      expect(body().registrations.map((r) => r.officeCode)).toEqual(['BBR', 'HRE']);
    }
    const events = await central.db.query<{ action: string; actor: string }>("SELECT action, actor FROM person_link_events WHERE action = 'candidate.accepted' ORDER BY id DESC LIMIT 1");
    expect(events[0]).toEqual({ action: 'candidate.accepted', actor: 'persons-admin' });

    const q = person();
    await registerAt(hre, q);
    await registerAt(bbr, { ...q, documentNumber: `${q.documentNumber}N` });
    const list2 = await central.app.inject({ method: 'GET', url: '/api/v1/persons/candidates', headers: { cookie: admin } });
    const c2 = (list2.json().candidates as Array<{ id: number; person: { surname: string } }>).find((c) => c.person.surname === q.surname);
    const rejected = await central.app.inject({ method: 'POST', url: `/api/v1/persons/candidates/${c2?.id}/reject`, headers: { cookie: admin }, payload: { note: 'different people' } });
    expect(rejected.json()).toMatchObject({ status: 'rejected' });
    const { body } = await deviceGet<LookupAnswer>(bbr, LOOKUP_PATH, lookupQuery(await hashOf(q)), 'lookup');
    expect(body().registrations.map((r) => r.officeCode)).toEqual(['HRE']);
  });

  it('lets an auditor review the access audit, and not an admin-only route', async () => {
    const auditor = await signIn(central.app, 'persons-auditor');
    const res = await central.app.inject({ method: 'GET', url: '/api/v1/audit/access?action=person.search&limit=5', headers: { cookie: auditor } });
    expect(res.statusCode, res.payload).toBe(200);
    const rows = res.json().rows as Array<{ action: string; actor: string; query: { q?: string } }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.action === 'person.search')).toBe(true);
    const search = await central.app.inject({ method: 'GET', url: '/api/v1/persons/search?q=moyo', headers: { cookie: auditor } });
    expect(search.statusCode).toBe(403);
  });
});
