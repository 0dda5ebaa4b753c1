import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { io, type Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build } from '../app.ts';
import { signInInject, TEST_AUTH } from '../auth/test-support.ts';
import { ScanCache } from '../devices/scan-cache.ts';
import { EventBus } from '../events/event-bus.ts';
import { allowedHostNames } from '../http/host-guard.ts';
import type { Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';
import { attachSocketGateway } from './socket-gateway.ts';

/** Live sockets carry personal data (document:scanned has the surname): they must end with their session. */
describe('socket gateway follows the session', () => {
  let dataDir: string;
  let store: Store;
  let app: FastifyInstance;
  let gateway: { close(): Promise<void> };
  let url: string;
  let clock: number;
  const bus = new EventBus();

  beforeEach(async () => {
    clock = Date.parse('2026-11-29T08:00:00Z');
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-'));
    store = openApplianceStore({ dataDir });
    app = await build({ store, bus, scans: new ScanCache(), officeCode: 'BBR', auth: { ...TEST_AUTH, idleTimeoutMs: 60_000 }, now: () => new Date(clock) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    gateway = attachSocketGateway(app.server, {
      bus,
      devices: () => [],
      sessions: { authorize: (r) => app.auth.authorizeSocket(r), isLive: (k) => app.auth.sessions.isLive(k), onEnd: (l) => app.auth.sessions.onEnd(l) },
      allowedHosts: allowedHostNames('127.0.0.1'),
      sessionCheckMs: 50,
    });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await gateway.close();
    await app.close();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const connect = (cookie: string) =>
    new Promise<Socket>((resolve, reject) => {
      const s = io(url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
      s.on('connect', () => resolve(s));
      s.on('connect_error', reject);
    });
  const scan = (scanId: string) =>
    bus.publish('document.scanned', { scanId, at: new Date(clock).toISOString(), lines: [], framing: 'cr', document: null, receivedAt: 0 });

  it('disconnects a socket whose session ends by idle logout, and pushes it nothing after', async () => {
    const socket = await connect(await signInInject(app));
    const received: string[] = [];
    socket.on('document:scanned', (e: { scanId: string }) => received.push(e.scanId));
    const dropped = new Promise<string>((resolve) => socket.on('disconnect', resolve));
    scan('while-signed-in');
    await expect.poll(() => received).toEqual(['while-signed-in']);
    clock += 61_000; // a minute of nobody at the counter
    expect(await dropped).toBe('io server disconnect');
    scan('after-idle-logout');
    await new Promise((r) => setTimeout(r, 150));
    expect(received).toEqual(['while-signed-in']);
    socket.close();
  });

  it("disconnects only the signed-out officer's socket and keeps another officer's", async () => {
    const first = await connect(await signInInject(app));
    const secondCookie = await signInInject(app);
    const second = await connect(secondCookie);
    const firstDropped = new Promise<string>((resolve) => first.on('disconnect', resolve));
    const out = await app.inject({ method: 'POST', url: '/api/auth/sign-out', headers: { cookie: secondCookie } });
    expect(out.statusCode).toBe(204);
    await expect.poll(() => second.connected).toBe(false);
    expect(first.connected).toBe(true);
    first.close();
    expect(await firstDropped).toBe('io client disconnect');
  });
});
