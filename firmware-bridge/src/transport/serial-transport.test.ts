import { afterEach, describe, expect, it } from 'vitest';
import { isApplianceError } from '@lmc/core/errors.ts';
import { openPtyPair, type PtyPair } from './pty-pair.ts';
import { SerialTransport } from './serial-transport.ts';

describe('SerialTransport over a real pseudo-terminal pair', () => {
  let pair: PtyPair | undefined;
  afterEach(async () => {
    await pair?.close();
  });

  it('carries bytes both ways between the driver end and the simulator end', async () => {
    pair = await openPtyPair();
    const driver = new SerialTransport({ path: pair.devicePath, baudRate: 9600 });
    const sim = new SerialTransport({ path: pair.simulatorPath, baudRate: 9600 });
    await driver.open();
    await sim.open();
    const got = new Promise<Buffer>((resolve) => driver.on('data', resolve));
    await sim.write(Buffer.from([0x02, 0x41, 0x0d, 0x03]));
    expect([...(await got)]).toEqual([0x02, 0x41, 0x0d, 0x03]);
    const back = new Promise<Buffer>((resolve) => sim.on('data', resolve));
    await driver.write(Buffer.from('ok'));
    expect((await back).toString()).toBe('ok');
    await driver.close();
    await sim.close();
    expect(driver.isOpen).toBe(false);
  });

  it('fails to open a missing path with a coded error naming the path', async () => {
    const t = new SerialTransport({ path: '/dev/does-not-exist-42', baudRate: 9600 });
    const err = await t.open().catch((e: unknown) => e);
    expect(isApplianceError(err, 'TRANSPORT_OPEN_FAILED')).toBe(true);
    expect(String((err as Error).message)).toContain('/dev/does-not-exist-42');
  });
});
