/** The console's admin routes (routes/console-admin.ts) and its page route (routes/console.ts): access, refusals, shapes. */
import { describe, expect, it } from 'vitest';
import { hashCode } from '../src/enrolment/enrolment-codes.ts';
import { loadReferenceSeed } from '../src/reference/seed.ts';
import { useCentralOnPglite, useStaffSessions } from './central-on-pg.ts';
import { makeDevice, makeRecord, sendBatch } from './fixtures.ts';
import { TEST_AUTH } from './staff.ts';

const TOKEN = 'console-admin-token-0123456789abcdef-0123456789';
const a = makeDevice('bbr-adm-01', 'BBR');
const b = makeDevice('hre-adm-01', 'HRE');
const central = useCentralOnPglite({ devices: [a.config, b.config], auth: TEST_AUTH, adminToken: TOKEN, consoleDist: '/nonexistent/console-dist' }, (db) =>
  loadReferenceSeed(db, { demo: true }).then(() => undefined),
);
const staff = useStaffSessions(central, { admin: ['adm-admin', 'admin'], statistician: ['adm-stats', 'statistician'] });

const as = (cookie: string | null, method: 'GET' | 'POST', url: string, payload?: unknown) =>
  central.app.inject({ method, url, headers: cookie ? { cookie } : {}, ...(payload !== undefined ? { payload: payload as object } : {}) });

describe('console admin routes', () => {
  it('are for admins (session or token) only', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/admin/devices'],
      ['GET', '/api/v1/admin/enrolment-codes'],
      ['GET', '/api/v1/admin/reference/vacancies'],
      ['POST', '/api/v1/admin/devices/bbr-adm-01/revoke'],
      ['POST', '/api/v1/admin/devices/bbr-adm-01/rekey'],
    ] as const) {
      const body = method === 'POST' ? {} : undefined;
      expect((await as(null, method, url, body)).statusCode, url).toBe(401);
      expect((await as(staff.statistician, method, url, body)).json(), url).toMatchObject({ statusCode: 403, code: 'ACCESS_DENIED' });
    }
    const byToken = await central.app.inject({ url: '/api/v1/admin/devices', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(byToken.statusCode).toBe(200);
  });

  it('lists devices and reference rows in their wire shape', async () => {
    const devices = (await as(staff.admin, 'GET', '/api/v1/admin/devices')).json() as { devices: Array<{ deviceId: string; officeCode: string; revokedAt: string | null }> };
    expect(devices.devices.map((d) => [d.deviceId, d.officeCode, d.revokedAt]).sort()).toEqual([
      ['bbr-adm-01', 'BBR', null],
      ['hre-adm-01', 'HRE', null],
    ]);
    const offices = (await as(staff.admin, 'GET', '/api/v1/admin/reference/offices?limit=2')).json() as { rows: Array<Record<string, unknown>>; more: boolean };
    expect(offices.rows).toHaveLength(2);
    expect(offices.more).toBe(true);
    expect(Array.isArray(offices.rows[0]?.destination_provinces)).toBe(true);
    const next = (await as(staff.admin, 'GET', `/api/v1/admin/reference/offices?after=${String(offices.rows[1]?.code)}`)).json() as { rows: Array<{ code: string }> };
    expect(next.rows.every((r) => r.code > String(offices.rows[1]?.code))).toBe(true);
    const vacancies = (await as(staff.admin, 'GET', '/api/v1/admin/reference/vacancies')).json() as { rows: Array<Record<string, unknown>> };
    expect(vacancies.rows.some((r) => typeof r.opens_on === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(r.opens_on as string))).toBe(true);
    expect((await as(staff.admin, 'GET', '/api/v1/admin/reference/staff')).json()).toMatchObject({ statusCode: 404, code: 'REFERENCE_TABLE_UNKNOWN' });
  });

  it('re-keys with a code for the device office, and revokes once', async () => {
    const rekey = await as(staff.admin, 'POST', '/api/v1/admin/devices/hre-adm-01/rekey', { ttlMinutes: 60 });
    expect(rekey.statusCode).toBe(201);
    const issued = rekey.json() as { code: string; officeCode: string };
    expect(issued.officeCode).toBe('HRE');
    expect(await central.db.query('SELECT office_code FROM enrolment_codes WHERE code_hash = $1', [hashCode(issued.code)])).toEqual([{ office_code: 'HRE' }]);
    const codes = (await as(staff.admin, 'GET', '/api/v1/admin/enrolment-codes')).json() as { codes: Array<Record<string, unknown>> };
    expect(codes.codes).toHaveLength(1);
    expect(JSON.stringify(codes)).not.toContain(issued.code);

    const revoked = await as(staff.admin, 'POST', '/api/v1/admin/devices/hre-adm-01/revoke', { reason: 'stolen' });
    expect(revoked.statusCode).toBe(200);
    const [row] = await central.db.query<{ revoked_reason: string }>('SELECT revoked_reason FROM devices WHERE device_id = $1', ['hre-adm-01']);
    expect(row?.revoked_reason).toBe('revoked by adm-admin: stolen');
    expect((await sendBatch(central.app, b, [makeRecord('HRE')])).res.statusCode).toBe(401);
    expect((await sendBatch(central.app, a, [makeRecord('BBR')])).res.statusCode).toBe(200);
    expect((await as(staff.admin, 'POST', '/api/v1/admin/devices/hre-adm-01/revoke', {})).json()).toMatchObject({ statusCode: 409, code: 'DEVICE_ALREADY_REVOKED' });
    expect((await as(staff.admin, 'POST', '/api/v1/admin/devices/hre-adm-01/rekey', {})).json()).toMatchObject({ statusCode: 404, code: 'DEVICE_NOT_ENROLLED' });
    expect((await as(staff.admin, 'POST', '/api/v1/admin/devices/nobody/revoke', {})).json()).toMatchObject({ statusCode: 404, code: 'DEVICE_NOT_ENROLLED' });
    expect((await as(staff.admin, 'POST', '/api/v1/admin/devices/bbr-adm-01/revoke', { reason: 'x'.repeat(201) })).statusCode).toBe(400);
  });

  it('answers 503 with the build command when the console is not built, and redirects /console', async () => {
    const page = await central.app.inject({ url: '/console/' });
    expect(page.statusCode).toBe(503);
    expect(page.payload).toContain('npm run build:console');
    const redirect = await central.app.inject({ url: '/console' });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('/console/');
  });
});
