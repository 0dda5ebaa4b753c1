import { lstat, readlink, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '@lmc/core/wait-test-support.ts';
import { isApplianceError } from '@lmc/core/errors.ts';
import { SerialTransport } from '../transport/serial-transport.ts';
import { TD1_SPECIMEN, TD3_SPECIMEN } from './icao-specimens.ts';
import { MrzReaderSimulator } from './mrz-reader-simulator.ts';
import { encodeRead } from './reader-wire-encoder.ts';

let sim: MrzReaderSimulator | undefined;
let port: SerialTransport | undefined;
afterEach(async () => {
  await port?.close();
  port = undefined;
  await sim?.close();
  sim = undefined;
});

async function listen(path: string, baudRate: number): Promise<{ bytes: () => Buffer }> {
  port = new SerialTransport({ path, baudRate });
  await port.open();
  const chunks: Buffer[] = [];
  port.on('data', (c) => chunks.push(c));
  return { bytes: () => Buffer.concat(chunks) };
}

describe('MrzReaderSimulator', () => {
  it('exposes a stable symlink to the driver end, removed on unplug and repointed on replug', async () => {
    sim = await MrzReaderSimulator.start({ baudRate: 460_800, framing: 'cr' });
    expect((await lstat(sim.devicePath)).isSymbolicLink()).toBe(true);
    expect(await readlink(sim.devicePath)).toBe(sim.ptyPath);
    await sim.unplug();
    expect(sim.plugged).toBe(false);
    await expect(lstat(sim.devicePath)).rejects.toMatchObject({ code: 'ENOENT' });
    await sim.replug();
    expect(await readlink(sim.devicePath)).toBe(sim.ptyPath);
    const dir = dirname(sim.devicePath);
    await sim.close();
    sim = undefined;
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('puts exactly the framed bytes on the wire, garbage first, and never interleaves concurrent scans', async () => {
    sim = await MrzReaderSimulator.start({ baudRate: 460_800, framing: 'stx-etx' });
    const rx = await listen(sim.devicePath, 460_800);
    const [a, b] = await Promise.all([sim.scan(TD3_SPECIMEN, { chunkSize: [1, 2, 3], garbageBefore: 'xx' }), sim.scan(TD1_SPECIMEN, { framing: 'crlf' })]);
    const expected = Buffer.concat([Buffer.from('xx'), encodeRead(TD3_SPECIMEN, 'stx-etx'), encodeRead(TD1_SPECIMEN, 'crlf')]);
    expect(a.bytesWritten + b.bytesWritten).toBe(expected.length);
    await until('all bytes', () => rx.bytes().length >= expected.length);
    expect(rx.bytes().equals(expected)).toBe(true);
  });

  it('paces a scan at the configured baud (8N1: 10 bits a byte) and reports its wire time', async () => {
    sim = await MrzReaderSimulator.start({ baudRate: 9600, framing: 'cr' });
    await listen(sim.devicePath, 9600);
    const t0 = performance.now();
    const res = await sim.scan(TD3_SPECIMEN);
    const elapsed = performance.now() - t0;
    // 90 bytes in the default 16-byte chunks: 6 writes.
    expect(res).toEqual({ bytesWritten: 90, wireMs: 93.75, writes: 6 });
    // Lower bound only: a loaded machine may be slower, but the simulator must never beat the wire.
    expect(elapsed).toBeGreaterThanOrEqual(res.wireMs - 1);
  });

  it('rejects a scan with a coded error when unplugged before or during it, and after close', async () => {
    sim = await MrzReaderSimulator.start({ baudRate: 9600, framing: 'cr' });
    const during = sim.scan(TD3_SPECIMEN, { chunkSize: 4 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 30));
    await sim.unplug();
    const err = await during;
    expect(isApplianceError(err, 'DEVICE_NOT_CONNECTED')).toBe(true);
    expect(isApplianceError(await sim.scan(TD3_SPECIMEN).catch((e: unknown) => e), 'DEVICE_NOT_CONNECTED')).toBe(true);
    await sim.close();
    expect(isApplianceError(await sim.sendRaw('x').catch((e: unknown) => e), 'SIMULATOR_CLOSED')).toBe(true);
    sim = undefined;
  });

  it('refuses a nonsensical baud rate with a coded error', async () => {
    const err = await MrzReaderSimulator.start({ baudRate: 0, framing: 'cr' }).catch((e: unknown) => e);
    expect(isApplianceError(err, 'CONFIG_INVALID')).toBe(true);
  });
});
