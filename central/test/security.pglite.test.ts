/**
 * The central's security on embedded PGlite (one database, several apps): staff sign-in, sessions
 * and lockout; deny-by-default access over the whole route table, also under hostile URL spellings
 * and over a raw socket; no 500 for bad input; one answer for device authentication failures;
 * the budgeted rejection log; rate limits; the admin token's length.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildOptions, type CentralApp } from '../src/app.ts';
import { ADMIN_TOKEN_MIN_LENGTH } from '../src/auth/admin-token.ts';
import { ROUTE_ACCESS, type RouteAccess } from '../src/auth/access.ts';
import { createStaffCommand } from '../src/cli/create-staff.ts';
import { configFromEnv } from '../src/config.ts';
import type { Db } from '../src/db/db.ts';
import { migrate } from '../src/db/migrations.ts';
import { createPgliteDb } from '../src/db/pglite-db.ts';
import { centralKeyFromPrivate, enrolmentSettingsFromEnv } from '../src/enrolment/central-key.ts';
import { ENROLMENT_PATH } from '@lmc/protocol/enrolment.ts';
import { BATCH_PATH, encodeBatch } from '@lmc/protocol/batch.ts';
import { SESSION_PATH, SIGN_IN_PATH, SIGN_OUT_PATH, STAFF_PATH } from '../src/routes/auth.ts';
import { makeDevice, makeRecord } from './fixtures.ts';
import { addStaff, signIn, TEST_AUTH, TEST_PASSWORD } from './staff.ts';

const TOKEN = 'security-test-admin-token-0123456789';
const device = makeDevice('sec-01', 'BBR');
const other = makeDevice('sec-02', 'BBR');
const stranger = makeDevice('sec-99', 'BBR');
let db: Db;
let app: CentralApp;
/** Every route as the app declared it: method, url, access. */
const routes: Array<{ method: string; url: string; access: RouteAccess }> = [];
let clock = Date.parse('2025-06-01T08:00:00Z');
const now = () => new Date(clock);
const apps: CentralApp[] = [];

function makeApp(extra: Partial<BuildOptions> = {}): CentralApp {
  const a = build({
    db,
    devices: [device.config, other.config],
    adminToken: TOKEN,
    auth: TEST_AUTH,
    now,
    enrolment: { centralKey: centralKeyFromPrivate(generateKeyPairSync('ed25519').privateKey) },
    ...extra,
  });
  apps.push(a);
  return a;
}

beforeAll(async () => {
  db = await createPgliteDb();
  await migrate(db);
  app = makeApp();
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, access: r.config?.centralAccess as RouteAccess });
  });
  await app.ready();
  await addStaff(db, 'root', 'admin');
  await addStaff(db, 'stella', 'statistician');
  await addStaff(db, 'audrey', 'auditor');
}, 120_000);

afterAll(async () => {
  for (const a of apps) await a.close();
  await db?.close();
});

const json = (res: { payload: string }) => JSON.parse(res.payload) as Record<string, unknown>;

