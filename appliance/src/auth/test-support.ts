/**
 * Real sign-in for tests (no auth bypass exists): seed an officer, sign in over HTTP, send the cookie.
 */
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { io } from 'socket.io-client';
import type { AuthSettings } from './auth-plugin.ts';
import { SESSION_COOKIE } from './cookies.ts';
import { createOfficerRepository, type OfficerRole } from './officers.ts';
import { hashPin } from './pin-hash.ts';

export interface TestCredentials {
  officerId: string;
  pin: string;
}

export const TEST_OFFICER: TestCredentials = { officerId: 'BBR-017', pin: '482915' };

/** For build({ auth }): the first supervisor is the test officer. */
export const TEST_AUTH: AuthSettings = { seedSupervisor: TEST_OFFICER };

/** Adds an officer straight into a store file (for startAppliance / spawned appliances that seeded someone else). */
export async function addOfficer(
  dbPath: string,
  creds: TestCredentials = TEST_OFFICER,
  role: OfficerRole = 'supervisor',
  displayName = 'Test Officer',
): Promise<void> {
  const db = new Database(dbPath);
  try {
    db.pragma('busy_timeout = 5000');
    const repo = createOfficerRepository(db, () => new Date());
    if (!repo.get(creds.officerId)) repo.insert({ officerId: creds.officerId, displayName, role, pinHash: await hashPin(creds.pin) });
  } finally {
    db.close();
  }
}

const cookieFrom = (setCookie: string | string[] | null | undefined): string => {
  const header = Array.isArray(setCookie) ? setCookie.join(',') : (setCookie ?? '');
  const match = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(header);
  if (!match) throw new Error(`sign-in set no session cookie (set-cookie: ${header})`);
  return `${SESSION_COOKIE}=${match[1]}`;
};

/** Signs in through app.inject and returns the Cookie header value. */
export async function signInInject(app: FastifyInstance, creds: TestCredentials = TEST_OFFICER): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: creds });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  return cookieFrom(res.headers['set-cookie']);
}

/** Signs in over real HTTP and returns the Cookie header value. */
export async function signInFetch(baseUrl: string, creds: TestCredentials = TEST_OFFICER): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(creds),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return cookieFrom(res.headers.get('set-cookie'));
}

/** One socket.io handshake with these headers: 'connected', or the message the server refused it with. */
export function socketHandshake(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise<string>((resolve) => {
    const s = io(url, { transports: ['websocket'], reconnection: false, extraHeaders: headers, timeout: 5_000 });
    s.on('connect', () => {
      s.close();
      resolve('connected');
    });
    s.on('connect_error', (err) => {
      s.close();
      resolve(err.message);
    });
  });
}
