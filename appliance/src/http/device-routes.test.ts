import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import { build } from '../app.ts';
import { TEST_AUTH, signInInject } from '../auth/test-support.ts';
import { parseConfig } from '../config/load-config.ts';
import { MrzReaderFeature } from '../devices/mrz-reader-feature.ts';
import { ScanCache } from '../devices/scan-cache.ts';
import { EventBus } from '../events/event-bus.ts';
import { type RunningFingerprints, startFingerprints } from '../fingerprints/start-fingerprints.ts';
import { PrintingService } from '../printing/printing-service.ts';
import { testSigner } from '../printing/test-support.ts';
import type { Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';

/**
 * GET /api/devices through build() with the real device features (every transport "none", so no pty is
 * needed): the header's chips are filled from it after a (re)connect, so it must list every counter device.
 */
describe('device routes (inject)', () => {
  let dir: string;
  let store: Store;
  let mrz: MrzReaderFeature;
  let printing: PrintingService;
  let fingerprints: RunningFingerprints;
  let app: FastifyInstance;
  let cookie: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'device-routes-'));
    const { config } = parseConfig({
      version: 1,
      dataDir: dir,
      logLevel: 'silent',
      devices: { mrz: { transport: 'none' }, fingerprint: { transport: 'none' }, printer: { transport: 'none' } },
    });
    store = openApplianceStore({ dataDir: dir });
    const bus = new EventBus();
    const logger = createLogger('test');
    mrz = new MrzReaderFeature({ config: config.devices.mrz, bus, scans: new ScanCache(), logger });
    await mrz.start();
    printing = await PrintingService.start({ store, bus, signer: testSigner(), printer: config.devices.printer, officeCode: 'BBR', officeName: 'Beitbridge' });
    fingerprints = await startFingerprints({ device: config.devices.fingerprint, plan: config.office.capturePlan, dataDir: dir, store, bus, logger });
    app = await build({ store, bus, scans: new ScanCache(), officeCode: 'BBR', mrz, printing, fingerprints, auth: TEST_AUTH });
    cookie = await signInInject(app);
  });
  afterAll(async () => {
    await app.close();
    await printing.stop();
    await fingerprints.stop();
    await mrz.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the passport reader, the fingerprint module and the printer, each with its state and reason', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/devices', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const list = res.json() as { device: string; state: string; reason?: string; simulated: boolean }[];
    expect(list.map((d) => d.device).sort()).toEqual(['fingerprint', 'mrz', 'printer']);
    for (const d of list) expect(d).toMatchObject({ state: 'absent', simulated: false });
    expect(list.find((d) => d.device === 'fingerprint')?.reason).toMatch(/devices\.fingerprint\.transport = "none"/);
    expect(list.find((d) => d.device === 'mrz')?.reason).toMatch(/no MRZ reader configured/);
  });

  it('answers what each feature reports now, not a copy taken at start', async () => {
    const before = (await app.inject({ method: 'GET', url: '/api/devices', headers: { cookie } })).json() as { device: string; at: string }[];
    expect(before.find((d) => d.device === 'printer')).toEqual(printing.feature.state);
    expect(before.find((d) => d.device === 'fingerprint')).toEqual(fingerprints.feature.state);
  });

  it('needs a session', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/devices' })).statusCode).toBe(401);
  });

  it('refuses the scan simulator when the reader is not simulated', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/simulator/mrz/scan', headers: { cookie }, payload: {} });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'NOT_SIMULATED' });
  });
});