describe('staff sign-in and sessions', () => {
  it('signs in with an HttpOnly, SameSite=Strict, Secure cookie and keeps only hashes', async () => {
    const res = await app.inject({ method: 'POST', url: SIGN_IN_PATH, payload: { username: 'Stella', password: TEST_PASSWORD } });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ username: 'stella', role: 'statistician', idleTimeoutSeconds: 1800 });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-lmc_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    const token = cookie.split(';')[0]!.split('=')[1]!;
    const stored = JSON.stringify(await db.query('SELECT s.*, st.password_hash FROM staff_sessions s JOIN staff st ON st.id = s.staff_id'));
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(TEST_PASSWORD);
    expect(stored).toContain('$argon2id$');
    const session = await app.inject({ method: 'GET', url: SESSION_PATH, headers: { cookie: cookie.split(';')[0]! } });
    expect(json(session)).toMatchObject({ username: 'stella', role: 'statistician' });
  });

  it('answers a wrong password, an unknown name and a malformed name alike', async () => {
    const answers = [];
    for (const payload of [
      { username: 'stella', password: 'wrong password here' },
      { username: 'nobody-at-all', password: 'wrong password here' },
      { username: "'; DROP TABLE staff; --", password: 'x' },
    ]) {
      const res = await app.inject({ method: 'POST', url: SIGN_IN_PATH, payload });
      answers.push([res.statusCode, json(res)]);
    }
    expect(answers[0]).toEqual([401, { statusCode: 401, code: 'SIGN_IN_FAILED', message: expect.any(String) }]);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    // A good sign-in resets the counter the wrong one raised.
    await signIn(app, 'stella');
    expect(await db.query("SELECT failed_attempts FROM staff WHERE username = 'stella'")).toEqual([{ failed_attempts: 0 }]);
  });

  it('locks an account after 5 wrong passwords even when they all arrive at once, then lets it in after the lock', async () => {
    await addStaff(db, 'target', 'statistician');
    const guesses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => app.inject({ method: 'POST', url: SIGN_IN_PATH, payload: { username: 'target', password: `guess number ${i}` } })),
    );
    expect(new Set(guesses.map((g) => g.statusCode))).toEqual(new Set([401]));
    const [row] = await db.query<{ failed_attempts: number; locked: boolean }>(
      "SELECT failed_attempts, locked_until > $1::timestamptz AS locked FROM staff WHERE username = 'target'",
      [now().toISOString()],
    );
    // Counted before verification: exactly 5 attempts reached the password check, the rest were refused unverified.
    expect(row).toEqual({ failed_attempts: 5, locked: true });
    const right = await app.inject({ method: 'POST', url: SIGN_IN_PATH, payload: { username: 'target', password: TEST_PASSWORD } });
    expect(right.statusCode).toBe(401);
    clock += 16 * 60_000;
    expect((await app.inject({ method: 'POST', url: SIGN_IN_PATH, payload: { username: 'target', password: TEST_PASSWORD } })).statusCode).toBe(200);
  });

  it('ends a session after 30 idle minutes, after 12 hours however busy, and at sign-out', async () => {
    const cookie = await signIn(app, 'stella');
    const who = () => app.inject({ method: 'GET', url: SESSION_PATH, headers: { cookie } });
    clock += 29 * 60_000;
    expect((await who()).statusCode).toBe(200);
    clock += 29 * 60_000;
    expect((await who()).statusCode).toBe(200);
    clock += 31 * 60_000;
    expect(json(await who())).toMatchObject({ statusCode: 401, code: 'AUTH_REQUIRED' });

    const busy = await signIn(app, 'stella');
    const start = clock;
    // Used every 25 minutes (never idle), for just under 12 hours …
    while (clock - start < 12 * 3_600_000 - 25 * 60_000) {
      clock += 25 * 60_000;
      expect((await app.inject({ method: 'GET', url: SESSION_PATH, headers: { cookie: busy } })).statusCode).toBe(200);
    }
    // … and not past them.
    clock += 25 * 60_000;
    expect((await app.inject({ method: 'GET', url: SESSION_PATH, headers: { cookie: busy } })).statusCode).toBe(401);

    const leaving = await signIn(app, 'stella');
    const out = await app.inject({ method: 'POST', url: SIGN_OUT_PATH, headers: { cookie: leaving } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await app.inject({ method: 'GET', url: SESSION_PATH, headers: { cookie: leaving } })).statusCode).toBe(401);
  });

  it('lets only an admin create staff accounts, with a real password, once per name', async () => {
    const admin = await signIn(app, 'root');
    const statistician = await signIn(app, 'stella');
    const create = (cookie: string | undefined, payload: object) =>
      app.inject({ method: 'POST', url: STAFF_PATH, headers: cookie ? { cookie } : {}, payload });
    const body = { username: 'new.auditor', role: 'auditor', password: 'a long enough password' };
    expect((await create(undefined, body)).statusCode).toBe(401);
    expect(json(await create(statistician, body))).toMatchObject({ statusCode: 403, code: 'ACCESS_DENIED' });
    expect(json(await create(admin, { ...body, password: 'short' }))).toMatchObject({ statusCode: 400, code: 'REQUEST_INVALID' });
    const made = await create(admin, body);
    expect(made.statusCode).toBe(201);
    expect(json(made)).toMatchObject({ username: 'new.auditor', role: 'auditor' });
    expect(json(await create(admin, body))).toMatchObject({ statusCode: 409, code: 'STAFF_EXISTS' });
    await signIn(app, 'new.auditor', 'a long enough password');
  });

  it('refuses sign-ins beyond the verification bound with 503 AUTH_BUSY, without counting them against the account', async () => {
    const tight = makeApp({ auth: { ...TEST_AUTH, maxConcurrentVerifications: 1, maxQueuedVerifications: 0 } });
    await addStaff(db, 'busy', 'auditor');
    const results = await Promise.all(
      Array.from({ length: 6 }, () => tight.inject({ method: 'POST', url: SIGN_IN_PATH, payload: { username: 'busy', password: TEST_PASSWORD } })),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toContain(200);
    expect(codes).toContain(503);
    expect(json(results.find((r) => r.statusCode === 503)!)).toMatchObject({ code: 'AUTH_BUSY' });
    expect(await db.query("SELECT failed_attempts FROM staff WHERE username = 'busy'")).toEqual([{ failed_attempts: 0 }]);
  });

  it('rate-limits sign-in and enrolment redemption per client with 429 RATE_LIMITED and retry-after', async () => {
    const strict = makeApp({ auth: { ...TEST_AUTH, signInPerMinute: 3, enrolmentPerMinute: 2 } });
    const tries = [];
    for (let i = 0; i < 4; i++) tries.push(await strict.inject({ method: 'POST', url: SIGN_IN_PATH, payload: { username: 'x', password: 'y' } }));
    expect(tries.map((t) => t.statusCode)).toEqual([401, 401, 401, 429]);
    expect(json(tries[3]!)).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(tries[3]!.headers['retry-after'])).toBeGreaterThan(0);
    const redeem = () => strict.inject({ method: 'POST', url: ENROLMENT_PATH, payload: { code: 'AAAA-BBBB-CCCC-DDDD' } });
    expect([(await redeem()).statusCode, (await redeem()).statusCode, (await redeem()).statusCode]).toEqual([400, 400, 429]);
  });

  it('makes the first admin from the command line, and resets a forgotten password there', async () => {
    await createStaffCommand(db, ['--username', 'First.Admin', '--role', 'admin'], 'first admin password');
    const cookie = await signIn(app, 'first.admin', 'first admin password');
    await createStaffCommand(db, ['--username', 'first.admin', '--reset-password'], 'second admin password');
    expect((await app.inject({ method: 'GET', url: SESSION_PATH, headers: { cookie } })).statusCode).toBe(401);
    await signIn(app, 'first.admin', 'second admin password');
    await expect(createStaffCommand(db, ['--username', 'weak', '--role', 'admin'], 'short')).rejects.toThrow(/at least 12/);
  });
});

