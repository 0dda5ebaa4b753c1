/**
 * Deterministic ZFM driver tests: the driver and the simulator on an in-memory line (MemoryLine) with a
 * ManualClock, so timing faults (a stall mid-upload, a late answer, a false header) are reproduced exactly
 * and independently of the machine's load. The pty tests in zfm-driver.test.ts stay as integration tests.
 * Bytes the module must see are written here as datasheet hex, not produced by the driver's own encoder.
 */
import { describe, expect, it } from 'vitest';
import { isApplianceError } from '@lmc/core/errors.ts';
import { ManualClock } from '../transport/device-clock.ts';
import { MemoryLine, MemoryPort } from '../transport/memory-port.ts';
import { ZFM_IMAGE_BYTES } from './zfm-image.ts';
import { ZfmDriver, type ZfmDriverOptions } from './zfm-driver.ts';
import { ZfmSimulator, type ZfmSimulatorOptions } from './zfm-simulator.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

// Datasheet frames (R307 user manual; checksum = identifier + length bytes + payload, low 16 bits).
const VFYPWD_0 = 'EF01FFFFFFFF0100071300000000001B'; // 13 VfyPwd, password 0
const READSYSPARA = 'EF01FFFFFFFF0100030F0013'; // 0F ReadSysPara
const GENIMG = 'EF01FFFFFFFF010003010005'; // 01 GenImg
const SETSYSPARA_BAUD_115200 = 'EF01FFFFFFFF0100050E040C0024'; // 0E SetSysPara, register 4 (baud), N = 12
const ACK_OK = 'EF01FFFFFFFF07000300000A';
const ACK_NO_FINGER = 'EF01FFFFFFFF07000302000C';
// ReadSysPara answer: 00 OK | status 0000 | id 0009 | capacity 03E8 | security 0003 | address FFFFFFFF | packet code 0002 (128) | N 0006 (57600)
const ACK_SYSPARA_57600 = 'EF01FFFFFFFF0700130000000009 03E8 0003 FFFFFFFF 0002 0006 0515';

async function settleOn<T>(clock: ManualClock, p: Promise<T>, maxMs = 60_000, stepMs = 5): Promise<T> {
  let done = false;
  const watched = p.finally(() => {
    done = true;
  });
  watched.catch(() => {});
  await clock.advanceUntil(() => done, maxMs, stepMs);
  if (!done) throw new Error(`did not settle within ${maxMs} ms of clock time`);
  return watched;
}

function rig(simOptions: Omit<ZfmSimulatorOptions, 'transport' | 'clock'> = {}, driverOptions: Partial<ZfmDriverOptions> = {}) {
  const clock = new ManualClock();
  const line = new MemoryLine('mem:zfm', simOptions.baudRate ?? 57_600);
  const simulator = new ZfmSimulator({ baudRate: 57_600, ...simOptions, transport: line.device, clock });
  const driver = new ZfmDriver({ transportFactory: line.factory, clock, targetBaudRate: 0, ...driverOptions });
  return { clock, line, simulator, driver };
}

async function started(r: ReturnType<typeof rig>) {
  await r.simulator.start();
  await settleOn(r.clock, r.driver.open());
  return r;
}

