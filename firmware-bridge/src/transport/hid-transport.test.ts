import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '@lmc/core/wait-test-support.ts';
import { isApplianceError } from '@lmc/core/errors.ts';
import { TD1_SPECIMEN, TD3_SPECIMEN } from '../mrz-reader/icao-specimens.ts';
import { typeOnKeyboard } from '../mrz-reader/keyboard-report-encoder.ts';
import { MrzReaderDriver, type MrzReadEvent } from '../mrz-reader/mrz-reader-driver.ts';
import { type HidBackend, type HidDeviceHandle, type HidDeviceInfo, HidTransport, loadNodeHidBackend } from './hid-transport.ts';

/** A HID device that replays recorded input reports (the seam HidTransport opens through). */
class RecordedHidDevice extends EventEmitter implements HidDeviceHandle {
  closed = false;
  replay(reports: Buffer[]): void {
    for (const r of reports) this.emit('data', r);
  }
  unplug(): void {
    // node-hid's HIDAsync read loop reports a vanished device as an 'error'.
    this.emit('error', new Error('could not read from HID device'));
  }
  close(): void {
    this.closed = true;
  }
}

/** Backend with a hot-pluggable device list. */
class FakeHidBackend implements HidBackend {
  list: HidDeviceInfo[] = [];
  opened: RecordedHidDevice[] = [];
  async devices(): Promise<HidDeviceInfo[]> {
    return this.list;
  }
  async open(path: string): Promise<HidDeviceHandle> {
    if (!this.list.some((d) => d.path === path)) throw new Error(`no such device ${path}`);
    const d = new RecordedHidDevice();
    this.opened.push(d);
    return d;
  }
  get current(): RecordedHidDevice {
    const d = this.opened.at(-1);
    if (!d) throw new Error('nothing opened');
    return d;
  }
}

// Access-IS reader (vendor 0DB5) as hidapi lists it: keyboard interface and HID POS interface.
const ACCESS_IS: HidDeviceInfo[] = [
  { path: '/dev/hidraw1', vendorId: 0x0db5, productId: 0x0100, usagePage: 0x01, usage: 0x06, interface: 0 },
  { path: '/dev/hidraw2', vendorId: 0x0db5, productId: 0x0100, usagePage: 0x8c, usage: 0x02, interface: 1 },
];

/** A TD3 OCR message as two 64-byte Access-IS reports (see hid-decoders.test.ts for the byte-by-byte breakdown). */
function accessIsReports(lines: readonly string[]): Buffer[] {
  const payload = Buffer.concat([Buffer.of(0x1c, 0x02), Buffer.from(lines.map((l) => `${l}\r`).join(''), 'latin1'), Buffer.of(0x03, 0x1d)]);
  const reports: Buffer[] = [];
  for (let at = 0; at < payload.length; at += 63) {
    const part = payload.subarray(at, at + 63);
    const more = at + 63 < payload.length ? 0x80 : 0; // bit 7 set on all but the last report; masked off by the decoder
    reports.push(Buffer.concat([Buffer.of(more | part.length), part, Buffer.alloc(63 - part.length)]));
  }
  return reports;
}

const drivers: MrzReaderDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.stop();
});

function hidDriver(backend: FakeHidBackend, mode: 'pos' | 'keyboard') {
  const reads: MrzReadEvent[] = [];
  const states: string[] = [];
  const driver = new MrzReaderDriver({
    transportFactory: () => new HidTransport({ mode, vendorId: 0x0db5, productId: 0x0100, backend }),
    reconnect: { minMs: 10, maxMs: 40 },
    interByteTimeoutMs: 500,
  });
  driver.on('read', (e) => reads.push(e));
  driver.on('state', (e) => states.push(e.state));
  drivers.push(driver);
  return { driver, reads, states };
}

describe('HidTransport', () => {
  it('fails open() with HID_UNAVAILABLE and an install hint when node-hid cannot be loaded', async () => {
    const missing = () => loadNodeHidBackend(() => import('node-hid-is-not-installed' as string));
    const t = new HidTransport({ mode: 'pos', vendorId: 0x0db5, productId: 0x0100, backend: missing });
    const err = await t.open().catch((e: unknown) => e);
    expect(isApplianceError(err, 'HID_UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toMatch(/npm install node-hid/);
  });

  it('never loads node-hid at import time (only type imports at top level)', async () => {
    const src = await readFile(new URL('./hid-transport.ts', import.meta.url), 'utf8');
    expect(src).not.toMatch(/^import [^t].*['"]node-hid['"]/m);
    expect(src).toMatch(/import\('node-hid'\)/);
  });

  it('stays in error without retrying when HID support is missing', async () => {
    const states: string[] = [];
    const driver = new MrzReaderDriver({
      transportFactory: () => new HidTransport({ mode: 'pos', backend: () => loadNodeHidBackend(() => Promise.reject(new Error('Cannot find module'))) }),
      reconnect: { minMs: 5, maxMs: 10 },
    });
    drivers.push(driver);
    driver.on('state', (e) => states.push(e.state));
    await driver.start();
    await new Promise((r) => setTimeout(r, 40));
    expect(states).toEqual(['connecting', 'error']);
  });

  it('reports "no device" as a retryable open failure naming the ids', async () => {
    const t = new HidTransport({ mode: 'pos', vendorId: 0x0db5, productId: 0x0100, backend: new FakeHidBackend() });
    const err = await t.open().catch((e: unknown) => e);
    expect(isApplianceError(err, 'TRANSPORT_OPEN_FAILED')).toBe(true);
    expect((err as Error).message).toContain('0db5:0100');
  });

  it('POS mode: opens the usage-page-8C interface and the driver reads recorded Access-IS reports', async () => {
    const backend = new FakeHidBackend();
    backend.list = ACCESS_IS;
    const { driver, reads } = hidDriver(backend, 'pos');
    await driver.start();
    expect(driver.transportId).toBe('hid:0db5:0100');
    backend.current.replay(accessIsReports(TD3_SPECIMEN));
    await until('a read', () => reads.length === 1);
    expect(reads[0]).toMatchObject({ lines: [...TD3_SPECIMEN], framing: 'access-is', complete: true });
  });

  it('keyboard mode: decodes recorded key reports into a read', async () => {
    const backend = new FakeHidBackend();
    backend.list = ACCESS_IS;
    const { driver, reads } = hidDriver(backend, 'keyboard');
    await driver.start();
    backend.current.replay(typeOnKeyboard(`${TD1_SPECIMEN.join('\n')}\n`));
    await until('a read', () => reads.length === 1);
    expect(reads[0]).toMatchObject({ lines: [...TD1_SPECIMEN], framing: 'cr' });
  });

  it('hot-plug: a read error disconnects, the driver retries until the device is listed again, then reads', async () => {
    const backend = new FakeHidBackend();
    backend.list = ACCESS_IS;
    const { driver, reads, states } = hidDriver(backend, 'pos');
    await driver.start();
    const first = backend.current;
    backend.list = [];
    first.unplug();
    expect(first.listenerCount('data')).toBe(0);
    await until('disconnected', () => driver.state === 'disconnected');
    await new Promise((r) => setTimeout(r, 50)); // a few failed reopen attempts
    backend.list = ACCESS_IS;
    await until('reconnected', () => driver.state === 'connected');
    expect(states).toEqual(['connecting', 'connected', 'disconnected', 'connected']);
    expect(backend.current).not.toBe(first);
    backend.current.replay(accessIsReports(TD3_SPECIMEN));
    await until('a read', () => reads.length === 1);
  });
});
