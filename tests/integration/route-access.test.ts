import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOfficer, signInFetch, socketHandshake } from '@lmc/appliance/auth/test-support.ts';
import { rolesFor } from '@lmc/appliance/http/access.ts';
import type { RunningAppliance } from '@lmc/appliance/start.ts';
import { type FullAppliance, startFullAppliance } from '../support/full-appliance.ts';
import { rawRequest } from '../support/raw-http.ts';

/**
 * Every route of a fully configured appliance (all three simulated devices, forwarding, printing, reference),
 * tried as an attacker on the counter's network would: without a session, in every hostile spelling of its path,
 * and with each role. The route table comes from the server itself, so a route added later is tried too.
 */
const SAMPLE_PARAMS: Record<string, string> = {
  id: '0b6f3f9e-4a0c-4d8e-9a53-6b3c7f1d2e10',
  seq: '1',
  officerId: 'BBR-017',
  finger: 'right-thumb',
  '*': 'index.js',
};
const concrete = (url: string) => url.replace(/:([A-Za-z]+)|\*/g, (m, name: string | undefined) => SAMPLE_PARAMS[name ?? m] ?? 'x');

/** Spellings of one path that a lax check on the URL text would miss but a router may still match. */
function hostileSpellings(path: string, port: number): string[] {
  const [, first = '', ...rest] = path.split('/');
  const tail = rest.length ? `/${rest.join('/')}` : '';
  const encodeFirstLetter = (seg: string) => (seg ? `%${seg.charCodeAt(0).toString(16)}${seg.slice(1)}` : seg);
  const second = rest[0] ?? '';
  return [
    path,
    `/${encodeFirstLetter(first)}${tail}`,
    rest.length ? `/${first}/${encodeFirstLetter(second)}${rest.length > 1 ? `/${rest.slice(1).join('/')}` : ''}` : path,
    `/${[...first].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('')}${tail}`,
    `http://127.0.0.1:${port}${path}`,
    `http://evil.example${path}`,
    `/${path}`,
    path.replace(`/${first}/`, `/${first}//`),
    `${path}/`,
    `/${first}/.${tail}`,
    `/x/..${path}`,
    `/x/%2e%2e${path}`,
    `/${first.toUpperCase()}${tail}`,
    `/${first.charAt(0).toUpperCase()}${first.slice(1)}${tail}`,
    `${path};jsessionid=1`,
    `/${first};x=1${tail}`,
    `/${first}%2F${rest.join('/')}`,
    `${path}?${first}=1`,
    `${path}#frag`,
  ];
}