describe('the admin token', () => {
  it('must have at least 32 characters wherever it is given', () => {
    const short = 'abc';
    expect(() => build({ db, devices: [], adminToken: short })).toThrow(/at least 32 characters/);
    expect(() => build({ db, devices: [], reference: { adminToken: 'x'.repeat(ADMIN_TOKEN_MIN_LENGTH - 1) } })).toThrow(/at least 32/);
    expect(() => build({ db, devices: [], enrolment: { adminToken: short } })).toThrow(/at least 32/);
    expect(() => configFromEnv({ CENTRAL_ADMIN_TOKEN: short })).toThrow(/CENTRAL_ADMIN_TOKEN must be at least 32/);
    expect(() => enrolmentSettingsFromEnv({ CENTRAL_ADMIN_TOKEN: short, CENTRAL_KEY_FILE: '/nonexistent/k' })).toThrow(/at least 32/);
    expect(() => build({ db, devices: [], adminToken: TOKEN, enrolment: { adminToken: `${TOKEN}-other` } })).toThrow(/Two different admin tokens/);
  });

  it('opens admin-or-token routes only, never staff, statistics or audit routes', async () => {
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect((await app.inject({ method: 'POST', url: '/api/v1/admin/enrolment-codes', headers: bearer, payload: { officeCode: 'BBR' } })).statusCode).toBe(201);
    for (const [method, url] of [
      ['GET', '/api/v1/stats/registrations?year=2025'],
      ['GET', `${BATCH_PATH}/rejections`],
      ['POST', STAFF_PATH],
      ['GET', SESSION_PATH],
    ] as const) {
      expect((await app.inject({ method, url, headers: bearer, payload: method === 'POST' ? {} : undefined })).statusCode, url).toBe(401);
    }
  });
});

