/** Enrolment routes on a real (PGlite) database through build() + inject(). */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type CentralApp } from '../app.ts';
import type { Db } from '../db/db.ts';
import { migrate } from '../db/migrations.ts';
import { createPgliteDb } from '../db/pglite-db.ts';
import { encodeBatch, BATCH_PATH } from '@lmc/protocol/batch.ts';
import { centralKeyFromPrivate } from './central-key.ts';
import { hashCode } from './enrolment-codes.ts';
import {
  DECOMMISSION_PATH,
  ENROLMENT_CODES_PATH,
  ENROLMENT_PATH,
  TIME_PATH,
  decommissionText,
  enrolmentText,
  replacementText,
  signText,
} from '@lmc/protocol/enrolment.ts';

const ADMIN = 'admin-token-0123456789abcdefghijklmn';
let db: Db;
let app: CentralApp;
const centralKey = centralKeyFromPrivate(generateKeyPairSync('ed25519').privateKey);

function identity(deviceId: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { deviceId, privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}
type Identity = ReturnType<typeof identity>;

async function issue(officeCode: string, ttlMinutes?: number) {
  return app.inject({
    method: 'POST',
    url: ENROLMENT_CODES_PATH,
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { officeCode, ...(ttlMinutes ? { ttlMinutes } : {}) },
  });
}

function enrolBody(code: string, id: Identity, replaces?: Identity) {
  return {
    code,
    deviceId: id.deviceId,
    publicKeyPem: id.publicKeyPem,
    signature: signText(id.privateKey, enrolmentText(code, id.deviceId, id.publicKeyPem)),
    ...(replaces
      ? { replaces: { deviceId: replaces.deviceId, signature: signText(replaces.privateKey, replacementText(replaces.deviceId, id.deviceId, id.publicKeyPem)) } }
      : {}),
  };
}

async function batchStatus(id: { deviceId: string; privateKey: KeyObject }) {
  const encoded = encodeBatch(
    [{ id: crypto.randomUUID(), officeCode: 'BBR', finalizedAt: '2025-03-10T09:30:00+02:00', payload: { sex: 'F' } }],
    { deviceId: id.deviceId, privateKey: id.privateKey },
  );
  return (await app.inject({ method: 'POST', url: BATCH_PATH, headers: encoded.headers, payload: encoded.body })).statusCode;
}

beforeAll(async () => {
  db = await createPgliteDb();
  await migrate(db);
  app = build({ db, devices: [], enrolment: { adminToken: ADMIN, centralKey } });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db?.close();
});

describe('central enrolment', () => {
  it('issues a code only to the bearer of the admin token, for a known office, and keeps only its hash', async () => {
    expect((await app.inject({ method: 'POST', url: ENROLMENT_CODES_PATH, payload: { officeCode: 'BBR' } })).json().code).toBe('AUTH_REQUIRED');
    expect((await issue('XYZ')).json()).toMatchObject({ statusCode: 404, code: 'OFFICE_UNKNOWN' });
    const res = await issue('BBR');
    expect(res.statusCode).toBe(201);
    const { code, expiresAt } = res.json() as { code: string; expiresAt: string };
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    const rows = await db.query<{ code_hash: string }>('SELECT code_hash FROM enrolment_codes');
    expect(rows.map((r) => r.code_hash)).toContain(hashCode(code));
    expect(JSON.stringify(rows)).not.toContain(code);
  });

  it('enrols a device once per code, binds it to the office, returns the central key, and its batches are then accepted', async () => {
    const { code } = (await issue('CHR')).json() as { code: string };
    const device = identity('apl-enrol-1');
    expect(await batchStatus(device)).toBe(401);
    const res = await app.inject({ method: 'POST', url: ENROLMENT_PATH, payload: enrolBody(code.toLowerCase(), device) });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      deviceId: 'apl-enrol-1',
      office: { code: 'CHR', name: 'Chiredzi Labour Migration Centre' },
      centralPublicKeyPem: centralKey.publicKeyPem,
      revokedDeviceId: null,
    });
    expect(await batchStatus(device)).toBe(200);
    const again = await app.inject({ method: 'POST', url: ENROLMENT_PATH, payload: enrolBody(code, identity('apl-enrol-2')) });
    expect(again.json()).toMatchObject({ statusCode: 403, code: 'ENROLMENT_CODE_INVALID' });
  });

  it('refuses a wrong code, an expired code, and a signature that does not prove the key without spending the code', async () => {
    const wrong = await app.inject({ method: 'POST', url: ENROLMENT_PATH, payload: enrolBody('AAAA-BBBB-CCCC-DDDD', identity('apl-x')) });
    expect(wrong.json().code).toBe('ENROLMENT_CODE_INVALID');
    const { code } = (await issue('MSV')).json() as { code: string };
    const device = identity('apl-proof');
    const forged = { ...enrolBody(code, device), signature: signText(identity('other').privateKey, enrolmentText(code, device.deviceId, device.publicKeyPem)) };
    expect((await app.inject({ method: 'POST', url: ENROLMENT_PATH, payload: forged })).json().code).toBe('ENROLMENT_PROOF_INVALID');
    expect((await app.inject({ method: 'POST', url: ENROLMENT_PATH, payload: enrolBody(code, device) })).statusCode).toBe(201);
    await db.query("UPDATE enrolment_codes SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL");
    const { code: late } = (await issue('MSV')).json() as { code: string };
    await db.query('UPDATE enrolment_codes SET expires_at = now() - interval \'1 minute\' WHERE code_hash = $1', [hashCode(late)]);
    expect((await app.inject({ method: 'POST', url: ENROLMENT_PATH, payload: enrolBody(late, identity('apl-late')) })).json().code).toBe(
      'ENROLMENT_CODE_INVALID',
    );
  });

  it('re-enrols with a new key signed over by the old one, revoking the old identity', async () => {
    const old = identity('apl-old');
    await app.inject({ method: 'POST', url: ENROLMENT_PATH, payload: enrolBody(((await issue('HRE')).json() as { code: string }).code, old) });
    const fresh = identity('apl-new');
    const { code } = (await issue('HRE')).json() as { code: string };
    const res = await app.inject({ method: 'POST', url: ENROLMENT_PATH, payload: enrolBody(code, fresh, old) });
    expect(res.json()).toMatchObject({ deviceId: 'apl-new', revokedDeviceId: 'apl-old' });
    expect(await batchStatus(old)).toBe(401);
    expect(await batchStatus(fresh)).toBe(200);
    const rows = await db.query('SELECT revoked_reason, replaced_by FROM devices WHERE device_id = $1', ['apl-old']);
    expect(rows).toEqual([{ revoked_reason: 're-enrolled', replaced_by: 'apl-new' }]);
  });

  it('decommissions a device only on a fresh request signed by its own key', async () => {
    const device = identity('apl-decom');
    await app.inject({ method: 'POST', url: ENROLMENT_PATH, payload: enrolBody(((await issue('BBR')).json() as { code: string }).code, device) });
    const at = new Date().toISOString();
    const stale = new Date(Date.now() - 3_600_000).toISOString();
    const send = (payload: object) => app.inject({ method: 'POST', url: DECOMMISSION_PATH, payload });
    expect((await send({ deviceId: device.deviceId, at: stale, signature: signText(device.privateKey, decommissionText(device.deviceId, stale)) })).json().code).toBe(
      'ENROLMENT_REQUEST_EXPIRED',
    );
    // A bad signature and an unknown device get one answer (no oracle for enrolled ids).
    const forged = await send({ deviceId: device.deviceId, at, signature: signText(identity('x').privateKey, decommissionText(device.deviceId, at)) });
    const stranger = identity('apl-never-enrolled');
    const unknown = await send({ deviceId: stranger.deviceId, at, signature: signText(stranger.privateKey, decommissionText(stranger.deviceId, at)) });
    expect([forged.statusCode, forged.json()]).toEqual([401, { statusCode: 401, code: 'DEVICE_AUTH_FAILED', message: 'Device authentication failed' }]);
    expect([unknown.statusCode, unknown.json()]).toEqual([forged.statusCode, forged.json()]);
    const ok = await send({ deviceId: device.deviceId, at, signature: signText(device.privateKey, decommissionText(device.deviceId, at)) });
    expect(ok.statusCode).toBe(200);
    expect(await batchStatus(device)).toBe(401);
  });

  it('answers the time route and refuses a malformed body with a coded 400', async () => {
    const t = (await app.inject({ method: 'GET', url: TIME_PATH })).json() as { now: string };
    expect(Math.abs(Date.parse(t.now) - Date.now())).toBeLessThan(60_000);
    const bad = await app.inject({ method: 'POST', url: ENROLMENT_PATH, payload: { code: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('REQUEST_INVALID');
  });
});
