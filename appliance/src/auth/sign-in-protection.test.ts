/**
 * Sign-in that cannot be raced or flooded (issue #10, item 2): attempts reserved before the PIN is checked,
 * per-terminal and officer-wide lockout, per-client and global rate limits, bounded verification lanes,
 * unknown ids never stored, and sign-in on a full disk.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import { build } from '../app.ts';
import { ScanCache } from '../devices/scan-cache.ts';
import { EventBus } from '../events/event-bus.ts';
import { createStore, mapSqliteError, migrate, openDatabase, type Store } from '../store/index.ts';
import { MIGRATIONS, openApplianceStore } from '../schema.ts';
import { ARGON2_VERIFIER, DEFAULT_LOCKOUT, type LockoutPolicy, type PinVerifier, type SignInLimits } from './authenticator.ts';
import { createOfficerRepository, type OfficerRepository } from './officers.ts';
import { FailureWindow, VerifyLane } from './sign-in-limiter.ts';
import { TEST_AUTH, TEST_OFFICER, signInInject } from './test-support.ts';

const START = new Date('2026-11-23T08:00:00Z');
const SECOND = { officerId: 'BBR-020', pin: '470219' };
const SUPERVISOR_2 = { officerId: 'BBR-030', pin: '580316' };
const WRONG = '135790';

/** Counts PIN checks (the seam the guard calls), each made slower so a burst overlaps them for certain. */
function countingVerifier(delayMs = 40, burnMs = delayMs): { counts: { verified: number; burned: number }; verifier: PinVerifier } {
  const counts = { verified: 0, burned: 0 };
  return {
    counts,
    verifier: {
      async verify(hash, pin) {
        counts.verified += 1;
        await sleep(delayMs);
        return ARGON2_VERIFIER.verify(hash, pin);
      },
      async burn() {
        counts.burned += 1;
        await sleep(burnMs);
      },
    },
  };
}

const policy = (limits: Partial<SignInLimits> = {}, verifier?: PinVerifier, extra: Partial<LockoutPolicy> = {}): LockoutPolicy => ({
  ...DEFAULT_LOCKOUT,
  ...extra,
  limits,
  ...(verifier ? { verifier } : {}),
});
const NO_CLIENT_LIMIT: Partial<SignInLimits> = { perClient: { max: 100_000, windowMs: 60_000 } };