/** A URL for a route pattern (`:table` → employers) with the query its handler needs. */
function concrete(url: string): string {
  const path = url.replace(':table', 'employers');
  return path.startsWith('/api/v1/stats/') ? `${path}?year=2025` : path;
}

const EXPECTED_ACCESS: Record<string, RouteAccess> = {
  'POST /api/v1/auth/sign-in': 'public',
  'POST /api/v1/auth/sign-out': 'public',
  'GET /api/v1/auth/session': 'staff',
  'POST /api/v1/admin/staff': 'admin',
  'GET /api/v1/batches/rejections': 'auditor',
  'POST /api/v1/batches': 'device',
  'GET /api/v1/stats/registrations': 'statistician',
  'GET /api/v1/stats/registrations.csv': 'statistician',
  'GET /api/fleet': 'staff',
  'GET /api/v1/reference': 'device',
  'POST /api/v1/admin/reference/:table': 'admin-or-token',
  'POST /api/v1/admin/enrolment-codes': 'admin-or-token',
  'POST /api/v1/enrolment': 'device',
  'POST /api/v1/enrolment/decommission': 'device',
  'GET /api/v1/time': 'public',
  // The person index and cross-office lookup (#16).
  'GET /api/v1/persons/search': 'admin',
  'GET /api/v1/persons/candidates': 'admin',
  'POST /api/v1/persons/candidates/:id/accept': 'admin',
  'POST /api/v1/persons/candidates/:id/reject': 'admin',
  'GET /api/v1/persons/:personId': 'admin',
  'GET /api/v1/audit/access': 'auditor',
  'GET /api/v1/lookup': 'device',
  'GET /api/v1/lookup/index': 'device',
  // Console administration, prints, indicators (#16).
  'GET /api/v1/admin/devices': 'admin-or-token',
  'GET /api/v1/admin/enrolment-codes': 'admin-or-token',
  'POST /api/v1/admin/devices/:deviceId/rekey': 'admin-or-token',
  'POST /api/v1/admin/devices/:deviceId/revoke': 'admin-or-token',
  'GET /api/v1/admin/reference/:table': 'admin-or-token',
  'GET /api/v1/admin/prints/access-log': 'auditor',
  'POST /api/v1/admin/prints/:blobId/open': 'admin',
  'POST /api/v1/admin/faces/:registrationId/open': 'admin',
  'POST /api/v1/admin/csca': 'admin-or-token',
  'GET /api/v1/admin/csca': 'admin-or-token',
  'DELETE /api/v1/admin/csca/:fingerprint': 'admin-or-token',
  'GET /api/v1/prints/templates': 'device',
  'GET /api/v1/stats/indicators': 'statistician',
  'GET /api/v1/stats/indicators.csv': 'statistician',
  // The console's static files: the page is public, every API it calls decides access itself.
  'GET /console': 'public',
  'GET /console/': 'public',
  'GET /console/assets/:name': 'public',
  // Recruitment and selection (#17).
  'GET /api/v1/admin/recruitment/employers': 'admin-or-token',
  'PUT /api/v1/admin/recruitment/employers/:id': 'admin-or-token',
  'GET /api/v1/admin/recruitment/vacancies': 'admin-or-token',
  'PUT /api/v1/admin/recruitment/vacancies/:id': 'admin-or-token',
  'GET /api/v1/admin/recruitment/vocabulary': 'admin-or-token',
  'GET /api/v1/recruitment/candidates': 'admin-or-token',
  'GET /api/v1/recruitment/candidates.csv': 'admin-or-token',
  'GET /api/v1/recruitment/candidacies/:id/audit': 'admin-or-token',
  'POST /api/v1/recruitment/candidacies/:id/outcome': 'admin-or-token',
  'POST /api/v1/recruitment/candidacies/:id/contract': 'admin-or-token',
  'POST /api/v1/recruitment/candidacies/:id/orientation': 'admin-or-token',
  'POST /api/v1/recruitment/candidacies/:id/departure': 'admin-or-token',
  'GET /api/v1/recruitment/exchange-rates': 'admin-or-token',
  'PUT /api/v1/recruitment/exchange-rates': 'admin-or-token',
  'GET /api/v1/recruitment/protection-cases': 'admin-or-token',
  'POST /api/v1/recruitment/protection-cases/:id/follow-up': 'admin-or-token',
  'GET /api/v1/recruitment/stats': 'statistician',
  'POST /api/v1/recruitment/events': 'device',
};