describe('access decided on the matched route (every route, every spelling, every role)', () => {
  let full: FullAppliance;
  let appliance: RunningAppliance;
  let port: number;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    full = await startFullAppliance('route-access-');
    ({ appliance, port } = full);
    const db = appliance.store.health().path;
    await addOfficer(db, { officerId: 'BBR-101', pin: '730461' }, 'officer');
    await addOfficer(db, { officerId: 'BBR-TEC', pin: '615283' }, 'technician');
    cookies.supervisor = await signInFetch(appliance.url);
    cookies.officer = await signInFetch(appliance.url, { officerId: 'BBR-101', pin: '730461' });
    cookies.technician = await signInFetch(appliance.url, { officerId: 'BBR-TEC', pin: '615283' });
  }, 60_000);

  afterAll(async () => {
    await full?.stop();
  });

  const routes = () => appliance.app.routeAccess;

  it('knows every route, and every route declares its access', () => {
    expect(routes().length).toBeGreaterThan(45);
    expect(routes().filter((r) => r.access === undefined)).toEqual([]);
    const publicRoutes = routes()
      .filter((r) => r.access === 'public' && !r.url.startsWith('/docs'))
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    expect(publicRoutes).toEqual(['GET /', 'GET /assets/*', 'GET /healthz', 'HEAD /', 'HEAD /assets/*', 'HEAD /healthz', 'POST /api/auth/sign-in']);
  });

  it('answers 401, 403 or 404 and never data to every non-public route in every hostile spelling without a session', async () => {
    const leaks: string[] = [];
    let tried = 0;
    for (const route of routes()) {
      if (route.access === 'public' || route.access === 'kiosk') continue; // kiosk: the next test, from another host
      for (const target of hostileSpellings(concrete(route.url), port)) {
        const res = await rawRequest(port, route.method, target, route.method === 'GET' || route.method === 'HEAD' ? {} : { 'content-type': 'application/json' }, route.method === 'GET' || route.method === 'HEAD' ? '' : '{}');
        tried++;
        if (![401, 403, 404].includes(res.status)) leaks.push(`${route.method} ${target} → ${res.status} ${res.body.slice(0, 60)}`);
      }
    }
    expect(tried).toBeGreaterThan(45 * 15);
    expect(leaks).toEqual([]);
  }, 120_000);

  it("answers the kiosk's routes (the sign-in list) to the appliance's own screen only: 401 to a stranger on the network", async () => {
    const kiosk = routes().filter((r) => r.access === 'kiosk');
    expect(kiosk.map((r) => `${r.method} ${r.url}`)).toContain('GET /api/auth/officers');
    for (const route of kiosk) {
      const stranger = await appliance.app.inject({ method: route.method as 'GET', url: concrete(route.url), remoteAddress: '192.0.2.10' });
      expect(stranger.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(stranger.body).not.toContain('displayName');
      const signedIn = await appliance.app.inject({ method: route.method as 'GET', url: concrete(route.url), remoteAddress: '192.0.2.10', headers: { cookie: cookies.officer ?? '' } });
      expect(signedIn.statusCode).toBe(200);
    }
    const screen = await rawRequest(port, 'GET', '/api/auth/officers', {});
    expect(screen.status).toBe(200);
    expect(screen.body).toContain('displayName');
  });

  it('refuses a foreign Host (DNS rebinding) with 421 even with a valid session, on every spelling', async () => {
    for (const target of hostileSpellings('/api/registrations', port)) {
      const res = await rawRequest(port, 'GET', target, { host: `rebind.example:${port}`, cookie: cookies.supervisor ?? '' });
      expect([421, 404], `${target}`).toContain(res.status);
      expect(res.body).not.toContain('"items"');
    }
    const ok = await rawRequest(port, 'GET', '/api/registrations', { cookie: cookies.supervisor ?? '' });
    expect(ok.status).toBe(200);
  });

  it('refuses a foreign-Origin POST through every spelling, even with the cookie', async () => {
    for (const target of hostileSpellings('/api/registrations', port)) {
      const res = await rawRequest(
        port,
        'POST',
        target,
        { origin: 'http://evil.example', cookie: cookies.supervisor ?? '', 'content-type': 'application/json' },
        '{}',
      );
      expect([403, 404], `${target}`).toContain(res.status);
    }
    const own = await rawRequest(port, 'POST', '/api/registrations', { origin: `http://127.0.0.1:${port}`, cookie: cookies.officer ?? '', 'content-type': 'application/json' }, '{}');
    expect(own.status).toBe(201);
  });

  it('refuses each role every route its declaration does not admit (403), and admits an officer to the counter routes', async () => {
    const wrong: string[] = [];
    let denied = 0;
    for (const route of routes()) {
      if (route.access === undefined || route.access === 'public') continue;
      const admitted = rolesFor(route.access) ?? [];
      for (const role of ['officer', 'supervisor', 'technician'] as const) {
        if (admitted.includes(role)) continue;
        const res = await rawRequest(port, route.method, concrete(route.url), { cookie: cookies[role] ?? '', 'content-type': 'application/json' }, route.method === 'GET' || route.method === 'HEAD' ? '' : '{}');
        denied++;
        if (res.status !== 403) wrong.push(`${role} ${route.method} ${route.url} → ${res.status}`);
      }
    }
    expect(denied).toBeGreaterThan(5); // officers, unlock and quarantine retry are role-limited
    expect(wrong).toEqual([]);
    const list = await rawRequest(port, 'GET', '/api/registrations', { cookie: cookies.officer ?? '' });
    expect(list.status).toBe(200);
  });

  it('refuses a socket.io handshake from a foreign Origin or Host, and drops a socket at sign-out', async () => {
    const handshake = (headers: Record<string, string>) => socketHandshake(appliance.url, headers);
    const officerCookie = await signInFetch(appliance.url, { officerId: 'BBR-101', pin: '730461' });
    expect(await handshake({ cookie: officerCookie, origin: 'http://evil.example' })).not.toBe('connected');
    expect(await handshake({ cookie: officerCookie, host: `rebind.example:${port}` })).not.toBe('connected');
    expect(await handshake({})).not.toBe('connected');
    expect(await handshake({ cookie: officerCookie, origin: appliance.url })).toBe('connected');

    const socket = io(appliance.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: officerCookie } });
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
    const dropped = new Promise<string>((resolve) => socket.on('disconnect', (reason) => resolve(reason)));
    const scans: unknown[] = [];
    socket.on('document:scanned', (e) => scans.push(e));
    const out = await rawRequest(port, 'POST', '/api/auth/sign-out', { cookie: officerCookie });
    expect(out.status).toBe(204);
    expect(await dropped).toBe('io server disconnect');
    appliance.bus.publish('document.scanned', {
      scanId: 'after-sign-out',
      device: 'mrz',
      receivedAt: new Date().toISOString(),
    } as never);
    await new Promise((r) => setTimeout(r, 200));
    expect(scans).toEqual([]);
    socket.close();
  });
});