describe('sign-in protection (inject)', () => {
  let dataDir: string;
  let store: Store;
  let app: FastifyInstance;
  let clock: Date;

  const open = async (lockout: LockoutPolicy = DEFAULT_LOCKOUT) => {
    app = await build({ store, bus: new EventBus(), scans: new ScanCache(), officeCode: 'BBR', now: () => clock, auth: { ...TEST_AUTH, lockout } });
  };
  const signIn = (creds: { officerId: string; pin: string }, from = '127.0.0.1') =>
    app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: creds, remoteAddress: from });
  const createOfficer = async (cookie: string, creds: { officerId: string; pin: string }, role = 'officer') =>
    app.inject({ method: 'POST', url: '/api/officers', headers: { cookie }, payload: { ...creds, displayName: 'Someone', role } });
  const auditRows = () => {
    const db = new Database(store.health().path, { readonly: true });
    try {
      return db.prepare('SELECT actor, action, entity_type, entity_id, details_json FROM audit_log ORDER BY seq').all() as Array<{ actor: string; action: string; entity_type: string; entity_id: string; details_json: string }>;
    } finally {
      db.close();
    }
  };

  beforeEach(() => {
    clock = START;
    dataDir = mkdtempSync(join(tmpdir(), 'sign-in-'));
    store = openApplianceStore({ dataDir, now: () => clock });
  });
  afterEach(async () => {
    await app?.close();
    store.close();
  });

  it('checks exactly five of 60 wrong PINs sent at once and refuses the rest unchecked', async () => {
    const { counts, verifier } = countingVerifier();
    await open(policy({}, verifier));
    const answers = await Promise.all(Array.from({ length: 60 }, () => signIn({ ...TEST_OFFICER, pin: WRONG })));
    const statuses = answers.map((r) => r.statusCode);
    expect(counts.verified).toBe(5);
    expect(statuses.filter((s) => s === 401 || s === 423)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(55);
    const limited = answers.find((r) => r.statusCode === 429);
    expect(limited?.json()).toMatchObject({ code: 'AUTH_RATE_LIMITED' });
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Afterwards the officer is locked at this terminal: the right PIN is refused, still unchecked.
    expect((await signIn(TEST_OFFICER)).statusCode).toBeGreaterThanOrEqual(423);
    expect(counts.verified).toBe(5);
  });

  it('without the per-client limit, the reservation alone holds the checks to five', async () => {
    const { counts, verifier } = countingVerifier();
    await open(policy(NO_CLIENT_LIMIT, verifier));
    const answers = await Promise.all(Array.from({ length: 60 }, () => signIn({ ...TEST_OFFICER, pin: WRONG })));
    expect(counts.verified).toBe(5);
    expect(answers.filter((r) => r.statusCode === 401)).toHaveLength(4);
    expect(answers.every((r) => [401, 423, 429].includes(r.statusCode))).toBe(true);
    const locked = await signIn(TEST_OFFICER);
    expect(locked.json()).toMatchObject({ code: 'AUTH_LOCKED', scope: 'terminal', lockedUntil: '2026-11-23T08:15:00.000Z' });
  });

  it('does not sign in the right PIN sent 21st in a burst of 40', async () => {
    const { counts, verifier } = countingVerifier();
    await open(policy(NO_CLIENT_LIMIT, verifier));
    const burst = Array.from({ length: 40 }, (_, i) => signIn({ ...TEST_OFFICER, pin: i === 20 ? TEST_OFFICER.pin : WRONG }));
    const answers = await Promise.all(burst);
    expect(answers.map((r) => r.statusCode)).not.toContain(200);
    expect(answers[20]?.statusCode).not.toBe(200);
    expect(answers.every((r) => r.headers['set-cookie'] === undefined)).toBe(true);
    expect(counts.verified).toBe(5);
    expect(app.auth.sessions.size).toBe(0);
  });

  it('locks per terminal: wrong PINs from elsewhere do not lock the supervisor out of the counter', async () => {
    await open();
    for (let i = 0; i < 4; i++) expect((await signIn({ ...TEST_OFFICER, pin: WRONG }, '10.0.0.66')).statusCode).toBe(401);
    const locked = await signIn({ ...TEST_OFFICER, pin: WRONG }, '10.0.0.66');
    expect(locked.statusCode).toBe(423);
    expect(locked.json()).toMatchObject({ code: 'AUTH_LOCKED', scope: 'terminal' });
    expect((await signIn(TEST_OFFICER, '10.0.0.66')).statusCode).toBe(423);
    // The counter's own browser (loopback) is another terminal.
    expect((await signIn(TEST_OFFICER)).statusCode).toBe(200);
    const rows = auditRows().filter((r) => r.entity_id === TEST_OFFICER.officerId);
    expect(rows.map((r) => r.action)).toEqual([
      ...Array(5).fill('auth.sign-in-failed'),
      'auth.locked', // once, when the lock is set; refusals during the lock write nothing
      'auth.sign-in',
    ]);
    expect(JSON.parse(rows[5]?.details_json ?? '{}')).toMatchObject({ scope: 'terminal', client: '10.0.0.66' });
  });

  it('locks officer-wide after 20 wrong PINs from several terminals, doubling the lock; another supervisor unlocks', async () => {
    await open();
    const supervisor = await signInInject(app);
    expect((await createOfficer(supervisor, SUPERVISOR_2, 'supervisor')).statusCode).toBe(201);
    const attack = async (hosts: string[]) => {
      const answers = [];
      for (const host of hosts) for (let i = 0; i < 5; i++) answers.push(await signIn({ ...TEST_OFFICER, pin: WRONG }, host));
      return answers[answers.length - 1] as Awaited<ReturnType<typeof signIn>>;
    };
    const first = await attack(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    expect(first.json()).toMatchObject({ code: 'AUTH_LOCKED', scope: 'officer', lockedUntil: '2026-11-23T08:15:00.000Z' });
    const atCounter = await signIn(TEST_OFFICER);
    expect(atCounter.statusCode).toBe(423);
    expect(atCounter.json()).toMatchObject({ scope: 'officer' });

    // Nobody unlocks: the next officer-wide lock lasts twice as long.
    clock = new Date('2026-11-23T08:15:00Z');
    const second = await attack(['10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.4']);
    expect(second.json()).toMatchObject({ scope: 'officer', lockedUntil: '2026-11-23T08:45:00.000Z' });
    const cookie2 = await signInInject(app, SUPERVISOR_2);
    const list = await app.inject({ method: 'GET', url: '/api/officers', headers: { cookie: cookie2 } });
    expect(list.json()).toContainEqual(expect.objectContaining({ officerId: 'BBR-017', failedAttempts: 40, lockedUntil: '2026-11-23T08:45:00.000Z' }));

    // Another supervisor lifts every lock at once (officer-wide and the attackers' terminals alike).
    expect((await app.inject({ method: 'POST', url: '/api/officers/bbr-017/unlock', headers: { cookie: cookie2 } })).statusCode).toBe(204);
    expect((await signIn(TEST_OFFICER)).statusCode).toBe(200);
    const unlocked = auditRows().find((r) => r.action === 'officer.unlocked');
    expect(unlocked).toMatchObject({ actor: 'BBR-030', entity_id: 'BBR-017' });
    expect(JSON.parse(unlocked?.details_json ?? '{}')).toMatchObject({ lockedUntil: '2026-11-23T08:45:00.000Z', failedAttempts: 40 });
  });

  it('answers 429 with Retry-After once a client has 10 failures in a minute, for any officer id', async () => {
    await open();
    const from = '10.9.9.9';
    for (let i = 0; i < 10; i++) expect([401, 423]).toContain((await signIn({ officerId: `NOBODY-${i}`, pin: WRONG }, from)).statusCode);
    const limited = await signIn(TEST_OFFICER, from);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ statusCode: 429, code: 'AUTH_RATE_LIMITED', retryAfterS: 60 });
    expect(limited.headers['retry-after']).toBe('60');
    // Other clients are not affected; the window slides.
    expect((await signIn(TEST_OFFICER)).statusCode).toBe(200);
    clock = new Date(START.getTime() + 60_000);
    expect((await signIn(TEST_OFFICER, from)).statusCode).toBe(200);
  });

  it('limits unknown-id attempts from everyone together, and never locks or audits them one by one', async () => {
    const { verifier } = countingVerifier(0, 0);
    await open(policy({ unknownIds: { max: 60, windowMs: 60_000 } }, verifier));
    // Typed into the id field: a PIN, and names. None of it may be stored.
    const typed = ['482915', 'ZZ-NOBODY', 'MOYO.T'];
    const answers = [];
    for (let i = 0; i < 61; i++) answers.push(await signIn({ officerId: typed[i % 3] as string, pin: WRONG }, `10.1.${Math.floor(i / 5)}.${i % 5}`));
    expect(answers.slice(0, 60).every((r) => r.statusCode === 401)).toBe(true);
    expect(answers[0]?.json()).toEqual({ statusCode: 401, code: 'AUTH_INVALID_CREDENTIALS', message: 'Wrong officer id or PIN.' });
    expect(answers[60]?.statusCode).toBe(429);
    expect(answers[60]?.json()).toMatchObject({ code: 'AUTH_RATE_LIMITED' });

    await app.close(); // flushes the last aggregate
    const rows = auditRows();
    const aggregates = rows.filter((r) => r.action === 'auth.unknown-officer-ids');
    expect(aggregates).toHaveLength(2); // the first attempt, then the rest at close: never one per try
    expect(aggregates.reduce((n, r) => n + (JSON.parse(r.details_json as string) as { attempts: number }).attempts, 0)).toBe(61);
    expect(JSON.parse(aggregates[1]?.details_json as string)).toMatchObject({ clients: { '10.1.0.1': 1 } });
    const everything = JSON.stringify(rows);
    for (const t of typed) expect(everything).not.toContain(t);
    expect(rows.filter((r) => r.entity_type === 'officer' && r.action.startsWith('auth.'))).toEqual([]);
  });

  it('keeps a real officer fast while 200 bogus sign-ins flood: a separate lane, excess refused at once with 503', async () => {
    // Limits raised so only the lanes stand between the flood and the officer; each dummy check takes 100 ms.
    const { counts, verifier } = countingVerifier(0, 100);
    await open(policy({ perClient: { max: 100_000, windowMs: 60_000 }, unknownIds: { max: 100_000, windowMs: 60_000 } }, verifier));
    const flood = Array.from({ length: 200 }, (_, i) => signIn({ officerId: `BOGUS-${i}`, pin: WRONG }, `10.2.${i >> 8}.${i & 255}`));
    await sleep(20);
    const t0 = performance.now();
    const real = await signIn(TEST_OFFICER);
    const took = performance.now() - t0;
    const answers = await Promise.all(flood);
    expect(real.statusCode).toBe(200);
    expect(took).toBeLessThan(1000);
    const busy = answers.filter((r) => r.statusCode === 503);
    expect(busy.length).toBeGreaterThanOrEqual(200 - 9);
    expect(busy[0]?.json()).toMatchObject({ code: 'AUTH_BUSY' });
    expect(busy[0]?.headers['retry-after']).toBe('1');
    expect(counts.burned).toBeLessThanOrEqual(9); // 1 at a time + 8 waiting
  });

  it('refuses at once when the known-officer lane is full, without counting the attempt', async () => {
    const { counts, verifier } = countingVerifier(150);
    await open(policy({ knownLane: { concurrency: 1, queue: 0 } }, verifier));
    const supervisor = await signInInject(app);
    expect((await createOfficer(supervisor, SECOND)).statusCode).toBe(201);
    const [a, b] = await Promise.all([signIn({ ...SECOND, pin: WRONG }), signIn({ ...SECOND, pin: WRONG })]);
    expect([a?.statusCode, b?.statusCode].sort()).toEqual([401, 503]);
    expect(counts.verified).toBe(2); // the supervisor's sign-in and one of the two
    expect((await signIn({ ...SECOND, pin: WRONG })).json()).toMatchObject({ attemptsLeft: 3 });
  });

  it('survives a restart: wrong PINs counted before it still count at every terminal', async () => {
    await open();
    for (let i = 0; i < 3; i++) await signIn({ ...TEST_OFFICER, pin: WRONG }, '10.0.0.7');
    await app.close();
    await open();
    // Three counted in the database before the restart: two left, at any terminal.
    expect((await signIn({ ...TEST_OFFICER, pin: WRONG })).json()).toMatchObject({ attemptsLeft: 1 });
    expect((await signIn({ ...TEST_OFFICER, pin: WRONG })).json()).toMatchObject({ code: 'AUTH_LOCKED' });
    clock = new Date(START.getTime() + 15 * 60_000);
    expect((await signIn(TEST_OFFICER)).statusCode).toBe(200);
  });
});