describe('ZFM driver faults on an in-memory line with a manual clock', () => {
  it('a ≥ 400 ms stall in the image upload fails that capture only: the drain waits for real quiet and the next capture is whole', async () => {
    const r = await started(rig());
    r.simulator.placeFinger('migrant-1', 'right-index');
    // 450 ms pause after ~1/3 of the image (the measured fault: 250 ms data timeout, then "GenImg ack-timeout").
    r.simulator.pauseNextUpload(12_000, 450);
    const err = await settleOn(r.clock, r.driver.capture()).catch((e: unknown) => e);
    expect(isApplianceError(err, 'FP_IMAGE_TRANSFER')).toBe(true);
    expect((err as { context: { reason: string } }).context.reason).toBe('data-timeout');
    // No internal suffix in what the officer reads.
    expect((err as Error).message).not.toMatch(/\(|timeout/);
    const next = await settleOn(r.clock, r.driver.capture());
    expect(next.image.pixels.length).toBe(256 * 288);
    expect(next.template.length).toBe(512);
    // The abandoned upload was never answered by a second GenImg while the module was still streaming.
    expect(r.simulator.received.slice(2)).toEqual(['GenImg', 'UpImage', 'GenImg', 'UpImage', 'Img2Tz', 'UpChar']);
  });

  it.each([128, 256])('a false packet header while idle (EF 01 FFFFFFFF 02 0102) does not block the line (packet size %i)', async (packetSize) => {
    const r = await started(rig({ packetSize }));
    r.simulator.placeFinger('migrant-2', 'left-index');
    await settleOn(r.clock, r.simulator.injectBytes(hex('EF01 FFFFFFFF 02 0102')));
    for (let i = 0; i < 3; i++) {
      const c = await settleOn(r.clock, r.driver.capture());
      expect(c.image.pixels.length).toBe(256 * 288);
    }
  });

  it('a module that dies with its port open fails its probe (the host then shows it unresponsive) and answers again when back', async () => {
    const r = await started(rig());
    expect(await settleOn(r.clock, r.driver.probe(500))).toBe(true);
    r.simulator.setSilent(true);
    expect(await settleOn(r.clock, r.driver.probe(500))).toBe(false);
    expect(r.driver.state).toBe('ready');
    r.simulator.setSilent(false);
    expect(await settleOn(r.clock, r.driver.probe(500))).toBe(true);
  });

  it('a port error or close means lost: the driver ends closed', async () => {
    const r = await started(rig());
    r.line.host?.injectError('EIO: i/o error');
    await r.clock.advance(1);
    expect(r.driver.state).toBe('closed');
    const r2 = await started(rig());
    r2.line.unplug();
    await r2.clock.advance(1);
    expect(r2.driver.state).toBe('closed');
  });

  it('a port that disappears mid-upload fails the capture as DEVICE_NOT_CONNECTED, never a short image, and the driver ends closed', async () => {
    const r = await started(rig());
    const states: string[] = [];
    r.driver.on('state', (s) => states.push(s));
    r.simulator.placeFinger('migrant-9', 'right-index');
    const capture = r.driver.capture();
    capture.catch(() => {});
    await r.clock.advanceUntil(() => r.simulator.received.includes('UpImage'), 5_000);
    await r.clock.advance(1_000); // well inside the 6.95 s upload
    r.line.unplug();
    const err = await settleOn(r.clock, capture).catch((e: unknown) => e);
    expect(isApplianceError(err, 'DEVICE_NOT_CONNECTED')).toBe(true);
    expect((err as { context: { reason: string } }).context.reason).toBe('transport-closed');
    expect(r.driver.state).toBe('closed');
    expect(states).toEqual(['busy', 'closed']);
    const next = await r.driver.capture().catch((e: unknown) => e);
    expect(isApplianceError(next, 'FP_NOT_OPEN')).toBe(true);
  });

  it('raises the baud to targetBaudRate with SetSysPara (register 4), reopens at the new rate and verifies', async () => {
    const r = rig({}, { targetBaudRate: 115_200 });
    await started(r);
    expect(r.driver.info().details.baudRate).toBe(115_200);
    expect(r.simulator.baudRate).toBe(115_200);
    expect(r.simulator.received).toEqual(['VfyPwd', 'ReadSysPara', 'SetSysPara', 'VfyPwd', 'ReadSysPara']);
    expect(r.line.opens).toBe(2);
    // A reopen (replug) starts at the rate the module now has, and does not raise again.
    await r.driver.close();
    await settleOn(r.clock, r.driver.open());
    expect(r.simulator.received.slice(5)).toEqual(['VfyPwd', 'ReadSysPara']);
    r.simulator.placeFinger('migrant-3', 'right-index');
    const start = r.clock.now();
    await settleOn(r.clock, r.driver.capture());
    // At 115200 the 40,044 image bytes take 3.48 s on the wire; at 57600 they took 6.95 s.
    expect(r.clock.now() - start).toBeLessThan(3_800);
  });

  it('sends the datasheet SetSysPara frame for 115200', async () => {
    const [host, device] = MemoryPort.pair();
    const clock = new ManualClock();
    const seen: string[] = [];
    await device.open();
    device.on('data', (b: Buffer) => {
      const h = toHex(b);
      seen.push(h);
      const answer = { [VFYPWD_0]: ACK_OK, [READSYSPARA]: ACK_SYSPARA_57600, [SETSYSPARA_BAUD_115200]: ACK_OK }[h];
      if (answer) void device.write(hex(answer));
    });
    const driver = new ZfmDriver({ transportFactory: () => host, clock, targetBaudRate: 115_200, probeBaudRates: false });
    // The scripted module never answers at the new rate (it is only this table): the driver falls back.
    await settleOn(clock, driver.open()).catch(() => undefined);
    expect(seen.slice(0, 3)).toEqual([VFYPWD_0, READSYSPARA, SETSYSPARA_BAUD_115200]);
  });

  it('keeps the module rate when SetSysPara is refused, and does not ask again on reopen', async () => {
    const r = rig({ baudChange: 'refuse' }, { targetBaudRate: 115_200 });
    await started(r);
    expect(r.driver.info().details.baudRate).toBe(57_600);
    await r.driver.close();
    await settleOn(r.clock, r.driver.open());
    expect(r.simulator.received.filter((c) => c === 'SetSysPara')).toHaveLength(1);
  });

  it('falls back to the old rate when the module acks the change but does not answer at the new rate', async () => {
    const r = rig({ baudChange: 'ack-but-stay' }, { targetBaudRate: 115_200 });
    await started(r);
    expect(r.driver.state).toBe('ready');
    expect(r.driver.info().details.baudRate).toBe(57_600);
    r.simulator.placeFinger('migrant-4', 'right-index');
    expect((await settleOn(r.clock, r.driver.capture())).template.length).toBe(512);
  });

  it('finds a module at any standard rate (9600 × N) when it does not answer at the configured one', async () => {
    for (const moduleRate of [115_200, 19_200, 9_600]) {
      const r = rig({ baudRate: moduleRate }, { baudRate: 57_600 });
      await started(r);
      expect(r.driver.info().details.baudRate).toBe(moduleRate);
    }
  });

  it('never takes a late acknowledge for the next command’s answer', async () => {
    const [host, device] = MemoryPort.pair();
    const clock = new ManualClock();
    await device.open();
    let genImgs = 0;
    const commands: string[] = [];
    device.on('data', (b: Buffer) => {
      const h = toHex(b);
      commands.push(h.slice(18, 20));
      if (h === VFYPWD_0) void device.write(hex(ACK_OK));
      else if (h === READSYSPARA) void device.write(hex(ACK_SYSPARA_57600));
      else if (h === GENIMG) {
        genImgs++;
        // First GenImg: "finger OK", but 2.1 s late (after the 2 s ack timeout). Later ones: no finger, after the
        // ~200 ms an R307 takes to scan, so the late "OK" would land first if the driver sent at once.
        if (genImgs === 1) clock.setTimeout(() => void device.write(hex(ACK_OK)), 2100);
        else clock.setTimeout(() => void device.write(hex(ACK_NO_FINGER)), 200);
      }
    });
    const driver = new ZfmDriver({ transportFactory: () => host, clock, targetBaudRate: 0 });
    await settleOn(clock, driver.open());
    const first = await settleOn(clock, driver.capture()).catch((e: unknown) => e);
    expect(isApplianceError(first, 'FP_ACK_TIMEOUT')).toBe(true);
    // Issued at once: the late "OK" arrives while the driver drains, and the real answer (no finger) is taken.
    const second = await settleOn(clock, driver.capture()).catch((e: unknown) => e);
    expect(isApplianceError(second, 'FP_NO_FINGER')).toBe(true);
    // Instruction codes seen: 13 VfyPwd, 0F ReadSysPara, 01 GenImg, 01 GenImg; never 0A UpImage after a stale "OK".
    expect(commands).toEqual(['13', '0F', '01', '01']);
  });

  it('image upload of 36,864 bytes arrives whole after corrupt-packet recovery', async () => {
    const r = await started(rig({ packetSize: 64 }));
    r.simulator.placeFinger('migrant-5', 'right-index');
    r.simulator.corruptDataPacket(3);
    const err = await settleOn(r.clock, r.driver.capture()).catch((e: unknown) => e);
    expect((err as { context: { reason: string } }).context.reason).toBe('data-corrupt');
    const c = await settleOn(r.clock, r.driver.capture());
    expect(c.image.pixels.length).toBe(ZFM_IMAGE_BYTES * 2);
  });
});