describe('the route table', () => {
  it('declares access on every route, as listed here', () => {
    const declared = Object.fromEntries(routes.filter((r) => r.method !== 'HEAD').map((r) => [`${r.method} ${r.url}`, r.access]));
    expect(declared).toEqual(EXPECTED_ACCESS);
    for (const r of routes) expect(ROUTE_ACCESS).toContain(r.access);
  });

  it('refuses a route that declares no access: at once on the root, at ready() inside a plugin', async () => {
    const careless = build({ db, devices: [] });
    expect(() => careless.get('/api/v1/forgotten', async () => ({ secret: true }))).toThrow(/declares no access/);
    const plugin = build({ db, devices: [] });
    const forgetful: FastifyPluginAsync = async (child) => {
      child.get('/api/v1/forgotten', async () => ({ secret: true }));
    };
    void plugin.register(forgetful);
    await expect(plugin.ready()).rejects.toMatchObject({ code: 'ROUTE_ACCESS_UNDECLARED' });
    await careless.close().catch(() => undefined);
    await plugin.close().catch(() => undefined);
  });

  it('answers every non-public route without credentials, in every spelling, with 401/403/404 (device routes: a 4xx before any data)', async () => {
    for (const r of routes) {
      if (r.access === 'public') continue;
      const url = concrete(r.url);
      const spellings = [
        url,
        url.replace('/api/', '/%61pi/'),
        url.replace('/v1/', '/v%31/'),
        `http://central.example${url}`,
        `//${url.slice(1)}`,
        url.replace('?', '/?').replace(/([^?/])$/, '$1/'),
        url.replace('/v1/', '/v1/x/../'),
        url.replace('/api/', '/API/'),
        url.replace(/(\?|$)/, ';jsessionid=1$1'),
        url.replace('/api/v1/', '/api/v1//'),
      ];
      for (const spelling of spellings) {
        const res = await app.inject({ method: r.method as 'GET', url: spelling, payload: r.method === 'POST' ? {} : undefined });
        const allowed = r.access === 'device' ? [400, 401, 404, 413, 415] : [401, 403, 404];
        expect(allowed, `${r.method} ${spelling} → ${res.statusCode} ${res.payload.slice(0, 120)}`).toContain(res.statusCode);
        expect(res.payload).not.toMatch(/"rows"|"byCode"|"changes"|"upserted"|"code":"[0-9A-Z]{4}-/);
      }
    }
  });

  it('matches %-encoded spellings to the same route, so a signed-in statistician gets the same answer and an outsider the same 401', async () => {
    const cookie = await signIn(app, 'stella');
    const plain = await app.inject({ method: 'GET', url: '/api/v1/stats/registrations?year=2025&groupBy=office', headers: { cookie } });
    const encoded = await app.inject({ method: 'GET', url: '/%61pi/v1/stats/registrations?year=2025&groupBy=office', headers: { cookie } });
    expect(plain.statusCode).toBe(200);
    expect(encoded.payload).toBe(plain.payload);
  });

  it('refuses hostile request targets over a real socket (absolute-form, %-encoding, dot segments)', async () => {
    const server = makeApp();
    await server.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.server.address() as { port: number };
    const raw = (target: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: central.example\r\nConnection: close\r\n\r\n`));
        let data = '';
        socket.on('data', (d) => (data += d.toString('latin1')));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
    for (const target of [
      'http://central.example/api/v1/stats/registrations?year=2025',
      `http://127.0.0.1:${port}/api/v1/batches/rejections`,
      '/%61pi/v1/stats/registrations.csv?year=2025',
      '/api/v1/x/../stats/registrations?year=2025',
      '/api/v1/./batches/rejections',
      '/api/v1/stats/registrations%3Fyear=2025',
      '*',
    ]) {
      const status = Number((await raw(target)).split(' ')[1]);
      expect([400, 401, 403, 404], target).toContain(status);
    }
  });

  it('never answers 500 to bad input on any route, signed in as admin with the token too', async () => {
    const cookie = await signIn(app, 'root');
    const headers = { cookie, authorization: `Bearer ${TOKEN}` };
    const bodies: Array<{ payload?: string | object; contentType?: string }> = [
      { payload: '{"unterminated', contentType: 'application/json' },
      { payload: 'x=1', contentType: 'application/x-www-form-urlencoded' },
      { payload: 'plain', contentType: 'text/plain' },
      { payload: { upsert: [{ nonsense: '\u0000' }], delete: ['a'.repeat(65)] } },
      { payload: { username: 'a'.repeat(10_000), password: '\u0000', role: 'god', officeCode: '../', code: '\u202e', at: 'yesterday' } },
      { payload: [] },
      { payload: 'null', contentType: 'application/json' },
    ];
    const queries = ['', '?year=-1', '?year=2025&groupBy=office,office', '?from=2025-02-30&publication=false', '?since=-1', '?since=1e400', '?limit=0&since=0', '?year=2025&groupBy=%00', '?publication=maybe'];
    for (const r of routes) {
      if (r.method === 'HEAD') continue;
      const base = r.url.replace(':table', encodeURIComponent('x"; DROP TABLE ref_offices; --'));
      for (const q of queries) {
        for (const b of r.method === 'POST' ? bodies : [{}]) {
          const res = await app.inject({
            method: r.method as 'GET',
            url: `${base}${q}`,
            headers: { ...headers, ...(b.contentType ? { 'content-type': b.contentType } : {}), 'x-device-id': 'sec-01', 'x-signature': '%%%', 'x-timestamp': 'now' },
            ...(b.payload !== undefined ? { payload: b.payload } : {}),
          });
          expect(res.statusCode, `${r.method} ${base}${q} ${JSON.stringify(b).slice(0, 80)} → ${res.payload.slice(0, 200)}`).toBeLessThan(500);
        }
      }
    }
  });
});