describe('sign-in on a full disk', () => {
  let dir: string;
  let db: Database.Database;
  let store: Store;
  let app: FastifyInstance;
  let clock: Date;
  const logger = createLogger('test');

  /** The error a full disk gives (SQLITE_FULL, mapped to STORE_DISK_FULL), produced by a real full database. */
  const diskFullError = (): unknown => {
    const d = new Database(join(dir, 'full.db'));
    try {
      d.exec('CREATE TABLE t (b BLOB)');
      d.pragma(`max_page_count = ${d.pragma('page_count', { simple: true }) as number}`);
      d.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(64 * 1024));
    } catch (err) {
      return mapSqliteError(err, 'officers');
    } finally {
      d.close();
    }
    throw new Error('the database never filled up');
  };
  /**
   * The store's connection gets a page ceiling (disk-full.test.ts), so audit rows fail for real. The lockout
   * writes share that connection; they are also made to throw the same SQLITE_FULL error directly, so the test
   * does not depend on which write happens to find the last free page. Returns the way to free the disk again.
   */
  const fillDisk = (officers: OfficerRepository): (() => void) => {
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    // Big rows first, then ever smaller ones, until not even a small audit row fits.
    for (const pad of [4000, 400, 40, 0]) {
      for (let i = 0; i < 10_000; i++) {
        try {
          store.audit.append({ actor: 'test', action: 'test.filler', entityType: 'test', entityId: String(i), details: { pad: 'x'.repeat(pad) } });
        } catch (err) {
          expect(err).toMatchObject({ code: 'STORE_DISK_FULL' });
          break;
        }
      }
    }
    const full = diskFullError();
    const methods = ['recordFailure', 'recordSuccess', 'setLockState', 'unlock', 'setPinHash'] as const;
    const saved = methods.map((m) => officers[m]);
    for (const m of methods) (officers as unknown as Record<string, () => never>)[m] = () => {
      throw full;
    };
    return () => {
      methods.forEach((m, i) => {
        (officers as unknown as Record<string, unknown>)[m] = saved[i];
      });
      db.pragma('max_page_count = 1073741823');
    };
  };
  const open = async () => {
    app = await build({ store, bus: new EventBus(), scans: new ScanCache(), officeCode: 'BBR', now: () => clock, auth: TEST_AUTH });
  };
  const signIn = (creds: { officerId: string; pin: string }, from = '127.0.0.1') =>
    app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: creds, remoteAddress: from });

  beforeEach(async () => {
    clock = START;
    dir = mkdtempSync(join(tmpdir(), 'sign-in-full-'));
    const path = join(dir, 'appliance.db');
    db = openDatabase(path, dir, logger);
    migrate(db, MIGRATIONS);
    store = createStore(db, { path, logger, now: () => clock });
    await open();
  });
  afterEach(async () => {
    await app.close();
    store.close();
  });

  it('signs in with the right PIN, refuses and counts wrong PINs in memory, and answers 507 to officer creation', async () => {
    const supervisor = await signInInject(app);
    const made = await app.inject({ method: 'POST', url: '/api/officers', headers: { cookie: supervisor }, payload: { ...SECOND, displayName: 'Rudo', role: 'officer' } });
    expect(made.statusCode).toBe(201);
    const free = fillDisk(app.auth.officers);

    expect((await signIn(TEST_OFFICER)).statusCode).toBe(200);
    const left = [];
    for (let i = 0; i < 4; i++) left.push((await signIn({ ...SECOND, pin: WRONG })).json().attemptsLeft);
    expect(left).toEqual([4, 3, 2, 1]);
    expect((await signIn({ ...SECOND, pin: WRONG })).statusCode).toBe(423);
    expect((await signIn(SECOND)).statusCode).toBe(423);

    const list = await app.inject({ method: 'GET', url: '/api/officers', headers: { cookie: supervisor } });
    expect(list.json()).toContainEqual(expect.objectContaining({ officerId: 'BBR-020', failedAttempts: 5, lockedUntil: '2026-11-23T08:15:00.000Z' }));
    const create = await app.inject({ method: 'POST', url: '/api/officers', headers: { cookie: supervisor }, payload: { officerId: 'BBR-021', displayName: 'X', role: 'officer', pin: '470219' } });
    expect(create.statusCode).toBe(507);
    expect(create.json()).toMatchObject({ code: 'STORE_DISK_FULL' });
    expect(app.auth.officers.get('BBR-021')).toBeUndefined();

    // Space freed: the count kept in memory reaches the database with the next attempt.
    free();
    expect((await signIn({ ...SECOND, pin: WRONG }, '10.0.0.8')).statusCode).toBe(401);
    expect(app.auth.officers.get('BBR-020')).toMatchObject({ failedAttempts: 6 });
    expect(store.audit.verify().ok).toBe(true);
  });

  it('still signs in after a restart on the full disk', async () => {
    fillDisk(app.auth.officers);
    await app.close();
    await open();
    fillDisk(app.auth.officers);
    const res = await signIn(TEST_OFFICER);
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers['set-cookie']).split(';')[0] as string;
    expect((await app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie } })).statusCode).toBe(200);
    expect((await signIn({ ...TEST_OFFICER, pin: WRONG })).json()).toMatchObject({ code: 'AUTH_INVALID_CREDENTIALS', attemptsLeft: 4 });
  });

  it('maps a full disk in the officers table itself to STORE_DISK_FULL, not a bare SQLite error', async () => {
    const path = join(dir, 'officers-full.db');
    const own = openDatabase(path, dir, logger);
    migrate(own, MIGRATIONS);
    own.pragma(`max_page_count = ${own.pragma('page_count', { simple: true }) as number}`);
    const repo = createOfficerRepository(own, () => clock);
    const hash = (app.auth.officers.get(TEST_OFFICER.officerId) as { pinHash: string }).pinHash;
    let err: unknown;
    for (let i = 0; i < 5000 && !err; i++) {
      try {
        repo.insert({ officerId: `F-${i}`, displayName: 'y'.repeat(80), role: 'officer', pinHash: hash });
      } catch (e) {
        err = e;
      }
    }
    expect(err).toMatchObject({ code: 'STORE_DISK_FULL' });
    own.close();
  });
});

