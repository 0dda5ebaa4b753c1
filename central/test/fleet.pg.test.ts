/**
 * Fleet reporting and audit anchoring (issue 16 point 4) against a real PostgreSQL cluster: batches with
 * a status go through the real batch route; GET /api/fleet shows each appliance's chain status.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { FLEET_PATH } from '../src/fleet/fleet-routes.ts';
import type { FleetAppliance } from '../src/fleet/fleet-store.ts';
import { type ApplianceStatus, BATCH_PATH, type BatchResponse, encodeBatch } from '@lmc/protocol/batch.ts';
import { useCentralOnPg } from './central-on-pg.ts';
import { makeDevice, makeRecord, type TestDevice } from './fixtures.ts';
import { addStaff, signIn, TEST_AUTH } from './staff.ts';

const names = ['ok', 'same-length', 'prior', 'backwards', 'reordered', 'silent'] as const;
const devices = Object.fromEntries(names.map((n) => [n, makeDevice(`bbr-${n}`, 'BBR')])) as Record<(typeof names)[number], TestDevice>;

let staffCookie: string;
const logLines: Record<string, unknown>[] = [];

const hash = (label: string) => Buffer.from(label).toString('hex').padEnd(64, '0').slice(0, 64);
const t0 = Date.now() - 60_000;

function status(length: number, head: string, prior?: { length: number; hash: string }): ApplianceStatus {
  return {
    auditChain: { length, headHash: hash(head), ...(prior ? { prior } : {}) },
    backlog: { pending: 7, oldestUnsentAt: new Date(t0 - 3_600_000).toISOString() },
    softwareVersion: '0.1.0+test',
    devices: { mrz: 'ready', printer: 'paper-low' },
  };
}

/** One signed batch of one record, frozen at t0 + atSeconds, through the real route. */
async function send(device: TestDevice, atSeconds: number, s: ApplianceStatus | undefined, attemptSkewMs = 0) {
  const record = makeRecord('BBR');
  const encoded = encodeBatch([record], {
    deviceId: device.config.deviceId,
    privateKey: device.privateKey,
    sentAt: new Date(t0 + atSeconds * 1000),
    attemptAt: new Date(Date.now() + attemptSkewMs),
    ...(s ? { status: s } : {}),
  });
  const res = await central.app.inject({ method: 'POST', url: BATCH_PATH, headers: encoded.headers, payload: encoded.body });
  expect(res.statusCode, res.payload).toBe(200);
  // Whatever the chain says, the record is stored and acknowledged.
  expect((res.json() as BatchResponse).stored).toEqual([record.id]);
  return { encoded, record };
}

async function fleet(): Promise<Map<string, FleetAppliance>> {
  const res = await central.app.inject({ method: 'GET', url: FLEET_PATH, headers: { cookie: staffCookie } });
  expect(res.statusCode, res.payload).toBe(200);
  return new Map((res.json() as { appliances: FleetAppliance[] }).appliances.map((a) => [a.deviceId, a]));
}

const chainOf = async (name: (typeof names)[number]) => (await fleet()).get(devices[name].config.deviceId)?.auditChain;

