import { isApplianceError } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { FingerprintReader, ReaderState } from '@lmc/firmware-bridge/fingerprint/fingerprint-reader.ts';
import { DeviceHost, type DeviceHostStateEvent } from '@lmc/firmware-bridge/device-host/device-host.ts';
import { SerialTransport } from '@lmc/firmware-bridge/transport/serial-transport.ts';
import { ZfmDriver } from '@lmc/firmware-bridge/zfm/zfm-driver.ts';
import type { ZfmTimeouts } from '@lmc/firmware-bridge/zfm/zfm-transaction.ts';
import type { Feature } from '../devices/feature.ts';
import type { DeviceStateEvent, EventBus } from '../events/event-bus.ts';
import { changedDeviceState, initialDeviceState } from '../devices/device-state.ts';
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
  /** Liveness probing while idle (default every 5 s; 2 failures = unresponsive). */
  liveness?: { everyMs: number; failuresBeforeUnresponsive: number };
}

/** Open failures a retry cannot fix: a technician must change the configuration. */
const PERMANENT = new Set(['FP_WRONG_PASSWORD']);

/**
 * The fingerprint reader as a feature: the configured ZFM module over SerialTransport, or the pty
 * simulator (SimulatedFingerprintReader) when `devices.fingerprint.transport` is 'simulator', hosted by the one
 * DeviceHost (firmware-bridge): reopen by path after the port disappears, error or close = lost, a liveness
 * probe (ReadSysPara) while idle that shows a module which died with its port open as 'unresponsive'.
 * Publishes `device.state` for device 'fingerprint'. Business code gets `reader` only while it is open.
 */
export class FingerprintFeature implements Feature {
  readonly name = 'fingerprint';
  readonly #o: FingerprintFeatureOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  #host: DeviceHost<ZfmDriver> | undefined;
  #simulator: SimulatedFingerprintReader | undefined;
  #state: DeviceStateEvent;

  constructor(options: FingerprintFeatureOptions) {
    this.#o = options;
    this.#log = options.logger ?? createLogger('device:fingerprint');
    this.#now = options.now ?? (() => new Date());
    this.#state = initialDeviceState('fingerprint', options.config, this.#now());
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

  /** The open reader, or undefined while it is absent, connecting, disconnected or not answering. */
  get reader(): FingerprintReader | undefined {
    const driver = this.#host?.driver;
    const s = driver?.state;
    return this.#host?.state !== 'unresponsive' && (s === 'ready' || s === 'busy') ? driver : undefined;
  }

  async start(): Promise<void> {
    const { config } = this.#o;
    if (config.transport === 'none') {
      this.#publish('absent', 'no fingerprint reader configured (devices.fingerprint.transport = "none")', 'DEVICE_NOT_CONFIGURED');
      return;
    }
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
    const log = this.#log;
    // One driver for the feature's life: it remembers the module's rate (a raise is kept across reopens).
    const driver = new ZfmDriver({
      // The driver reopens at another rate after a baud raise (SetSysPara) or while looking for the module.
      transportFactory: (t) => new SerialTransport({ path, baudRate: t?.baudRate ?? baudRate }),
      baudRate,
      targetBaudRate: config.targetBaudRate ?? 115_200,
      ...(config.transport === 'serial' && config.address !== undefined ? { address: config.address } : {}),
      ...(config.transport === 'serial' && config.password !== undefined ? { password: config.password } : {}),
      ...(this.#o.timeouts ? { timeouts: this.#o.timeouts } : {}),
      logger: createLogger('zfm:driver', log),
    });
    this.#host = new DeviceHost<ZfmDriver>({
      name: 'fingerprint reader',
      logger: log,
      ...(this.#o.reconnect ? { reconnect: this.#o.reconnect } : {}),
      ...(this.#o.liveness ? { liveness: this.#o.liveness } : {}),
      device: {
        async open() {
          await driver.open();
          const info = driver.info();
          log.info({ transport: info.id, ...info.details }, 'fingerprint reader connected');
          return driver;
        },
        close: (d) => d.close(),
        watch(d, lost) {
          // 'closed' while open: the port went away (cable pulled, adapter reset, port error).
          const onState = (s: ReaderState) => {
            if (s === 'closed') lost('port closed');
          };
          d.on('state', onState);
          return () => d.off('state', onState);
        },
        probe: (d) => d.probe(),
        permanent: (err) => isApplianceError(err) && PERMANENT.has(err.code),
      },
    });
    this.#host.on('state', (e) => this.#onHostState(e));
    await this.#host.start();
  }

  async stop(): Promise<void> {
    await this.#host?.stop().catch((err: unknown) => this.#log.debug({ code: (err as { code?: string }).code }, 'close on stop failed'));
    this.#host = undefined;
    await this.#simulator?.close();
    this.#simulator = undefined;
    if (this.#state.state !== 'absent') this.#publish('disconnected', 'stopped');
  }

  #onHostState(e: DeviceHostStateEvent): void {
    // 'busy' is the host's own business: to officers the reader is connected while it captures.
    const state = e.state === 'busy' ? 'connected' : e.state;
    if (state === 'connected' || state === 'connecting') this.#publish(state);
    else this.#publish(state, e.reason, e.code);
  }

  #publish(state: DeviceStateEvent['state'], reason?: string, code?: string): void {
    const next = changedDeviceState(this.#state, { state, ...(reason ? { reason } : {}), ...(code ? { code } : {}) }, this.#now());
    if (!next) return;
    this.#state = next;
    this.#o.bus.publish('device.state', this.#state);
  }
}