describe('limiter building blocks', () => {
  it('FailureWindow reserves attempts in flight and slides', () => {
    const w = new FailureWindow({ max: 3, windowMs: 1000 });
    const a = w.acquire('k', 0);
    const b = w.acquire('k', 0);
    const c = w.acquire('k', 0);
    expect(w.acquire('k', 0)).toMatchObject({ ok: false, retryAfterMs: 1000 });
    if (!a.ok || !b.ok || !c.ok) throw new Error('should be admitted');
    a.settle(true);
    b.settle(false);
    expect(w.acquire('k', 10).ok).toBe(true);
    c.settle(true);
    expect(w.failures('k', 10)).toBe(2);
    expect(w.acquire('k', 1001).ok).toBe(true);
  });

  it('VerifyLane runs a few at once, queues a few, refuses the rest synchronously', async () => {
    const lane = new VerifyLane({ concurrency: 2, queue: 1 });
    let running = 0;
    let peak = 0;
    const job = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await sleep(20);
      running -= 1;
      return true;
    };
    const runs = Array.from({ length: 5 }, () => lane.run(job));
    expect(runs.map((r) => r !== null)).toEqual([true, true, true, false, false]);
    await Promise.all(runs.filter(Boolean));
    expect(peak).toBe(2);
    expect(lane.active + lane.queued).toBe(0);
  });
});
