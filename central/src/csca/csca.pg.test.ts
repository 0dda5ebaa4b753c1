/**
 * The central's CSCA list on real PostgreSQL: an ICAO master list (signature and signer verified) and a PEM
 * bundle uploaded by an admin, each certificate checked (CA, country, expiry warning), stored, audited, listed,
 * and sent to the devices in the signed reference feed; bad files are clear 4xx, non-admins are refused.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCsca, createExpiredCsca, createNonCa, signMasterList, toPem } from '@lmc/firmware-bridge/chip/simulator/sim-pki.ts';
import { makeDevice } from '../../test/fixtures.ts';
import { useCentralOnPg } from '../../test/central-on-pg.ts';
import { addStaff, signIn, TEST_AUTH } from '../../test/staff.ts';
import { ADMIN_TOKEN, pullAll } from '../reference/test-support.ts';
import { ADMIN_CSCA_PATH } from './csca-routes.ts';

const bbr = makeDevice('bbr-01', 'BBR');
const central = useCentralOnPg({ devices: [bbr.config], auth: TEST_AUTH, adminToken: ADMIN_TOKEN }, async (db) => {
  await addStaff(db, 'ada', 'admin');
  await addStaff(db, 'stat', 'statistician');
});

const der = (s: { certificate: { toSchema(): { toBER(): ArrayBuffer } } }) => Buffer.from(s.certificate.toSchema().toBER());
const fingerprint = (s: Parameters<typeof der>[0]) => new X509Certificate(der(s)).fingerprint256.replace(/:/g, '').toLowerCase();

async function upload(body: Buffer | string, o: { cookie?: string; token?: boolean; type?: string; replace?: boolean } = {}) {
  const headers: Record<string, string> = { 'content-type': o.type ?? 'application/octet-stream' };
  if (o.cookie) headers.cookie = o.cookie;
  if (o.token !== false && !o.cookie) headers.authorization = `Bearer ${ADMIN_TOKEN}`;
  return central.app.inject({ method: 'POST', url: `${ADMIN_CSCA_PATH}${o.replace ? '?replace=true' : ''}`, headers, payload: body });
}

describe('POST /api/v1/admin/csca', () => {
  it('takes an ICAO master list signed by a CSCA it lists, stores its certificates, audits the admin, and lists them', async () => {
    const zw = await createCsca('ZW');
    const za = await createCsca('ZA');
    const cookie = await signIn(central.app, 'ada');
    const res = await upload(await signMasterList(zw, [zw.certificate, za.certificate]), { cookie, type: 'application/pkcs7-mime' });
    expect(res.statusCode, res.payload).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ form: 'master-list', accepted: 2, added: 2, unchanged: 0, removed: 0, refused: [], warnings: [] });
    expect(body.masterListSigner).toContain('ZW');
    expect(body.version).toBeGreaterThan(0);

    const stored = await central.db.query<{ fingerprint: string; country: string; der_base64: string }>('SELECT fingerprint, country, der_base64 FROM ref_csca_certificates ORDER BY country');
    expect(stored.map((r) => [r.country, r.fingerprint])).toEqual([['ZA', fingerprint(za)], ['ZW', fingerprint(zw)]]);
    expect(Buffer.from(stored[1]!.der_base64, 'base64')).toEqual(der(zw));
    const audit = await central.db.query<{ actor: string; form: string; added: string[] }>('SELECT actor, form, added FROM csca_uploads WHERE upload_id = $1', [body.uploadId]);
    expect(audit).toEqual([{ actor: 'ada', form: 'master-list', added: expect.arrayContaining([fingerprint(za), fingerprint(zw)]) }]);

    const list = await central.app.inject({ method: 'GET', url: ADMIN_CSCA_PATH, headers: { cookie } });
    expect(list.statusCode).toBe(200);
    expect(list.json().certificates).toEqual(
      expect.arrayContaining([expect.objectContaining({ fingerprint: fingerprint(zw), country: 'ZW', expired: false, subject: expect.stringContaining('CSCA ZW') })]),
    );
    expect(list.json().changes[0]).toMatchObject({ uploadId: body.uploadId, actor: 'ada', action: 'upload', form: 'master-list', added: 2 });

    // Sending the same list again changes nothing and bumps no version.
    const again = (await upload(await signMasterList(zw, [zw.certificate, za.certificate]))).json();
    expect(again).toMatchObject({ added: 0, unchanged: 2, version: body.version });
  });

  it('takes a PEM bundle: non-CA certificates refused, an expired CSCA kept with a warning', async () => {
    const mz = await createCsca('MZ');
    const old = await createExpiredCsca('BW');
    const leaf = await createNonCa('LS');
    const res = await upload(toPem([mz.certificate, old.certificate, leaf.certificate]), { type: 'application/x-pem-file' });
    expect(res.statusCode, res.payload).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ form: 'pem', accepted: 2, added: 2 });
    expect(body.refused).toEqual([expect.objectContaining({ index: 2, reason: expect.stringMatching(/not a CA/) })]);
    expect(body.warnings).toEqual([expect.objectContaining({ index: 1, fingerprint: fingerprint(old), reason: expect.stringMatching(/^expired on/) })]);
    const rows = await central.db.query<{ country: string }>("SELECT country FROM ref_csca_certificates WHERE country IN ('MZ', 'BW', 'LS') ORDER BY country");
    expect(rows.map((r) => r.country)).toEqual(['BW', 'MZ']);
  });

  it('reaches the devices in the signed reference feed, and a withdrawal reaches them as a delete', async () => {
    const na = await createCsca('NA');
    const added = (await upload(toPem([na.certificate]), { type: 'text/plain' })).json();
    const device = { deviceId: bbr.config.deviceId, privateKey: bbr.privateKey };
    const { changes } = await pullAll(central.app, device);
    const row = changes.find((c) => c.table === 'csca_certificates' && c.key === fingerprint(na));
    expect(row?.row).toMatchObject({ country: 'NA', der_base64: der(na).toString('base64') });

    const gone = await central.app.inject({ method: 'DELETE', url: `${ADMIN_CSCA_PATH}/${fingerprint(na)}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(gone.statusCode).toBe(200);
    expect(gone.json()).toMatchObject({ removed: 1 });
    const after = await pullAll(central.app, device, added.version);
    expect(after.changes).toEqual([expect.objectContaining({ table: 'csca_certificates', key: fingerprint(na), op: 'delete' })]);
    const audit = await central.db.query<{ actor: string; action: string }>("SELECT actor, action FROM csca_uploads WHERE $1 = ANY(removed)", [fingerprint(na)]);
    expect(audit).toEqual([{ actor: 'admin-token', action: 'delete' }]);
  });

  it('replace=true removes what the new list no longer holds', async () => {
    const keep = await createCsca('ZM');
    const before = (await central.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ref_csca_certificates'))[0]!.n;
    expect(before).toBeGreaterThan(1);
    const res = (await upload(toPem([keep.certificate]), { replace: true })).json();
    expect(res).toMatchObject({ added: 1, removed: before });
    expect(await central.db.query('SELECT country FROM ref_csca_certificates')).toEqual([{ country: 'ZM' }]);
  });
});

describe('bad input is a clear 4xx, never a 500', () => {
  it('refuses garbage, an empty body, JSON, a tampered master list, a list signed by a CSCA it does not hold, and a file with no usable CSCA', async () => {
    const zw = await createCsca('ZW');
    const outsider = await createCsca('XX');
    const cases: Array<[string, () => Promise<Awaited<ReturnType<typeof upload>>>, number, string]> = [
      ['garbage', () => upload(Buffer.from('this is not a certificate')), 400, 'CSCA_LIST_INVALID'],
      ['empty', () => upload(Buffer.alloc(0)), 400, 'CSCA_LIST_INVALID'],
      ['json', () => upload(JSON.stringify({ pem: 'x' }), { type: 'application/json' }), 400, 'CSCA_LIST_INVALID'],
      ['truncated master list', async () => upload((await signMasterList(zw, [zw.certificate])).subarray(0, 200)), 400, 'CSCA_LIST_INVALID'],
      ['foreign signer', async () => upload(await signMasterList(outsider, [zw.certificate])), 400, 'CSCA_LIST_INVALID'],
      ['no CA in the file', async () => upload(toPem([(await createNonCa('ZW')).certificate])), 422, 'CSCA_NONE_ACCEPTED'],
      ['unknown content type', () => upload('x', { type: 'image/png' }), 415, 'BATCH_UNSUPPORTED_MEDIA_TYPE'],
      ['bad replace flag', () => central.app.inject({ method: 'POST', url: `${ADMIN_CSCA_PATH}?replace=maybe`, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' }, payload: der(zw) }), 400, 'REQUEST_INVALID'],
      ['unknown fingerprint', () => central.app.inject({ method: 'DELETE', url: `${ADMIN_CSCA_PATH}/${'0'.repeat(64)}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }), 404, 'CSCA_NOT_FOUND'],
      ['malformed fingerprint', () => central.app.inject({ method: 'DELETE', url: `${ADMIN_CSCA_PATH}/abc`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }), 400, 'REQUEST_INVALID'],
      [
        'generic reference edit of the CSCA table',
        () => central.app.inject({ method: 'POST', url: '/api/v1/admin/reference/csca_certificates', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { delete: ['x'] } }),
        400,
        'CSCA_EDIT_REFUSED',
      ],
    ];
    const before = await central.db.query('SELECT fingerprint FROM ref_csca_certificates ORDER BY 1');
    for (const [name, send, status, code] of cases) {
      const res = await send();
      expect([name, res.statusCode, res.json().code]).toEqual([name, status, code]);
    }
    // The tampered one: content changed after signing.
    const ml = await signMasterList(zw, [zw.certificate]);
    const i = ml.indexOf(Buffer.from('CSCA ZW'));
    ml[i + 5] = 0x58; // "CSCA XW" inside the signed content
    const tampered = await upload(ml);
    expect([tampered.statusCode, tampered.json().code]).toEqual([400, 'CSCA_LIST_INVALID']);
    expect(await central.db.query('SELECT fingerprint FROM ref_csca_certificates ORDER BY 1')).toEqual(before);
  });
});

describe('access', () => {
  it('refuses anyone but an admin (or the admin token)', async () => {
    const zw = await createCsca('ZW');
    const stat = await signIn(central.app, 'stat');
    expect((await upload(toPem([zw.certificate]), { cookie: stat })).statusCode).toBe(403);
    expect((await central.app.inject({ method: 'GET', url: ADMIN_CSCA_PATH, headers: { cookie: stat } })).statusCode).toBe(403);
    expect((await upload(toPem([zw.certificate]), { token: false })).statusCode).toBe(401);
    expect((await central.app.inject({ method: 'DELETE', url: `${ADMIN_CSCA_PATH}/${fingerprint(zw)}`, headers: { cookie: stat } })).statusCode).toBe(403);
  });
});

describe('OpenAPI', () => {
  it('documents the upload with the file types it takes', async () => {
    const doc = (await central.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const post = doc.paths[ADMIN_CSCA_PATH].post;
    expect(Object.keys(post.requestBody.content)).toEqual(['application/octet-stream', 'application/pkcs7-mime', 'application/pkix-cert', 'application/x-pem-file', 'text/plain']);
    expect(post.requestBody.content['application/octet-stream'].schema).toMatchObject({ type: 'string', format: 'binary' });
    expect(doc.paths[`${ADMIN_CSCA_PATH}/{fingerprint}`].delete).toBeDefined();
  });
});
