import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApplianceError } from '@lmc/core/errors.ts';
import { discoverHidDevices, discoverSerialPorts, identifyReader } from './discovery.ts';
import type { HidBackend } from './hid-transport.ts';

let root: string;
let devRoot: string;
let sysRoot: string;

/**
 * A fake /dev and /sys shaped like a Linux host with:
 * - ttyUSB0: an Access-IS reader (0db5:0100) behind a USB interface, with a by-id link;
 * - ttyACM0: another USB device (2341:0043), no by-id link;
 * - ttyS0: a platform serial8250 port (not USB, skipped);
 * - tty0: a virtual console (no device link, skipped).
 */
async function buildTree(): Promise<void> {
  const usbDev = join(sysRoot, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1', '1-2');
  await mkdir(join(usbDev, '1-2:1.0', 'ttyUSB0'), { recursive: true });
  await writeFile(join(usbDev, 'idVendor'), '0db5\n');
  await writeFile(join(usbDev, 'idProduct'), '0100\n');
  await writeFile(join(usbDev, 'manufacturer'), 'Access IS\n');
  await writeFile(join(usbDev, 'serial'), 'ABC123\n');
  const acm = join(sysRoot, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1', '1-3');
  await mkdir(join(acm, '1-3:1.0'), { recursive: true });
  await writeFile(join(acm, 'idVendor'), '2341\n');
  await writeFile(join(acm, 'idProduct'), '0043\n');
  const platform = join(sysRoot, 'devices', 'platform', 'serial8250');
  await mkdir(platform, { recursive: true });

  const cls = join(sysRoot, 'class', 'tty');
  for (const n of ['ttyUSB0', 'ttyACM0', 'ttyS0', 'tty0']) await mkdir(join(cls, n), { recursive: true });
  await symlink('../../../devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0', join(cls, 'ttyUSB0', 'device'));
  await symlink('../../../devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0', join(cls, 'ttyACM0', 'device'));
  await symlink('../../../devices/platform/serial8250', join(cls, 'ttyS0', 'device'));

  await mkdir(join(devRoot, 'serial', 'by-id'), { recursive: true });
  await symlink('../../ttyUSB0', join(devRoot, 'serial', 'by-id', 'usb-Access_IS_ABC123-if00-port0'));
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'discovery-test-'));
  devRoot = join(root, 'dev');
  sysRoot = join(root, 'sys');
  await buildTree();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const noUdevadm = () => Promise.reject(Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' }));

describe('discoverSerialPorts', () => {
  it('falls back to sysfs and by-id when SerialPort.list fails, reading USB ids from the parent device', async () => {
    const ports = await discoverSerialPorts({ devRoot, sysRoot, listSerialPorts: noUdevadm });
    expect(ports).toEqual([
      { path: join(devRoot, 'ttyACM0'), vendorId: '2341', productId: '0043', source: 'sysfs' },
      {
        path: join(devRoot, 'ttyUSB0'),
        byIdPath: join(devRoot, 'serial', 'by-id', 'usb-Access_IS_ABC123-if00-port0'),
        vendorId: '0db5',
        productId: '0100',
        manufacturer: 'Access IS',
        serialNumber: 'ABC123',
        source: 'sysfs',
        knownReader: 'Access-IS document reader',
      },
    ]);
  });

  it('does not throw when udevadm is not on PATH (real SerialPort.list)', async () => {
    const emptyBin = join(root, 'empty-bin');
    await mkdir(emptyBin);
    const savedPath = process.env.PATH;
    process.env.PATH = emptyBin;
    try {
      const ports = await discoverSerialPorts({ devRoot, sysRoot });
      expect(ports.map((p) => [p.path, p.source])).toEqual([
        [join(devRoot, 'ttyACM0'), 'sysfs'],
        [join(devRoot, 'ttyUSB0'), 'sysfs'],
      ]);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('uses SerialPort.list when it works, normalising ids and adding the by-id link', async () => {
    const ports = await discoverSerialPorts({
      devRoot,
      sysRoot,
      listSerialPorts: async () => [{ path: '/dev/ttyUSB0', vendorId: '0DB5', productId: '0100', manufacturer: 'Access IS' }],
    });
    expect(ports).toEqual([
      {
        path: '/dev/ttyUSB0',
        byIdPath: join(devRoot, 'serial', 'by-id', 'usb-Access_IS_ABC123-if00-port0'),
        vendorId: '0db5',
        productId: '0100',
        manufacturer: 'Access IS',
        source: 'serialport',
        knownReader: 'Access-IS document reader',
      },
    ]);
  });

  it('returns an empty list, not an error, on a machine with no /sys or /dev entries', async () => {
    const ports = await discoverSerialPorts({ devRoot: join(root, 'nope'), sysRoot: join(root, 'nope'), listSerialPorts: noUdevadm });
    expect(ports).toEqual([]);
  });
});

describe('discoverHidDevices', () => {
  it('lists devices and flags known readers', async () => {
    const backend: HidBackend = {
      devices: async () => [
        { path: '/dev/hidraw2', vendorId: 0x0db5, productId: 0x0100, usagePage: 0x8c },
        { path: '/dev/hidraw0', vendorId: 0x046d, productId: 0xc31c },
      ],
      open: () => Promise.reject(new Error('unused')),
    };
    const found = await discoverHidDevices({ backend });
    expect(found.available).toBe(true);
    expect(found.devices.map((d) => d.knownReader)).toEqual(['Access-IS document reader', undefined]);
  });

  it('returns an empty list with the reason when HID support is unavailable', async () => {
    const found = await discoverHidDevices({
      backend: () => Promise.reject(new ApplianceError('HID_UNAVAILABLE', 'USB HID support is not available: install node-hid')),
    });
    expect(found).toEqual({ available: false, reason: 'USB HID support is not available: install node-hid', devices: [] });
  });

  it('works against the real node-hid on this machine without throwing', async () => {
    const found = await discoverHidDevices();
    expect(Array.isArray(found.devices)).toBe(true);
    if (!found.available) expect(found.reason).toMatch(/node-hid/);
  });

  it('identifies readers by vendor id given as number or hex string', () => {
    expect(identifyReader(0x0db5)).toBe('Access-IS document reader');
    expect(identifyReader('0x0DB5', '0100')).toBe('Access-IS document reader');
    expect(identifyReader('2341')).toBeUndefined();
  });
});
