import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build } from '../app.ts';
import { ScanCache } from '../devices/scan-cache.ts';
import { EventBus } from '../events/event-bus.ts';
import { allowedHostNames } from '../http/host-guard.ts';
import { attachSocketGateway } from '../realtime/socket-gateway.ts';
import type { Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';
import { FIRST_SUPERVISOR_FILE } from './seed.ts';
import { pinProblem } from './pin-hash.ts';
import { TEST_AUTH, TEST_OFFICER, signInInject, socketHandshake } from './test-support.ts';

describe('officer sign-in and sessions (inject)', () => {
  let store: Store;
  let app: FastifyInstance;
  let clock: Date;
  let dataDir: string;
  const open = async (auth = TEST_AUTH) => {
    app = await build({ store, bus: new EventBus(), scans: new ScanCache(), officeCode: 'BBR', now: () => clock, auth: { ...auth, idleTimeoutMs: 60_000 } });
  };
  const signIn = (pin: string, officerId = TEST_OFFICER.officerId) =>
    app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { officerId, pin } });

  beforeEach(async () => {
    clock = new Date('2026-11-23T08:00:00Z');
    dataDir = mkdtempSync(join(tmpdir(), 'auth-'));
    store = openApplianceStore({ dataDir, now: () => clock });
    await open();
  });
  afterEach(async () => {
    await app.close();
    store.close();
  });

  it('refuses /api without a session but leaves health, docs and the UI page public', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/registrations' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'AUTH_REQUIRED' });
    expect((await app.inject({ method: 'POST', url: '/api/registrations', payload: {} })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/devices' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/registrations', headers: { cookie: 'bp_session=forged' } })).statusCode).toBe(401);
  });

  it('signs in with the right PIN: an HttpOnly SameSite=Strict cookie that opens /api and stamps the officer', async () => {
    const res = await signIn(TEST_OFFICER.pin, 'bbr-017');
    expect(res.statusCode).toBe(200);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^bp_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(res.json()).toMatchObject({ officer: { officerId: 'BBR-017', role: 'supervisor' }, idleTimeoutMs: 60_000 });
    const cookie = setCookie.split(';')[0] as string;
    const created = await app.inject({ method: 'POST', url: '/api/registrations', headers: { cookie }, payload: { officerId: 'IMPOSTOR' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ officerId: 'BBR-017' });
    const out = await app.inject({ method: 'POST', url: '/api/auth/sign-out', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie } })).statusCode).toBe(401);
    expect(store.audit.verify().ok).toBe(true);
  });

  it('counts wrong PINs down, locks for 15 minutes after the fifth, and keeps the lock across a restart', async () => {
    const left: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await signIn('135790');
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'AUTH_INVALID_CREDENTIALS' });
      left.push((res.json() as { attemptsLeft: number }).attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1]);
    const fifth = await signIn('135790');
    expect(fifth.statusCode).toBe(423);
    expect(fifth.json()).toMatchObject({ code: 'AUTH_LOCKED', lockedUntil: '2026-11-23T08:15:00.000Z' });
    // The right PIN does not help while locked, not even after a restart of the appliance.
    expect((await signIn(TEST_OFFICER.pin)).statusCode).toBe(423);
    await app.close();
    await open();
    clock = new Date('2026-11-23T08:14:59Z');
    expect((await signIn(TEST_OFFICER.pin)).statusCode).toBe(423);
    clock = new Date('2026-11-23T08:15:00Z');
    expect((await signIn(TEST_OFFICER.pin)).statusCode).toBe(200);
    // After a good sign-in the count starts again from five.
    expect((await signIn('135790')).json()).toMatchObject({ attemptsLeft: 4 });
  });

  it('answers an unknown officer exactly like a wrong PIN, without an attempt count', async () => {
    const res = await signIn(TEST_OFFICER.pin, 'NOBODY');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ statusCode: 401, code: 'AUTH_INVALID_CREDENTIALS', message: 'Wrong officer id or PIN.' });
  });

  it('ends a session after the idle timeout; background refreshes do not keep it alive, officer actions do', async () => {
    const cookie = await signInInject(app);
    clock = new Date(clock.getTime() + 50_000);
    expect((await app.inject({ method: 'GET', url: '/api/registrations', headers: { cookie, 'x-background': '1' } })).statusCode).toBe(200);
    clock = new Date(clock.getTime() + 11_000); // 61 s after the last officer action
    expect((await app.inject({ method: 'GET', url: '/api/registrations', headers: { cookie } })).statusCode).toBe(401);

    const again = await signInInject(app);
    clock = new Date(clock.getTime() + 50_000);
    expect((await app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie: again } })).statusCode).toBe(200);
    clock = new Date(clock.getTime() + 50_000); // 100 s since sign-in, 50 s since the last action
    expect((await app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie: again } })).json()).toMatchObject({
      expiresAt: new Date(clock.getTime() + 60_000).toISOString(),
    });
  });

  it('lets only a supervisor create and unlock officers, and the new officer signs in with their role', async () => {
    const supervisor = await signInInject(app);
    const create = (cookie: string, body: object) => app.inject({ method: 'POST', url: '/api/officers', headers: { cookie }, payload: body });
    expect((await create(supervisor, { officerId: 'BBR-020', displayName: 'Rudo', role: 'officer', pin: '1234' })).json()).toMatchObject({ code: 'AUTH_WEAK_PIN' });
    const made = await create(supervisor, { officerId: 'bbr-020', displayName: 'Rudo', role: 'officer', pin: '470219' });
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({ officerId: 'BBR-020', role: 'officer', lockedUntil: null });
    expect((await create(supervisor, { officerId: 'BBR-020', displayName: 'Again', role: 'officer', pin: '470219' })).statusCode).toBe(409);
    const officer = await signInInject(app, { officerId: 'BBR-020', pin: '470219' });
    const denied = await create(officer, { officerId: 'BBR-021', displayName: 'X', role: 'supervisor', pin: '470219' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'AUTH_FORBIDDEN' });
    expect((await app.inject({ method: 'GET', url: '/api/officers', headers: { cookie: officer } })).statusCode).toBe(403);

    for (let i = 0; i < 5; i++) await signIn('999111', 'BBR-020');
    expect((await signIn('470219', 'BBR-020')).statusCode).toBe(423);
    expect((await app.inject({ method: 'POST', url: '/api/officers/BBR-020/unlock', headers: { cookie: officer } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/officers/BBR-020/unlock', headers: { cookie: supervisor } })).statusCode).toBe(204);
    expect((await signIn('470219', 'BBR-020')).statusCode).toBe(200);
  });

  it('refuses a state-changing request that a foreign web page sends with the cookie', async () => {
    const cookie = await signInInject(app);
    const foreign = await app.inject({ method: 'POST', url: '/api/registrations', headers: { cookie, origin: 'http://evil.example', host: 'localhost:80' }, payload: {} });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ code: 'AUTH_FOREIGN_ORIGIN' });
    const own = await app.inject({ method: 'POST', url: '/api/registrations', headers: { cookie, origin: 'http://localhost:80', host: 'localhost:80' }, payload: {} });
    expect(own.statusCode).toBe(201);
  });

  it('creates a first supervisor with a random PIN in a 0600 file when no seed is configured', async () => {
    await app.close();
    store.close();
    dataDir = mkdtempSync(join(tmpdir(), 'auth-seed-'));
    store = openApplianceStore({ dataDir, now: () => clock });
    await open({});
    const file = join(dataDir, FIRST_SUPERVISOR_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    const officerId = /officer id: (\S+)/.exec(text)?.[1] ?? '';
    const pin = /PIN: (\d+)/.exec(text)?.[1] ?? '';
    expect(officerId).toBe('BBR-SUP');
    expect(pinProblem(pin)).toBeNull();
    expect((await signIn(pin, officerId)).statusCode).toBe(200);
  });
});

describe('PIN rules', () => {
  it('accepts 4 to 8 digits that are not a repeat or a run', () => {
    expect(['4829', '48291573', '135790'].map(pinProblem)).toEqual([null, null, null]);
    for (const bad of ['123', '123456789', '12a4', '0000', '1234', '98765', '7890'.slice(0, 4)]) expect(pinProblem(bad), bad).not.toBeNull();
  });
});

describe('socket.io handshake', () => {
  it('refuses a client without a session cookie and accepts one with it', async () => {
    const store = openApplianceStore({ dataDir: mkdtempSync(join(tmpdir(), 'auth-io-')) });
    const bus = new EventBus();
    const app = await build({ store, bus, scans: new ScanCache(), officeCode: 'BBR', auth: TEST_AUTH });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const gateway = attachSocketGateway(app.server, { bus, devices: () => [], sessions: { authorize: (req) => app.auth.authorizeSocket(req), isLive: (k) => app.auth.sessions.isLive(k), onEnd: (l) => app.auth.sessions.onEnd(l) }, allowedHosts: allowedHostNames('127.0.0.1') });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const attempt = (headers: Record<string, string>) => socketHandshake(url, headers);
    try {
      expect(await attempt({})).toBe('AUTH_REQUIRED');
      expect(await attempt({ cookie: 'bp_session=made-up' })).toBe('AUTH_REQUIRED');
      expect(await attempt({ cookie: await signInInject(app) })).toBe('connected');
    } finally {
      await gateway.close();
      await app.close();
      store.close();
    }
  });
});