describe('device authentication and the rejection log', () => {
  const send = (a: CentralApp, d: typeof device, signWith = d) => {
    const enc = encodeBatch([makeRecord('BBR')], { deviceId: d.config.deviceId, privateKey: signWith.privateKey });
    return a.inject({ method: 'POST', url: BATCH_PATH, headers: enc.headers, payload: enc.body });
  };

  it('gives an unknown device and a forged signature one answer; a malformed header the same', async () => {
    const unknown = await send(app, stranger);
    const forged = await send(app, device, other);
    const malformed = await app.inject({
      method: 'POST',
      url: BATCH_PATH,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-device-id': 'sec-01', 'x-signature': 'not base64' },
      payload: Buffer.from([0x1f, 0x8b]),
    });
    expect([unknown.statusCode, json(unknown)]).toEqual([401, { statusCode: 401, code: 'DEVICE_AUTH_FAILED', message: 'Device authentication failed' }]);
    expect([forged.statusCode, json(forged)]).toEqual([unknown.statusCode, json(unknown)]);
    expect([malformed.statusCode, json(malformed)]).toEqual([unknown.statusCode, json(unknown)]);
  });

  it('refuses an oversized body from an unknown device as it would a known one (413), without keeping it', async () => {
    const small = makeApp({ limits: { maxBodyBytes: 4096 } });
    const big = Buffer.alloc(64 * 1024, 7);
    // Well-formed headers, signatures that verify for nobody: the known device is refused as the unknown one is.
    const envelope = { 'x-batch-id': crypto.randomUUID(), 'x-content-sha256': 'a'.repeat(64), 'x-attempt-at': String(Date.now()), 'x-nonce': 'A'.repeat(22), 'x-attempt-signature': `${'A'.repeat(86)}==` };
    const headers = (id: string) => ({ 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-device-id': id, 'x-signature': `${'A'.repeat(86)}==`, ...envelope });
    // Chunked (no content-length), so the limit is found while reading, not from the header.
    const { Readable } = await import('node:stream');
    const [a, b] = await Promise.all(
      ['sec-99', 'sec-01'].map((id) => small.inject({ method: 'POST', url: BATCH_PATH, headers: headers(id), payload: Readable.from([big]) })),
    );
    expect([a!.statusCode, json(a!).code]).toEqual([413, 'BATCH_TOO_LARGE']);
    expect([b!.statusCode, json(b!).code]).toEqual([413, 'BATCH_TOO_LARGE']);
  });

  it('answers 500 refused batches but writes at most the budget in rows, with exact totals for auditors', async () => {
    const flood = makeApp({ rejectionLog: { perClient: 20, global: 100 } });
    const before = (await db.query<{ n: number; total: number }>('SELECT count(*)::int AS n, coalesce(sum(count), 0)::int AS total FROM rejected_batches'))[0]!;
    const enc = encodeBatch([makeRecord('BBR')], { deviceId: 'sec-01', privateKey: other.privateKey });
    for (let i = 0; i < 500; i++) {
      const res = await flood.inject({ method: 'POST', url: BATCH_PATH, headers: enc.headers, payload: enc.body });
      expect(res.statusCode).toBe(401);
    }
    const rowsNow = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rejected_batches'))[0]!.n;
    expect(rowsNow - before.n).toBe(20);
    const auditor = await signIn(flood, 'audrey');
    const statistician = await signIn(flood, 'stella');
    expect((await flood.inject({ method: 'GET', url: `${BATCH_PATH}/rejections`, headers: { cookie: statistician } })).statusCode).toBe(403);
    const counts = json(await flood.inject({ method: 'GET', url: `${BATCH_PATH}/rejections`, headers: { cookie: auditor } })) as {
      total: number;
      byCode: Array<{ code: string; count: number }>;
    };
    expect(counts.total - before.total).toBe(500);
    expect(counts.byCode.map((c) => c.code)).toContain('SIGNATURE_INVALID');
    // The 480 over budget became one folded row.
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rejected_batches'))[0]!.n - before.n).toBe(21);
  });
});
