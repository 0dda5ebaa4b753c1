/**
 * `appliance-provision unlock <officerId>`: the technician lifts the lockout of the only supervisor, on the
 * data directory's database, with the appliance running (it picks the unlock up at the next sign-in) and with
 * it stopped; the unlock is audited in the same transaction.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { build } from '@lmc/appliance/app.ts';
import { DEFAULT_LOCKOUT } from '@lmc/appliance/auth/authenticator.ts';
import { TEST_AUTH, TEST_OFFICER } from '@lmc/appliance/auth/test-support.ts';
import { ScanCache } from '@lmc/appliance/devices/scan-cache.ts';
import { EventBus } from '@lmc/appliance/events/event-bus.ts';
import type { Store } from '@lmc/appliance/store/index.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { runCli } from './support.ts';

// Each CLI run is a fresh tsx process: seconds each on a loaded 2-core box.
vi.setConfig({ testTimeout: 90_000 });

describe('appliance-provision unlock', () => {
  let root: string;
  let dataDir: string;
  let store: Store;
  let app: FastifyInstance | undefined;
  const clock = new Date('2026-11-23T08:00:00Z');

  // Five wrong PINs lock the only supervisor at this terminal AND officer-wide (officerMaxAttempts 5).
  const open = async () => {
    store = openApplianceStore({ dataDir, now: () => clock });
    app = await build({ store, bus: new EventBus(), scans: new ScanCache(), officeCode: 'BBR', now: () => clock, auth: { ...TEST_AUTH, lockout: { ...DEFAULT_LOCKOUT, officerMaxAttempts: 5 } } });
  };
  const close = async () => {
    await app?.close();
    app = undefined;
    store.close();
  };
  const signIn = (pin: string) => (app as FastifyInstance).inject({ method: 'POST', url: '/api/auth/sign-in', payload: { officerId: TEST_OFFICER.officerId, pin } });
  const lockSupervisor = async () => {
    for (let i = 0; i < 5; i++) await signIn('135790');
    const locked = await signIn(TEST_OFFICER.pin);
    expect(locked.json()).toMatchObject({ code: 'AUTH_LOCKED', scope: 'officer' });
  };
  // A config with nothing set (a named config must exist: a missing one is a usage error).
  const unlock = (id: string) => runCli(['unlock', id, '--config', join(root, 'empty.json'), '--data-dir', dataDir, '--json']);

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'provision-unlock-'));
    dataDir = join(root, 'data');
    writeFileSync(join(root, 'empty.json'), '{"version":1}\n');
    await open();
  });
  afterEach(async () => {
    if (app) await close();
    rmSync(root, { recursive: true, force: true });
  });

  it('unlocks the only supervisor while the appliance runs, audited in the same transaction', async () => {
    await lockSupervisor();
    const run = await unlock('bbr-017');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: true,
      officerId: 'BBR-017',
      role: 'supervisor',
      was: { failedAttempts: 5, lockedUntil: '2026-11-23T08:15:00.000Z' },
    });
    expect(run.stderr).toMatch(/unlocked BBR-017 \(supervisor\): was locked until 2026-11-23T08:15:00.000Z/);
    // The running appliance sees the clean row and drops this terminal's lock too.
    expect((await signIn(TEST_OFFICER.pin)).statusCode).toBe(200);
    const row = store.audit.forEntity('officer', 'BBR-017').find((r) => r.action === 'officer.unlocked');
    expect(row).toMatchObject({ actor: expect.stringMatching(/^technician:/), details: { via: 'appliance-provision unlock', failedAttempts: 5 } });
    expect(store.audit.verify().ok).toBe(true);
  });

  it('unlocks with the appliance stopped; an unknown officer is refused with a code, exit 1', async () => {
    await lockSupervisor();
    await close();
    const missing = await unlock('NOBODY');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, error: { code: 'PROVISION_OFFICER_NOT_FOUND' } });
    const run = await unlock('BBR-017');
    expect(run.code, run.stderr).toBe(0);
    const db = new Database(join(dataDir, 'appliance.db'), { readonly: true });
    expect(db.prepare('SELECT failed_attempts, locked_until FROM officers WHERE officer_id = ?').get('BBR-017')).toEqual({ failed_attempts: 0, locked_until: null });
    expect(db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'officer.unlocked'").get()).toEqual({ n: 1 });
    db.close();
    await open();
    expect((await signIn(TEST_OFFICER.pin)).statusCode).toBe(200);
  });
});