const sink = new Writable({
  write(chunk, _enc, done) {
    for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});
const central = useCentralOnPg(
  { devices: Object.values(devices).map((d) => d.config), auth: TEST_AUTH, logger: pino({ level: 'info' }, sink) as never },
  async (db) => {
    await addStaff(db, 'fleet-auditor', 'auditor');
  },
);

beforeAll(async () => {
  staffCookie = await signIn(central.app, 'fleet-auditor');
});

describe('audit anchoring', () => {
  it('a chain that only grows, each prior matching, is ok, and the fleet shows the latest report', async () => {
    await send(devices.ok, 1, status(10, 'h10'));
    await send(devices.ok, 2, status(10, 'h10', { length: 10, hash: hash('h10') })); // nothing audited in between
    await send(devices.ok, 3, status(15, 'h15', { length: 10, hash: hash('h10') }), -2_000);
    const a = (await fleet()).get('bbr-ok');
    expect(a).toMatchObject({
      office: 'BBR',
      officeName: 'Beitbridge Labour Migration Centre',
      backlogPending: 7,
      oldestUnsentAt: new Date(t0 - 3_600_000).toISOString(),
      softwareVersion: '0.1.0+test',
      deviceStates: { mrz: 'ready', printer: 'paper-low' },
      auditChain: { status: 'ok', flaggedAt: null, reason: null, length: 15, headHash: hash('h15') },
    });
    expect(a?.oldestUnsentAgeMs).toBeGreaterThanOrEqual(3_600_000 + 60_000);
    // The appliance clock 2 s behind the central's receive time (plus the route's own few ms).
    expect(a?.clockDriftMs).toBeLessThanOrEqual(-2_000);
    expect(a?.clockDriftMs).toBeGreaterThan(-3_000);
    expect(Date.parse(a?.lastBatchAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    const anchors = await central.db.query<{ length: string; head_hash: string }>(
      'SELECT length::text, head_hash FROM audit_anchors WHERE device_id = $1 ORDER BY length',
      ['bbr-ok'],
    );
    expect(anchors).toEqual([
      { length: '10', head_hash: hash('h10') },
      { length: '15', head_hash: hash('h15') },
    ]);
  });

  it('the same length with another head hash is flagged rewritten, and stays flagged', async () => {
    await send(devices['same-length'], 1, status(10, 'h10'));
    expect((await chainOf('same-length'))?.status).toBe('ok');
    const before = Date.now();
    await send(devices['same-length'], 2, status(10, 'forged-h10'));
    const chain = await chainOf('same-length');
    expect(chain).toMatchObject({ status: 'rewritten', reason: 'head_differs' });
    expect(Date.parse(chain?.flaggedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    // A consistent report afterwards does not clear it.
    await send(devices['same-length'], 3, status(12, 'h12', { length: 10, hash: hash('forged-h10') }));
    expect(await chainOf('same-length')).toMatchObject({ status: 'rewritten', reason: 'head_differs', flaggedAt: chain?.flaggedAt, length: 12 });
    const flags = await central.db.query<{ status: string; reason: string; length: string; stored_hash: string; received_hash: string }>(
      'SELECT status, reason, length::text, stored_hash, received_hash FROM audit_chain_flags WHERE device_id = $1 ORDER BY id',
      ['bbr-same-length'],
    );
    // The prior of the third report (the forged head) disagrees with the anchor too: both kept for auditors.
    expect(flags).toEqual([
      { status: 'rewritten', reason: 'head_differs', length: '10', stored_hash: hash('h10'), received_hash: hash('forged-h10') },
      { status: 'rewritten', reason: 'prior_differs', length: '10', stored_hash: hash('h10'), received_hash: hash('forged-h10') },
    ]);
    // Logged without personal data: device, lengths and hashes only.
    const logged = logLines.filter((l) => l.msg === 'appliance audit chain flagged' && l.deviceId === 'bbr-same-length');
    expect(logged.map((l) => l.reason)).toEqual(['head_differs', 'prior_differs']);
    expect(JSON.stringify(logged)).not.toMatch(/MOYO|TENDAI/);
  });

  it('a prior that disagrees with the anchored hash of its length is flagged rewritten', async () => {
    await send(devices.prior, 1, status(10, 'h10'));
    await send(devices.prior, 2, status(20, 'h20', { length: 10, hash: hash('re-hashed-h10') }));
    expect(await chainOf('prior')).toMatchObject({ status: 'rewritten', reason: 'prior_differs', length: 20 });
  });

  it('a report frozen later with a shorter chain is flagged backwards', async () => {
    await send(devices.backwards, 1, status(20, 'h20'));
    await send(devices.backwards, 2, status(12, 'h12'));
    expect(await chainOf('backwards')).toMatchObject({ status: 'backwards', reason: 'length_backwards', length: 12 });
  });

  it('an older frozen batch arriving after a newer one (resend, window) is not backwards and does not replace the latest report', async () => {
    await send(devices.reordered, 2, status(15, 'h15', { length: 10, hash: hash('h10') }));
    await send(devices.reordered, 1, status(10, 'h10'));
    expect(await chainOf('reordered')).toMatchObject({ status: 'ok', length: 15, headHash: hash('h15') });
  });

  it('an appliance that sends no status is unknown but shows its last batch and drift', async () => {
    const f0 = (await fleet()).get('bbr-silent');
    expect(f0).toMatchObject({ lastBatchAt: null, auditChain: { status: 'unknown' } });
    await send(devices.silent, 1, undefined, 1_500);
    const a = (await fleet()).get('bbr-silent');
    expect(a).toMatchObject({ backlogPending: null, softwareVersion: null, deviceStates: {}, auditChain: { status: 'unknown', flaggedAt: null } });
    expect(a?.lastBatchAt).not.toBeNull();
    expect(a?.clockDriftMs).toBeGreaterThan(1_000);
    expect(a?.clockDriftMs).toBeLessThanOrEqual(1_500);
  });
});

describe('GET /api/fleet access', () => {
  it('needs a staff session; every staff role may read it', async () => {
    expect((await central.app.inject({ method: 'GET', url: FLEET_PATH })).statusCode).toBe(401);
    for (const role of ['admin', 'statistician'] as const) {
      await addStaff(central.db, `fleet-${role}`, role);
      const cookie = await signIn(central.app, `fleet-${role}`);
      const res = await central.app.inject({ method: 'GET', url: FLEET_PATH, headers: { cookie } });
      expect(res.statusCode).toBe(200);
      expect((res.json() as { appliances: unknown[] }).appliances).toHaveLength(names.length);
    }
    expect((await central.app.inject({ method: 'POST', url: FLEET_PATH, headers: { cookie: staffCookie } })).statusCode).toBe(404);
  });
});
