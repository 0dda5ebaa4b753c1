/**
 * The receipt printer as a feature: the configured serial printer, or an EscPosSimulator behind the one simulator
 * harness (stable link, unplug/replug) when the config says `simulator`, hosted by the one DeviceHost: a port that
 * will not open or goes away (USB pulled, a port error) is reopened by path with backoff, and a printer that
 * stops answering DLE EOT with its port open shows as 'unresponsive'. Publishes `device.state` for device
 * 'printer' with the printer's own coded reason (paper out, cover open). Business code sees print(doc) and states.
 */
import { ApplianceError, isApplianceError, ApplianceErrors } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { FirmwareBridgeErrors } from '@lmc/firmware-bridge/errors.ts';
import { EscPosPrinterDriver, type PrinterStateEvent, type PrintResult } from '@lmc/firmware-bridge/escpos/escpos-printer-driver.ts';
import { EscPosSimulator } from '@lmc/firmware-bridge/escpos/escpos-simulator.ts';
import type { PaperWidth, ReceiptDocument } from '@lmc/firmware-bridge/escpos/receipt-document.ts';
import { DeviceHost, type DeviceHostStateEvent } from '@lmc/firmware-bridge/device-host/device-host.ts';
import { PtyDeviceHarness } from '@lmc/firmware-bridge/simulator/pty-device-harness.ts';
import { SerialTransport } from '@lmc/firmware-bridge/transport/serial-transport.ts';
import type { Feature } from '../devices/feature.ts';
import type { DeviceStateEvent, EventBus } from '../events/event-bus.ts';
import { changedDeviceState, type DeviceStateChange, initialDeviceState } from '../devices/device-state.ts';
import type { ReceiptPrinter } from './print-queue.ts';
import type { PrinterDeviceConfig } from './printing-config.ts';

export interface PrinterFeatureOptions {
  config: PrinterDeviceConfig;
  bus: EventBus;
  logger?: Logger;
  now?: () => Date;
  /** Reopen backoff; defaults 1 s doubling to 15 s. */
  reconnect?: { minMs: number; maxMs: number };
  /** DLE EOT reply timeout passed to the driver. */
  statusTimeoutMs?: number;
  /** Liveness probing while idle (default every 5 s; 2 failures = unresponsive). */
  liveness?: { everyMs: number; failuresBeforeUnresponsive: number };
}

const REASONS: Record<string, string> = {
  [FirmwareBridgeErrors.PRINTER_PAPER_OUT.code]: 'paper out',
  [FirmwareBridgeErrors.PRINTER_COVER_OPEN.code]: 'cover open',
  [FirmwareBridgeErrors.PRINTER_OFFLINE.code]: 'offline',
  [FirmwareBridgeErrors.PRINTER_TIMEOUT.code]: 'not answering',
  [FirmwareBridgeErrors.PRINTER_NOT_OPEN.code]: 'not connected',
};

const CONNECTION_FAULTS: ReadonlySet<string> = new Set([
  FirmwareBridgeErrors.PRINTER_TIMEOUT.code,
  FirmwareBridgeErrors.PRINTER_NOT_OPEN.code,
  'TRANSPORT_CLOSED',
  'TRANSPORT_WRITE_FAILED',
  'TRANSPORT_OPEN_FAILED',
]);

export class PrinterFeature implements Feature, ReceiptPrinter {
  readonly name = 'receipt-printer';
  readonly #opts: PrinterFeatureOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #readyListeners = new Set<() => void>();
  #state: DeviceStateEvent;
  #host: DeviceHost<EscPosPrinterDriver> | undefined;
  #harness: PtyDeviceHarness<EscPosSimulator> | undefined;

  constructor(options: PrinterFeatureOptions) {
    this.#opts = options;
    this.#log = options.logger ?? createLogger('device:printer');
    this.#now = options.now ?? (() => new Date());
    this.#state = initialDeviceState('printer', options.config, this.#now());
  }

  get state(): DeviceStateEvent {
    return this.#state;
  }
  get simulated(): boolean {
    return this.#opts.config.transport === 'simulator';
  }
  /** The simulated printer (paper out, cover open … for tests and training); undefined for real hardware or while unplugged. */
  get simulator(): EscPosSimulator | undefined {
    return this.#harness?.simulator;
  }
  /** The simulator harness (unplug/replug, line faults), when simulated. */
  get harness(): PtyDeviceHarness<EscPosSimulator> | undefined {
    return this.#harness;
  }
  get paperWidth(): PaperWidth {
    const c = this.#opts.config;
    return c.transport === 'none' ? 80 : c.paperWidth;
  }

  /** Called whenever the printer reports it can print again (paper loaded, cover closed, reconnected). */
  onReady(listener: () => void): () => void {
    this.#readyListeners.add(listener);
    return () => this.#readyListeners.delete(listener);
  }

