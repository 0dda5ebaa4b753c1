import { EventEmitter } from 'node:events';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { HidKeyboardDecoder } from '../mrz-reader/hid-keyboard-decoder.ts';
import { hidPosPayload } from '../mrz-reader/hid-pos-decoder.ts';
import type { ByteTransport } from './transport.ts';

/**
 * ByteTransport over a USB HID reader via `node-hid`, loaded lazily inside open() so that importing this
 * module never loads a native addon: on a machine without node-hid (or its hidraw/libusb backend) open()
 * fails with HID_UNAVAILABLE and the rest of the appliance runs.
 *
 * Modes:
 * - 'pos': Access-IS style reports (length byte, bit 7 masked) → payload bytes (`1C 02 … 03 1D`), which
 *   the MRZ frame parser understands;
 * - 'keyboard': boot-keyboard reports → the ASCII the reader meant to type (Enter → CR).
 * Keyboard mode does NOT stop the keystrokes: the kernel input layer still types them into whatever has
 * focus. A kiosk must switch the reader to HID POS or serial mode, or grab the input device (EVIOCGRAB on
 * /dev/input/eventN, or a udev rule that keeps it away from the desktop). See the report / README.
 */
export interface HidDeviceInfo {
  path?: string | undefined;
  vendorId: number;
  productId: number;
  manufacturer?: string | undefined;
  product?: string | undefined;
  serialNumber?: string | undefined;
  usagePage?: number | undefined;
  usage?: number | undefined;
  interface?: number | undefined;
}

/** The part of an open node-hid device we use (HIDAsync emits 'data' reports and 'error' on unplug). */
export interface HidDeviceHandle {
  on(event: 'data', listener: (report: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeAllListeners(): unknown;
  write?(data: number[] | Buffer): Promise<number> | number;
  close(): Promise<void> | void;
}

/** Seam between the transport and node-hid; tests pass a backend that replays recorded reports. */
export interface HidBackend {
  devices(): Promise<HidDeviceInfo[]>;
  open(path: string): Promise<HidDeviceHandle>;
}

export type HidMode = 'pos' | 'keyboard';

export interface HidTransportOptions {
  mode: HidMode;
  vendorId?: number;
  productId?: number;
  /** hidraw path (e.g. /dev/hidraw3); wins over vendor/product. */
  path?: string;
  /** The device numbers its reports: byte 0 of every report is a report id. */
  reportId?: boolean;
  /** Default: node-hid, imported lazily. */
  backend?: HidBackend | (() => Promise<HidBackend>);
}

/** HID POS usage page (HID Point of Sale Usage Tables); keyboards are Generic Desktop (1) usage 6. */
const USAGE_PAGE_POS = 0x8c;
const USAGE_PAGE_GENERIC_DESKTOP = 0x01;
const USAGE_KEYBOARD = 0x06;

export const HID_INSTALL_HINT =
  'install node-hid (npm install node-hid; prebuilt for Linux x64/arm64, it uses the kernel hidraw driver) ' +
  'and give the kiosk user read access to /dev/hidraw* with a udev rule; building from source needs ' +
  'libudev-dev and libusb-1.0-0-dev (apt-get install libudev-dev libusb-1.0-0-dev)';

/** Loads node-hid on first use. `importer` is the seam that lets a test simulate a missing module. */
export async function loadNodeHidBackend(importer: () => Promise<unknown> = () => import('node-hid')): Promise<HidBackend> {
  let hid: typeof import('node-hid');
  try {
    const mod = (await importer()) as typeof import('node-hid') & { default?: typeof import('node-hid') };
    hid = typeof mod.devicesAsync === 'function' ? mod : (mod.default ?? mod);
  } catch (err) {
    throw new ApplianceError(FirmwareBridgeErrors.HID_UNAVAILABLE.code, `USB HID support is not available (${messageOf(err)}): ${HID_INSTALL_HINT}`, {}, { cause: err });
  }
  // The native addon itself loads on the first call, so its absence shows up here, not at import.
  const native = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (/binding|\.node|dlopen|libusb|libudev|hidapi/i.test(messageOf(err))) {
        throw new ApplianceError(FirmwareBridgeErrors.HID_UNAVAILABLE.code, `node-hid's native part failed to load (${messageOf(err)}): ${HID_INSTALL_HINT}`, {}, { cause: err });
      }
      throw new ApplianceError(FirmwareBridgeErrors.TRANSPORT_OPEN_FAILED.code, `${what} failed: ${messageOf(err)}`, {}, { cause: err });
    }
  };
  return {
    devices: () => native('listing HID devices', () => hid.devicesAsync()),
    open: (path) => native(`opening HID device ${path}`, () => hid.HIDAsync.open(path)),
  };
}

