import { randomUUID } from 'node:crypto';
import { isApplianceError } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { parseMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { MrzReaderDriver } from '@lmc/firmware-bridge/mrz-reader/mrz-reader-driver.ts';
import { MrzReaderSimulator } from '@lmc/firmware-bridge/mrz-reader/mrz-reader-simulator.ts';
import { HidTransport } from '@lmc/firmware-bridge/transport/hid-transport.ts';
import { SerialTransport } from '@lmc/firmware-bridge/transport/serial-transport.ts';
import type { TransportFactory } from '@lmc/firmware-bridge/transport/transport.ts';
import type { MrzDeviceConfig } from '../config/schema.ts';
import type { DeviceStateEvent, DocumentScannedEvent, EventBus } from '../events/event-bus.ts';
import { initialDeviceState } from './device-state.ts';
import type { Feature } from './feature.ts';
import type { ScanCache } from './scan-cache.ts';

export interface MrzReaderFeatureOptions {
  config: MrzDeviceConfig;
  bus: EventBus;
  scans: ScanCache;
  logger?: Logger;
  /** Injected clock for scan timestamps. */
  now?: () => Date;
}

/**
 * The passport reader as a feature: opens the configured transport (or a simulator on a pty pair),
 * turns driver reads into parsed documents on the bus. Business code above this sees documents, never bytes.
 */
export class MrzReaderFeature implements Feature {
  readonly name = 'mrz-reader';
  #driver: MrzReaderDriver | undefined;
  #simulator: MrzReaderSimulator | undefined;
  #state: DeviceStateEvent;
  readonly #log: Logger;
  readonly #now: () => Date;

  constructor(private readonly options: MrzReaderFeatureOptions) {
    this.#log = options.logger ?? createLogger('device:mrz');
    this.#now = options.now ?? (() => new Date());
    this.#state = initialDeviceState('mrz', options.config, this.#now(), describeTransport(options.config));
  }

  get simulated(): boolean {
    return this.options.config.transport === 'simulator';
  }

  get simulator(): MrzReaderSimulator | undefined {
    return this.#simulator;
  }

  get state(): DeviceStateEvent {
    return this.#state;
  }

  async start(): Promise<void> {
    const { config } = this.options;
    if (config.transport === 'none') {
      this.#publishState({ state: 'absent', reason: 'no MRZ reader configured (devices.mrz.transport = "none")' });
      return;
    }
    let factory: TransportFactory;
    let framing = 'auto';
    let interByteTimeoutMs = 100;
    if (config.transport === 'simulator') {
      this.#simulator = await MrzReaderSimulator.start({ baudRate: config.baudRate, framing: simFraming(config.framing) });
      const path = this.#simulator.devicePath;
      factory = () => new SerialTransport({ path, baudRate: config.baudRate });
      framing = config.framing;
      this.#state = { ...this.#state, transportId: `simulator:${path}` };
      this.#log.warn({ path, baudRate: config.baudRate }, 'MRZ reader is SIMULATED (no devices.mrz path configured)');
    } else if (config.transport === 'serial') {
      factory = () => new SerialTransport({ path: config.path, baudRate: config.baudRate });
      framing = config.framing;
      interByteTimeoutMs = config.interByteTimeoutMs;
    } else {
      const vendorId = toUsbId(config.vendorId);
      const productId = toUsbId(config.productId);
      factory = () => new HidTransport({ vendorId, productId, mode: config.mode });
      interByteTimeoutMs = config.interByteTimeoutMs;
    }
    const driver = new MrzReaderDriver({
      transportFactory: factory,
      framing: framing as 'auto',
      interByteTimeoutMs,
      reconnect: { minMs: 250, maxMs: 5000 },
      logger: this.#log,
    });
    this.#driver = driver;
    // Off the serial data path: the driver's callbacks (bytes arriving, the inter-byte timer, port events) only
    // hand over. Parsing, the scan cache and the bus (whose first subscriber commits the audit row, fsynced, before
    // any later one reports the event: device-audit.ts) run in the check phase, after libuv's poll phase has
    // delivered every byte already waiting. setImmediate keeps the driver's order.
    const later = (fn: () => void) => setImmediate(fn);
    driver.on('state', (e) => later(() => this.#publishState({ state: e.state, ...(e.reason ? { reason: e.reason } : {}), ...(e.code ? { code: e.code } : {}) })));
    driver.on('read', (e) => later(() => this.#onRead(e.lines, e.framing, e.receivedAt)));
    driver.on('rejected', (e) =>
      later(() =>
        this.options.bus.publish('device.read-rejected', {
          device: 'mrz',
          code: e.code,
          reason: e.reason,
          byteCount: e.byteCount,
          at: this.#now().toISOString(),
        }),
      ),
    );
    await driver.start();
  }

  async stop(): Promise<void> {
    await this.#driver?.stop();
    this.#driver = undefined;
    await this.#simulator?.close();
    this.#simulator = undefined;
  }

  #onRead(lines: string[], framing: string, receivedAt: number): void {
    const scanId = randomUUID();
    const at = this.#now().toISOString();
    // Parse first, publish after: nothing a subscriber does can turn a good scan into a failed one.
    let scan: DocumentScannedEvent;
    try {
      const document = parseMrz(lines, { now: this.#now() });
      scan = { scanId, at, lines, framing, document, receivedAt };
      this.#log.info({ scanId, format: document.format, valid: document.valid, warnings: document.warnings.length }, 'document read');
    } catch (err) {
      const error = isApplianceError(err)
        ? { code: err.code, message: err.message }
        : { code: 'MRZ_PARSE_FAILED', message: 'the reader sent lines that are not a machine-readable zone' };
      scan = { scanId, at, lines, framing, document: null, error, receivedAt };
      this.#log.warn({ scanId, code: error.code }, 'unreadable document');
    }
    this.options.scans.add(scan);
    this.options.bus.publish('document.scanned', scan);
  }

  #publishState(change: Pick<DeviceStateEvent, 'state'> & { reason?: string; code?: string }): void {
    const { reason: _old, code: _oldCode, ...rest } = this.#state;
    this.#state = { ...rest, ...change, at: this.#now().toISOString() };
    this.options.bus.publish('device.state', this.#state);
  }
}

function describeTransport(config: MrzDeviceConfig): string {
  switch (config.transport) {
    case 'serial':
      return config.path;
    case 'hid':
      return `hid:${toUsbId(config.vendorId).toString(16).padStart(4, '0')}:${toUsbId(config.productId).toString(16).padStart(4, '0')}`;
    case 'simulator':
      return 'simulator';
    case 'none':
      return 'none';
  }
}

function toUsbId(v: number | string): number {
  return typeof v === 'number' ? v : Number.parseInt(v.replace(/^0x/i, ''), 16);
}

function simFraming(f: string): 'cr' | 'crlf' | 'stx-etx' {
  return f === 'auto' ? 'stx-etx' : (f as 'cr' | 'crlf' | 'stx-etx');
}
