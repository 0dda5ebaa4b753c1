import { readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SerialPort } from 'serialport';
import { isApplianceError } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { type HidBackend, type HidDeviceInfo, loadNodeHidBackend } from './hid-transport.ts';

/**
 * Finds attached readers (zigbee-herdsman adapterDiscovery style: list ports, match USB fingerprints).
 * `SerialPort.list()` on Linux runs `udevadm info -e`; on a bare machine or container without udev it
 * fails or finds nothing, so we fall back to what the kernel exposes itself: /dev/serial/by-id symlinks
 * and /sys/class/tty/<name>/device, walking up to the USB device for idVendor/idProduct.
 */
export interface DiscoveredSerialPort {
  path: string;
  /** Stable /dev/serial/by-id/… link to this port: put this in the config, it survives replugging. */
  byIdPath?: string;
  /** Lower-case 4-digit hex, as lsusb prints it. */
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  serialNumber?: string;
  source: 'serialport' | 'sysfs';
  /** Set when the vendor/product is a reader we know. */
  knownReader?: string;
}

export interface KnownReader {
  vendorId: string;
  productId?: string;
  name: string;
}

/** Readers recognised by USB id. Only ids from PROTOCOLS.md; add others when checked on real hardware. */
export const KNOWN_READERS: readonly KnownReader[] = [{ vendorId: '0db5', name: 'Access-IS document reader' }];

export function identifyReader(vendorId: string | number | undefined, productId?: string | number): string | undefined {
  if (vendorId === undefined) return undefined;
  const vid = usbHex(vendorId);
  const pid = productId === undefined ? undefined : usbHex(productId);
  return KNOWN_READERS.find((k) => k.vendorId === vid && (k.productId === undefined || k.productId === pid))?.name;
}

interface SerialPortListEntry {
  path: string;
  vendorId?: string | undefined;
  productId?: string | undefined;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
}

export interface SerialDiscoveryOptions {
  /** Default '/dev'. */
  devRoot?: string;
  /** Default '/sys'. */
  sysRoot?: string;
  /** Default SerialPort.list (spawns udevadm). */
  listSerialPorts?: () => Promise<SerialPortListEntry[]>;
  /** Give up on the lister after this long. Default 3000 ms. */
  timeoutMs?: number;
  logger?: Logger;
}

export async function discoverSerialPorts(options: SerialDiscoveryOptions = {}): Promise<DiscoveredSerialPort[]> {
  const devRoot = options.devRoot ?? '/dev';
  const sysRoot = options.sysRoot ?? '/sys';
  const log = options.logger ?? createLogger('transport:discovery');
  const byId = await byIdLinks(join(devRoot, 'serial', 'by-id'));
  let listed: SerialPortListEntry[] = [];
  try {
    listed = await withTimeout((options.listSerialPorts ?? (() => SerialPort.list()))(), options.timeoutMs ?? 3000);
  } catch (err) {
    log.debug({ err: err instanceof Error ? err.message : String(err) }, 'SerialPort.list failed (no udevadm?); using sysfs');
  }
  const ports =
    listed.length > 0
      ? listed.map((p) => ({
          path: p.path,
          vendorId: p.vendorId === undefined ? undefined : usbHex(p.vendorId),
          productId: p.productId === undefined ? undefined : usbHex(p.productId),
          manufacturer: p.manufacturer,
          serialNumber: p.serialNumber,
          source: 'serialport' as const,
        }))
      : await sysfsPorts(devRoot, sysRoot);
  return ports
    .map((p) => {
      const out: DiscoveredSerialPort = { path: p.path, source: p.source };
      const link = byId.get(basename(p.path));
      if (link) out.byIdPath = link;
      if (p.vendorId) out.vendorId = p.vendorId;
      if (p.productId) out.productId = p.productId;
      if (p.manufacturer) out.manufacturer = p.manufacturer;
      if (p.serialNumber) out.serialNumber = p.serialNumber;
      const known = identifyReader(p.vendorId, p.productId);
      if (known) out.knownReader = known;
      return out;
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** USB-backed ttys from sysfs. Non-USB ttys (serial8250 phantoms, consoles) are skipped: readers are USB. */
async function sysfsPorts(devRoot: string, sysRoot: string) {
  const classDir = join(sysRoot, 'class', 'tty');
  const names = await readdir(classDir).catch(() => [] as string[]);
  const stopAt = await realpath(sysRoot).catch(() => resolve(sysRoot));
  const found: { path: string; vendorId?: string; productId?: string; manufacturer?: string; serialNumber?: string; source: 'sysfs' }[] = [];
  for (const name of names) {
    const device = await realpath(join(classDir, name, 'device')).catch(() => undefined);
    if (!device) continue;
    const usb = await usbAncestor(device, stopAt);
    if (!usb) continue;
    const read = (f: string) => readFile(join(usb, f), 'utf8').then((s) => s.trim() || undefined, () => undefined);
    const [vendorId, productId, manufacturer, serialNumber] = await Promise.all([read('idVendor'), read('idProduct'), read('manufacturer'), read('serial')]);
    found.push({
      path: join(devRoot, name),
      source: 'sysfs',
      ...(vendorId ? { vendorId: usbHex(vendorId) } : {}),
      ...(productId ? { productId: usbHex(productId) } : {}),
      ...(manufacturer ? { manufacturer } : {}),
      ...(serialNumber ? { serialNumber } : {}),
    });
  }
  return found;
}

/** Walk up from a tty's device directory to the USB device (the first ancestor with an idVendor file). */
async function usbAncestor(dir: string, stopAt: string): Promise<string | undefined> {
  let d = dir;
  for (let i = 0; i < 8 && d.startsWith(stopAt) && d !== stopAt; i++) {
    if (await stat(join(d, 'idVendor')).then(() => true, () => false)) return d;
    d = dirname(d);
  }
  return undefined;
}

/** tty name → by-id link path. */
async function byIdLinks(dir: string): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const e of entries) {
    const link = join(dir, e);
    const target = await readlink(link).catch(() => undefined);
    if (target) map.set(basename(resolve(dir, target)), link);
  }
  return map;
}

export interface HidDiscovery {
  available: boolean;
  /** Why HID discovery found nothing (module or native part missing). */
  reason?: string;
  devices: (HidDeviceInfo & { knownReader?: string })[];
}

/** Lists HID devices via lazily loaded node-hid; never throws. */
export async function discoverHidDevices(options: { backend?: HidBackend | (() => Promise<HidBackend>) } = {}): Promise<HidDiscovery> {
  try {
    const b = options.backend;
    const backend = b === undefined ? await loadNodeHidBackend() : typeof b === 'function' ? await b() : b;
    const devices = (await backend.devices()).map((d) => {
      const known = identifyReader(d.vendorId, d.productId);
      return known ? { ...d, knownReader: known } : { ...d };
    });
    return { available: true, devices };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { available: !isApplianceError(err, 'HID_UNAVAILABLE'), reason, devices: [] };
  }
}

function usbHex(v: string | number): string {
  const n = typeof v === 'number' ? v : Number.parseInt(v.replace(/^0x/i, ''), 16);
  return Number.isFinite(n) ? n.toString(16).padStart(4, '0') : String(v).toLowerCase();
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        res(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        rej(e);
      },
    );
  });
}
