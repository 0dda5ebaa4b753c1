import { mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('closes as lost when its device path vanishes (udev removes the by-id link) while the pty itself stays up', async () => {
    pair = await openPtyPair();
    const dir = mkdtempSync(join(tmpdir(), 'by-id-'));
    const link = join(dir, 'usb-DESKO_PENTA-if00');
    symlinkSync(pair.devicePath, link);
    const driver = new SerialTransport({ path: link, baudRate: 9600, pathCheckMs: 50 });
    await driver.open();
    const closed = new Promise<Error | undefined>((resolve) => driver.once('close', resolve));
    unlinkSync(link); // the pair is still open: no hang-up reaches the descriptor
    const reason = await closed;
    expect(reason?.message).toContain('vanished');
    expect(driver.isOpen).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not check the path when told not to', async () => {
    pair = await openPtyPair();
    const driver = new SerialTransport({ path: pair.devicePath, baudRate: 9600, pathCheckMs: 0 });
    await driver.open();
    await new Promise((r) => setTimeout(r, 100));
    expect(driver.isOpen).toBe(true);
    await driver.close();
  });
});
