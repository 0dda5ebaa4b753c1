import { isApplianceError } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { FingerprintReader, ReaderState } from '@lmc/firmware-bridge/fingerprint/fingerprint-reader.ts';
import { SerialTransport } from '@lmc/firmware-bridge/transport/serial-transport.ts';
import { ZfmDriver } from '@lmc/firmware-bridge/zfm/zfm-driver.ts';
import type { ZfmTimeouts } from '@lmc/firmware-bridge/zfm/zfm-transaction.ts';
import type { Feature } from '../devices/feature.ts';
import type { DeviceStateEvent, EventBus } from '../events/event-bus.ts';
import type { FingerprintDeviceConfig } from './fingerprint-config.ts';
import { SimulatedFingerprintReader } from './simulated-reader.ts';

export interface FingerprintFeatureOptions {
  config: FingerprintDeviceConfig;
  bus: EventBus;
  logger?: Logger;
  now?: () => Date;
  /** Reopen backoff after the port disappears or an open fails (default 250 ms doubling to 5 s). */
  reconnect?: { minMs: number; maxMs: number };
  /** Driver timeouts (tests shorten them). */
  timeouts?: Partial<ZfmTimeouts>;
}

/** Open failures a retry cannot fix: a technician must change the configuration. */
const PERMANENT = new Set(['FP_WRONG_PASSWORD']);

/**
 * The fingerprint reader as a feature: the configured ZFM module over SerialTransport, or the pty
 * simulator (SimulatedFingerprintReader) when `devices.fingerprint.transport` is 'simulator'. Publishes
 * `device.state` for device 'fingerprint' and reopens by path after the port disappears (a USB-serial
 * adapter pulled and put back), like the MRZ feature. Business code gets `reader` only while it is open.
 */
export class FingerprintFeature implements Feature {
  readonly name = 'fingerprint';
  readonly #o: FingerprintFeatureOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #reconnect: { minMs: number; maxMs: number };
  #driver: ZfmDriver | undefined;
  #simulator: SimulatedFingerprintReader | undefined;
  #state: DeviceStateEvent;
  #running = false;
  #retry: NodeJS.Timeout | undefined;
  #backoffMs: number;

  constructor(options: FingerprintFeatureOptions) {
    this.#o = options;
    this.#log = options.logger ?? createLogger('device:fingerprint');
    this.#now = options.now ?? (() => new Date());
    this.#reconnect = options.reconnect ?? { minMs: 250, maxMs: 5000 };
    this.#backoffMs = this.#reconnect.minMs;
    const c = options.config;
    this.#state = {
      device: 'fingerprint',
      state: c.transport === 'none' ? 'absent' : 'connecting',
      simulated: c.transport === 'simulator',
      transportId: c.transport === 'serial' ? c.path : c.transport,
      at: this.#now().toISOString(),
    };
  }

  get simulated(): boolean {
    return this.#o.config.transport === 'simulator';
  }

  /** The simulated module (place/lift a finger, unplug/replug), when simulated. */
  get simulator(): SimulatedFingerprintReader | undefined {
    return this.#simulator;
  }

  get state(): DeviceStateEvent {
    return this.#state;
  }

  /** The open reader, or undefined while it is absent, connecting or disconnected. */
  get reader(): FingerprintReader | undefined {
    const s = this.#driver?.state;
    return s === 'ready' || s === 'busy' ? this.#driver : undefined;
  }

  async start(): Promise<void> {
    const { config } = this.#o;
    if (config.transport === 'none') {
      this.#publish('absent', 'no fingerprint reader configured (devices.fingerprint.transport = "none")');
      return;
    }
    this.#running = true;
    let path: string;
    if (config.transport === 'simulator') {
      this.#simulator = await SimulatedFingerprintReader.start({ baudRate: config.baudRate, logger: createLogger('zfm:sim', this.#log) });
      path = this.#simulator.devicePath;
      this.#state = { ...this.#state, transportId: `simulator:${path}` };
      const imageSeconds = Math.round((40_044 * 10 * 10) / config.baudRate) / 10;
      this.#log.warn(
        { path, baudRate: config.baudRate, imageUploadSeconds: imageSeconds },
        'fingerprint reader is SIMULATED (no devices.fingerprint path configured); it paces replies at the real baud, so each capture takes the real image upload time',
      );
    } else {
      path = config.path;
    }
    const baudRate = config.baudRate;
    this.#driver = new ZfmDriver({
      // The driver reopens at another rate after a baud raise (SetSysPara) or while looking for the module.
      transportFactory: (t) => new SerialTransport({ path, baudRate: t?.baudRate ?? baudRate }),
      baudRate,
      targetBaudRate: config.targetBaudRate ?? 115_200,
      ...(config.transport === 'serial' && config.address !== undefined ? { address: config.address } : {}),
      ...(config.transport === 'serial' && config.password !== undefined ? { password: config.password } : {}),
      ...(this.#o.timeouts ? { timeouts: this.#o.timeouts } : {}),
      logger: createLogger('zfm:driver', this.#log),
    });
    this.#driver.on('state', (s) => this.#onDriverState(s));
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = undefined;
    await this.#driver?.close().catch((err: unknown) => this.#log.debug({ code: (err as { code?: string }).code }, 'close on stop failed'));
    this.#driver = undefined;
    await this.#simulator?.close();
    this.#simulator = undefined;
    if (this.#state.state !== 'absent') this.#publish('disconnected', 'stopped');
  }

  async #connect(): Promise<void> {
    this.#retry = undefined;
    const driver = this.#driver;
    if (!this.#running || !driver) return;
    try {
      await driver.open();
    } catch (err) {
      if (!this.#running) return;
      const code = isApplianceError(err) ? err.code : undefined;
      const reason = err instanceof Error ? err.message : String(err);
      if (code && PERMANENT.has(code)) {
        this.#log.error({ code }, 'fingerprint reader refused: check devices.fingerprint');
        this.#publish('error', reason);
        return;
      }
      // The first failure is worth showing; failures while waiting for a replug are expected.
      if (this.#state.state === 'connecting') {
        this.#log.warn({ code }, `fingerprint reader not available, will retry: ${reason}`);
        this.#publish('error', reason);
      } else this.#log.debug({ code, retryInMs: this.#backoffMs }, 'reopen failed');
      this.#scheduleRetry();
      return;
    }
    if (!this.#running) {
      await driver.close();
      return;
    }
    this.#backoffMs = this.#reconnect.minMs;
    const info = driver.info();
    this.#log.info({ transport: info.id, ...info.details }, 'fingerprint reader connected');
    this.#publish('connected');
  }

  #onDriverState(s: ReaderState): void {
    // 'closed' while running and not from stop(): the port went away (cable pulled, adapter reset).
    if (s !== 'closed' || !this.#running || this.#retry) return;
    this.#log.warn('fingerprint reader disconnected; will reopen when it is back');
    this.#publish('disconnected', 'port closed');
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (!this.#running) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#reconnect.maxMs);
    this.#retry = setTimeout(() => void this.#connect(), delay);
  }

  #publish(state: DeviceStateEvent['state'], reason?: string): void {
    const { reason: _old, ...rest } = this.#state;
    this.#state = { ...rest, state, ...(reason ? { reason } : {}), at: this.#now().toISOString() };
    this.#o.bus.publish('device.state', this.#state);
  }
}