export class HidTransport extends EventEmitter implements ByteTransport {
  readonly id: string;
  readonly #options: HidTransportOptions;
  #device: HidDeviceHandle | undefined;
  #keyboard: HidKeyboardDecoder | undefined;

  constructor(options: HidTransportOptions) {
    super();
    this.#options = options;
    const hex = (n: number | undefined) => (n === undefined ? '*' : n.toString(16).padStart(4, '0'));
    this.id = options.path ? `hid:${options.path}` : `hid:${hex(options.vendorId)}:${hex(options.productId)}`;
  }

  get isOpen(): boolean {
    return this.#device !== undefined;
  }

  async open(): Promise<void> {
    if (this.#device) return;
    const b = this.#options.backend;
    const backend = b === undefined ? await loadNodeHidBackend() : typeof b === 'function' ? await b() : b;
    const path = this.#options.path ?? (await this.#findPath(backend));
    let device: HidDeviceHandle;
    try {
      device = await backend.open(path);
    } catch (err) {
      if (err instanceof ApplianceError) throw err;
      throw new ApplianceError(
        FirmwareBridgeErrors.TRANSPORT_OPEN_FAILED.code,
        `cannot open HID device ${path} (${messageOf(err)}); on Linux check read permission on the hidraw node`,
        { path },
      );
    }
    this.#device = device;
    this.#keyboard = this.#options.mode === 'keyboard' ? new HidKeyboardDecoder({ reportId: this.#options.reportId ?? false }) : undefined;
    device.on('data', (report: Buffer) => this.#onReport(report));
    device.on('error', (err: Error) => this.#lost(err));
  }

  write(data: Uint8Array): Promise<void> {
    const device = this.#device;
    if (!device) return Promise.reject(new ApplianceError(FirmwareBridgeErrors.TRANSPORT_CLOSED.code, `HID device ${this.id} is not open`));
    if (!device.write) return Promise.reject(new ApplianceError(FirmwareBridgeErrors.TRANSPORT_WRITE_FAILED.code, `HID device ${this.id} takes no output reports`));
    return Promise.resolve(device.write(Buffer.from(data))).then(
      () => undefined,
      (err: unknown) => {
        throw new ApplianceError(FirmwareBridgeErrors.TRANSPORT_WRITE_FAILED.code, `write to ${this.id} failed: ${messageOf(err)}`);
      },
    );
  }

  async close(): Promise<void> {
    const device = this.#device;
    if (!device) return;
    this.#device = undefined;
    device.removeAllListeners();
    await Promise.resolve(device.close()).catch(() => {});
    this.emit('close');
  }

  async #findPath(backend: HidBackend): Promise<string> {
    const { vendorId, productId, mode } = this.#options;
    const all = await backend.devices();
    const matching = all.filter(
      (d) => d.path !== undefined && (vendorId === undefined || d.vendorId === vendorId) && (productId === undefined || d.productId === productId),
    );
    // A composite reader exposes several interfaces; prefer the one that matches the mode.
    const preferred =
      mode === 'pos'
        ? matching.find((d) => d.usagePage === USAGE_PAGE_POS)
        : matching.find((d) => d.usagePage === USAGE_PAGE_GENERIC_DESKTOP && d.usage === USAGE_KEYBOARD);
    const chosen = preferred ?? matching[0];
    if (!chosen?.path) {
      throw new ApplianceError(FirmwareBridgeErrors.TRANSPORT_OPEN_FAILED.code, `no HID device ${this.id.slice(4)} is connected`, { vendorId, productId });
    }
    return chosen.path;
  }

  #onReport(report: Buffer): void {
    const bytes = this.#keyboard ? this.#keyboard.push(report) : hidPosPayload(report, { reportId: this.#options.reportId ?? false });
    if (bytes.length > 0) this.emit('data', bytes);
  }

  /** node-hid reports an unplug as a read error: close and report it as a close with that error. */
  #lost(err: Error): void {
    const device = this.#device;
    if (!device) return;
    this.#device = undefined;
    device.removeAllListeners();
    Promise.resolve()
      .then(() => device.close())
      .catch(() => {});
    this.emit('close', err);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
