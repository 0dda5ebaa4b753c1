/**
 * The receipt printer as a feature (devices/mrz-reader-feature.ts is the model): opens the
 * configured serial printer, or an EscPosSimulator on a pty pair when the config says
 * `simulator`, and publishes `device.state` for device 'printer' with the printer's own reason
 * ("paper out", "cover open"). Business code above sees print(doc) and states, never bytes.
 * A port that will not open or goes away (USB pulled) is retried with backoff.
 */
import { ApplianceError, isApplianceError } from '../errors.ts';
import { PrintingErrors } from './printing-errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { EscPosErrors } from '@lmc/firmware-bridge/escpos/escpos-errors.ts';
import { EscPosPrinterDriver, type PrinterStateEvent, type PrintResult } from '@lmc/firmware-bridge/escpos/escpos-printer-driver.ts';
import { EscPosSimulator } from '@lmc/firmware-bridge/escpos/escpos-simulator.ts';
import type { PaperWidth, ReceiptDocument } from '@lmc/firmware-bridge/escpos/receipt-document.ts';
import { openPtyPair, type PtyPair } from '@lmc/firmware-bridge/transport/pty-pair.ts';
import { SerialTransport } from '@lmc/firmware-bridge/transport/serial-transport.ts';
import type { Feature } from '../devices/feature.ts';
import type { DeviceStateEvent, EventBus } from '../events/event-bus.ts';
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
}

const REASONS: Record<string, string> = {
  [EscPosErrors.PRINTER_PAPER_OUT.code]: 'paper out',
  [EscPosErrors.PRINTER_COVER_OPEN.code]: 'cover open',
  [EscPosErrors.PRINTER_OFFLINE.code]: 'offline',
  [EscPosErrors.PRINTER_TIMEOUT.code]: 'not answering',
  [EscPosErrors.PRINTER_NOT_OPEN.code]: 'not connected',
};

export class PrinterFeature implements Feature, ReceiptPrinter {
  readonly name = 'receipt-printer';
  readonly #opts: PrinterFeatureOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #readyListeners = new Set<() => void>();
  #state: DeviceStateEvent;
  #driver: EscPosPrinterDriver | undefined;
  #pair: PtyPair | undefined;
  #simulator: EscPosSimulator | undefined;
  #retry: NodeJS.Timeout | undefined;
  #retryMs: number;
  #stopping = false;

  constructor(options: PrinterFeatureOptions) {
    this.#opts = options;
    this.#log = options.logger ?? createLogger('device:printer');
    this.#now = options.now ?? (() => new Date());
    this.#retryMs = options.reconnect?.minMs ?? 1000;
    const c = options.config;
    this.#state = {
      device: 'printer',
      state: c.transport === 'none' ? 'absent' : 'connecting',
      simulated: c.transport === 'simulator',
      transportId: c.transport === 'serial' ? c.path : c.transport,
      at: this.#now().toISOString(),
    };
  }

  get state(): DeviceStateEvent {
    return this.#state;
  }
  get simulated(): boolean {
    return this.#opts.config.transport === 'simulator';
  }
  /** The simulated printer (paper out, cover open … for tests and training); undefined for real hardware. */
  get simulator(): EscPosSimulator | undefined {
    return this.#simulator;
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
    this.#stopping = false;
    if (c.transport === 'none') {
      this.#publish({ state: 'absent', reason: 'no receipt printer configured (devices.printer.transport = "none")' });
      return;
    }
    let path: string;
    if (c.transport === 'simulator') {
      this.#pair = await openPtyPair();
      this.#simulator = await EscPosSimulator.onPty(this.#pair.simulatorPath, {
        paperWidth: c.paperWidth,
        baudRate: c.baudRate,
        logger: createLogger('printer:sim', this.#log),
      });
      path = this.#pair.devicePath;
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
    this.#driver = driver;
    driver.on('state', (e) => this.#onDriverState(e));
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    await this.#driver?.close().catch(() => undefined);
    this.#driver = undefined;
    await this.#simulator?.stop().catch(() => undefined);
    this.#simulator = undefined;
    await this.#pair?.close();
    this.#pair = undefined;
  }

  /** Prints one receipt; resolves when the printer confirmed it, throws the driver's coded errors. */
  async print(doc: ReceiptDocument): Promise<PrintResult> {
    const driver = this.#driver;
    if (!driver) {
      throw new ApplianceError(PrintingErrors.PRINTER_ABSENT.code, 'No receipt printer is configured on this appliance.');
    }
    if (!driver.isOpen) {
      await this.#connect();
      if (!driver.isOpen) {
        throw new ApplianceError(EscPosErrors.PRINTER_NOT_OPEN.code, 'The receipt printer is not connected. Check its cable and power, then print again.');
      }
    }
    return driver.print(doc);
  }

  /** Opens the port and reads the status once (so the first state carries a reason); retries on failure. */
  async #connect(): Promise<void> {
    const driver = this.#driver;
    if (!driver || this.#stopping) return;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    try {
      await driver.open();
      await driver.status();
      this.#retryMs = this.#opts.reconnect?.minMs ?? 1000;
    } catch (err) {
      const reason = isApplianceError(err) ? (REASONS[err.code] ?? err.message) : 'port cannot be opened';
      if (!driver.isOpen) {
        this.#publish({ state: 'error', reason });
        this.#scheduleReconnect();
      }
    }
  }

  #scheduleReconnect(): void {
    if (this.#stopping || this.#retry) return;
    const wait = this.#retryMs;
    this.#retryMs = Math.min(wait * 2, this.#opts.reconnect?.maxMs ?? 15_000);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#connect();
    }, wait);
    this.#retry.unref();
  }

  #onDriverState(e: PrinterStateEvent): void {
    if (e.state === 'disconnected') {
      this.#publish({ state: 'disconnected', reason: 'port closed' });
      this.#scheduleReconnect();
      return;
    }
    if (e.state === 'error') {
      this.#publish({ state: 'error', reason: (e.error && REASONS[e.error.code]) ?? e.error?.message ?? 'printer error' });
      return;
    }
    this.#publish({ state: 'connected', ...(e.status?.paperNearEnd ? { reason: 'paper near end' } : {}) });
    if (e.status) for (const l of this.#readyListeners) l();
  }

  #publish(change: Pick<DeviceStateEvent, 'state'> & { reason?: string }): void {
    const { reason: _old, ...rest } = this.#state;
    const next = { ...rest, ...change, at: this.#now().toISOString() };
    if (next.state === this.#state.state && next.reason === this.#state.reason) return;
    this.#state = next;
    this.#opts.bus.publish('device.state', this.#state);
  }
}
