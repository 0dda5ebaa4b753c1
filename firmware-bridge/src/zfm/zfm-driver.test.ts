import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { isApplianceError } from '@lmc/core/errors.ts';
import { scoreQuality } from '../fingerprint/quality.ts';
import { ZfmDriver } from './zfm-driver.ts';
import { ZFM_IMAGE_HEIGHT, ZFM_IMAGE_WIDTH } from './zfm-image.ts';
import { startPtySimulator } from './zfm-simulator-pty.ts';
import type { ZfmSimulator, ZfmSimulatorOptions } from './zfm-simulator.ts';
import { usePtyLine } from './zfm-test-support.ts';

// A fast line keeps the suite quick; the pacing itself is proven in zfm-simulator.test.ts.
const FAST_BAUD = 240 * 9600; // 2,304,000: the module reports baud as N × 9600

describe('ZfmDriver against the simulator over a real pty', () => {
  const line = usePtyLine<ZfmDriver>();

  async function setup(simOptions: Omit<ZfmSimulatorOptions, 'transport'> = {}, driverTimeouts = {}) {
    const sim = await startPtySimulator({ baudRate: FAST_BAUD, packetSize: 128, ...simOptions });
    line.sim = sim;
    // The module's rate is known (no probing) and kept (the baud raise is tested on an in-memory line).
    const driver = new ZfmDriver({ transportFactory: sim.transportFactory, baudRate: sim.simulator.baudRate, targetBaudRate: 0, timeouts: { ackMs: 1500, ...driverTimeouts } });
    line.end = driver;
    return { sim, simulator: sim.simulator, driver };
  }

  /** Opens, places migrant-4's right index, injects `fault` and captures: the driver, and what the capture threw. */
  async function failedCapture(fault: (simulator: ZfmSimulator) => void, simOptions: Omit<ZfmSimulatorOptions, 'transport'> = {}, driverTimeouts = {}) {
    const { driver, simulator } = await setup(simOptions, driverTimeouts);
    await driver.open();
    simulator.placeFinger('migrant-4', 'right-index');
    fault(simulator);
    return { driver, err: await driver.capture().catch((e: unknown) => e) };
  }

  it('opens with VfyPwd then ReadSysPara and reports the module parameters', async () => {
    const { driver, simulator } = await setup({ packetSize: 64 });
    const states: string[] = [];
    driver.on('state', (s) => states.push(s));
    await driver.open();
    expect(simulator.received).toEqual(['VfyPwd', 'ReadSysPara']);
    const info = driver.info();
    expect(info.family).toBe('zfm');
    expect(info.details.packetSize).toBe(64);
    expect(info.details.baudRate).toBe(FAST_BAUD);
    expect(info.details.libraryCapacity).toBe(1000);
    expect(states).toEqual(['opening', 'ready']);
  });

  it('rejects a wrong password with FP_WRONG_PASSWORD and leaves the reader failed', async () => {
    const { driver } = await setup({ password: 0x1234 });
    const err = await driver.open().catch((e: unknown) => e);
    expect(isApplianceError(err, 'FP_WRONG_PASSWORD')).toBe(true);
    expect(driver.state).toBe('failed');
  });

  it('captures a 256x288 image and a 512-byte template at 128-byte packets', async () => {
    const { driver, simulator } = await setup({ packetSize: 128 });
    await driver.open();
    simulator.placeFinger('migrant-1', 'right-index');
    const { image, template } = await driver.capture();
    expect(image.width).toBe(ZFM_IMAGE_WIDTH);
    expect(image.height).toBe(ZFM_IMAGE_HEIGHT);
    expect(image.pixels.length).toBe(256 * 288);
    expect(template.length).toBe(512);
    expect(scoreQuality(image)).toBeGreaterThan(50);
    expect(simulator.received.slice(2)).toEqual(['GenImg', 'UpImage', 'Img2Tz', 'UpChar']);
  });

  it.each([32, 64, 128, 256])('transfers the whole image at %i-byte data packets', async (packetSize) => {
    const { driver, simulator } = await setup({ packetSize });
    await driver.open();
    simulator.placeFinger('migrant-2', 'left-index');
    const { image, template } = await driver.capture();
    expect(image.pixels.length).toBe(256 * 288);
    expect(template.length).toBe(512);
    expect(driver.info().details.packetSize).toBe(packetSize);
  });

  it('changes the packet size with SetSysPara and keeps capturing', async () => {
    const { driver, simulator } = await setup({ packetSize: 128 });
    await driver.open();
    await driver.setPacketSize(32);
    expect(simulator.packetSize).toBe(32);
    simulator.placeFinger('migrant-2', 'left-index');
    expect((await driver.capture()).image.pixels.length).toBe(256 * 288);
  });

  it('reports no finger as FP_NO_FINGER', async () => {
    const { driver } = await setup();
    await driver.open();
    const err = await driver.capture().catch((e: unknown) => e);
    expect(isApplianceError(err, 'FP_NO_FINGER')).toBe(true);
    expect(driver.state).toBe('ready');
  });

  it('maps an injected messy image to FP_IMAGE_MESSY', async () => {
    const { err } = await failedCapture((simulator) => simulator.failNext('FP_IMAGE_MESSY'));
    expect(isApplianceError(err, 'FP_IMAGE_MESSY')).toBe(true);
    expect((err as Error).message).toMatch(/smudged/);
  });

  it('fails a capture with a corrupt image data packet as FP_IMAGE_TRANSFER, then recovers', async () => {
    const { driver, err } = await failedCapture((simulator) => simulator.corruptDataPacket(5));
    expect(isApplianceError(err, 'FP_IMAGE_TRANSFER')).toBe(true);
    expect((err as { context: { reason: string } }).context.reason).toBe('data-corrupt');
    // The rest of the abandoned upload is drained; the next capture is whole.
    expect((await driver.capture()).image.pixels.length).toBe(256 * 288);
  });

  it('fails a capture with a dropped image data packet as FP_IMAGE_TRANSFER, never a short image', async () => {
    const { err } = await failedCapture((simulator) => simulator.dropDataPacket(10));
    expect(isApplianceError(err, 'FP_IMAGE_TRANSFER')).toBe(true);
    expect((err as { context: { reason: string; received: number } }).context).toMatchObject({ reason: 'data-short', received: 36864 - 128 });
  });

  // A port that disappears mid-upload is tested deterministically on an in-memory line in
  // zfm-driver-faults.test.ts (one outcome: DEVICE_NOT_CONNECTED, then closed); reopen after a replug over a
  // real pty is in appliance/src/fingerprints/fingerprint-feature.test.ts.

  it('fails when the end-of-data packet is lost, by the inter-packet timeout', async () => {
    const { err } = await failedCapture((simulator) => simulator.dropDataPacket(-1), {}, { dataFloorMs: 150 });
    expect(isApplianceError(err, 'FP_IMAGE_TRANSFER')).toBe(true);
    expect((err as { context: { reason: string } }).context.reason).toBe('data-timeout');
  });

  it('fails a dropped template packet as FP_TEMPLATE_TRANSFER', async () => {
    const { err } = await failedCapture((simulator) => simulator.dropDataPacket(2, 'UpChar'), { packetSize: 64 });
    expect(isApplianceError(err, 'FP_TEMPLATE_TRANSFER')).toBe(true);
  });

  it('times out with FP_ACK_TIMEOUT when the module is silent', async () => {
    const { driver, simulator } = await setup({}, { ackMs: 300 });
    simulator.setSilent(true);
    const err = await driver.open().catch((e: unknown) => e);
    expect(isApplianceError(err, 'FP_ACK_TIMEOUT')).toBe(true);
    expect((err as { context: { command: string } }).context.command).toBe('VfyPwd');
  });

  it('verifies two captures of the same finger as a match and different fingers as no match', async () => {
    const { driver, simulator } = await setup({ packetSize: 256 });
    await driver.open();
    simulator.placeFinger('migrant-5', 'right-index');
    const first = await driver.capture();
    simulator.liftFinger();
    simulator.placeFinger('migrant-5', 'right-index');
    const second = await driver.capture();
    simulator.placeFinger('migrant-6', 'right-index');
    const other = await driver.capture();
    simulator.placeFinger('migrant-5', 'left-index');
    const otherFinger = await driver.capture();

    const same = await driver.verify(first.template, second.template);
    expect(same.match).toBe(true);
    const diffPerson = await driver.verify(first.template, other.template);
    expect(diffPerson.match).toBe(false);
    const diffFinger = await driver.verify(first.template, otherFinger.template);
    expect(diffFinger.match).toBe(false);
    expect(same.score).toBeGreaterThan(diffPerson.score);
    expect(same.score).toBeGreaterThan(diffFinger.score);
  });

  it('logs frames at debug level without image, template or password bytes', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const sim = await startPtySimulator({ baudRate: FAST_BAUD, password: 0x5eed });
    line.sim = sim;
    const driver = new ZfmDriver({ transportFactory: sim.transportFactory, baudRate: FAST_BAUD, targetBaudRate: 0, password: 0x5eed, logger });
    line.end = driver;
    await driver.open();
    sim.simulator.placeFinger('migrant-8', 'right-index');
    const { template } = await driver.capture();
    const log = lines.join('');
    expect(log).toContain('"dir":"»"');
    expect(log).toContain('"cmd":"UpImage"');
    // No byte arrays, no hex runs, no password value (0x5eed = 24301).
    expect(log).not.toMatch(/\[\d+(,\d+){15,}\]/);
    expect(log).not.toMatch(/[0-9a-f]{32,}/i);
    expect(log).not.toContain('24301');
    expect(log).not.toContain(Buffer.from(template.subarray(8, 24)).toString('hex'));
    // ~300 data packets at trace level, each a short line: a few hundred bytes per packet at most.
    expect(log.length).toBeLessThan(200_000);
  });

  it('rejects a template of the wrong size before touching the module', async () => {
    const { driver, simulator } = await setup();
    await driver.open();
    const err = await driver.verify(new Uint8Array(10), new Uint8Array(512)).catch((e: unknown) => e);
    expect(isApplianceError(err, 'FP_TEMPLATE_INVALID')).toBe(true);
    expect(simulator.received).not.toContain('DownChar');
  });

  it('waits for a finger, emitting place-finger then finger-detected, and for its lift', async () => {
    const { driver, simulator } = await setup();
    await driver.open();
    const events: string[] = [];
    driver.on('place-finger', () => events.push('place-finger'));
    driver.on('finger-detected', () => events.push('finger-detected'));
    driver.on('lift-finger', () => events.push('lift-finger'));
    const waiting = driver.waitForFinger({ timeoutMs: 3000, pollMs: 20 });
    setTimeout(() => simulator.placeFinger('migrant-7', 'right-index'), 100);
    await waiting;
    const lifting = driver.waitForLift({ timeoutMs: 3000, pollMs: 20 });
    setTimeout(() => simulator.liftFinger(), 100);
    await lifting;
    expect(events).toEqual(['place-finger', 'finger-detected', 'lift-finger']);
    expect(simulator.received.filter((c) => c === 'GenImg').length).toBeGreaterThan(2);
  });

  it('gives FP_FINGER_TIMEOUT when no finger comes, and FP_ABORTED when cancelled', async () => {
    const { driver } = await setup();
    await driver.open();
    const timedOut = await driver.waitForFinger({ timeoutMs: 150, pollMs: 30 }).catch((e: unknown) => e);
    expect(isApplianceError(timedOut, 'FP_FINGER_TIMEOUT')).toBe(true);
    const ac = new AbortController();
    const waiting = driver.waitForFinger({ timeoutMs: 5000, pollMs: 30, signal: ac.signal }).catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 80);
    expect(isApplianceError(await waiting, 'FP_ABORTED')).toBe(true);
  });

  it('answers DEVICE_BUSY to a second operation while one is running', async () => {
    const { driver } = await setup();
    await driver.open();
    const waiting = driver.waitForFinger({ timeoutMs: 300, pollMs: 30 }).catch((e: unknown) => e);
    const err = await driver.capture().catch((e: unknown) => e);
    expect(isApplianceError(err, 'DEVICE_BUSY')).toBe(true);
    expect(isApplianceError(await waiting, 'FP_FINGER_TIMEOUT')).toBe(true);
  });
});