  async start(): Promise<void> {
    const c = this.#opts.config;
    if (c.transport === 'none') {
      this.#publish({ state: 'absent', reason: 'no receipt printer configured (devices.printer.transport = "none")', code: 'DEVICE_NOT_CONFIGURED' });
      return;
    }
    let path: string;
    if (c.transport === 'simulator') {
      const logger = createLogger('printer:sim', this.#log);
      this.#harness = await PtyDeviceHarness.start<EscPosSimulator>({
        linkName: 'usb-Simulated_EPSON_TM-T20_SIM0001-if00-port0',
        baudRate: c.baudRate,
        logger,
        async make(transport) {
          const sim = new EscPosSimulator({ transport, paperWidth: c.paperWidth, baudRate: c.baudRate, logger });
          await sim.start();
          return sim;
        },
        stop: (sim) => sim.stop(),
      });
      path = this.#harness.devicePath;
      this.#state = { ...this.#state, transportId: `simulator:${path}` };
      this.#log.warn({ path, paperWidth: c.paperWidth }, 'receipt printer is SIMULATED (no devices.printer path configured)');
    } else {
      path = c.path;
    }
    const driver = new EscPosPrinterDriver({
      transportFactory: () => new SerialTransport({ path, baudRate: c.baudRate }),
      paperWidth: c.paperWidth,
      baudRate: c.baudRate,
      ...(this.#opts.statusTimeoutMs ? { statusTimeoutMs: this.#opts.statusTimeoutMs } : {}),
      logger: this.#log,
    });
    driver.on('state', (e) => this.#onDriverState(e));
    this.#host = new DeviceHost<EscPosPrinterDriver>({
      name: 'receipt printer',
      logger: this.#log,
      reconnect: this.#opts.reconnect ?? { minMs: 1000, maxMs: 15_000 },
      ...(this.#opts.liveness ? { liveness: this.#opts.liveness } : {}),
      device: {
        async open() {
          await driver.open();
          return driver;
        },
        close: (d) => d.close(),
        watch(d, lost) {
          const onState = (e: PrinterStateEvent) => {
            if (e.state === 'disconnected') lost('port closed');
          };
          d.on('state', onState);
          return () => d.off('state', onState);
        },
        probe: (d) => d.probe(),
      },
    });
    this.#host.on('state', (e) => this.#onHostState(e, driver));
    await this.#host.start();
  }

  async stop(): Promise<void> {
    await this.#host?.stop().catch(() => undefined);
    this.#host = undefined;
    await this.#harness?.close().catch(() => undefined);
    this.#harness = undefined;
  }

  /** Prints one receipt; resolves when the printer confirmed it, throws the driver's coded errors. */
  async print(doc: ReceiptDocument): Promise<PrintResult> {
    const host = this.#host;
    if (!host) {
      throw new ApplianceError(ApplianceErrors.PRINTER_ABSENT.code, 'No receipt printer is configured on this appliance.');
    }
    if (!host.driver?.isOpen) {
      throw new ApplianceError(FirmwareBridgeErrors.PRINTER_NOT_OPEN.code, 'The receipt printer is not connected. Check its cable and power, then print again.');
    }
    return host.use((d) => d.print(doc), { waitMs: 120_000 });
  }

  #onHostState(e: DeviceHostStateEvent, driver: EscPosPrinterDriver): void {
    if (e.state === 'busy') return;
    if (e.state === 'connected') {
      // Read the status once, so the state carries the printer's own reason (paper out …) and listeners resume.
      driver.status().catch((err: unknown) => this.#log.debug({ code: isApplianceError(err) ? err.code : undefined }, 'status after connect failed'));
      return;
    }
    if (e.state === 'error') {
      const reason = e.code && REASONS[e.code] ? REASONS[e.code] : (e.reason ?? 'port cannot be opened');
      this.#publish({ state: 'error', reason, ...(e.code && REASONS[e.code] ? { code: e.code } : {}) });
      return;
    }
    this.#publish({ state: e.state, ...(e.reason ? { reason: e.reason } : {}), ...(e.code ? { code: e.code } : {}) });
  }

  #onDriverState(e: PrinterStateEvent): void {
    // Connection changes come from the host; the driver speaks here for the printer's own status.
    if (e.state === 'disconnected') return;
    const hostState = this.#host?.state;
    if (hostState !== 'connected' && hostState !== 'busy') return;
    if (e.state === 'error') {
      // No answer or a failed write is the connection's business (the host: unresponsive, disconnected); the
      // printer's own faults (paper, cover, off-line) are published here.
      if (!e.error || CONNECTION_FAULTS.has(e.error.code)) return;
      this.#publish({ state: 'error', reason: REASONS[e.error.code] ?? e.error.message, code: e.error.code });
      return;
    }
    this.#publish({ state: 'connected', ...(e.status?.paperNearEnd ? { reason: 'paper near end', code: 'PRINTER_PAPER_NEAR_END' } : {}) });
    if (e.status) for (const l of this.#readyListeners) l();
  }

  #publish(change: DeviceStateChange): void {
    const next = changedDeviceState(this.#state, change, this.#now());
    if (!next) return;
    this.#state = next;
    this.#opts.bus.publish('device.state', this.#state);
  }
}
