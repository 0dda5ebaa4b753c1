import { EventEmitter } from 'node:events';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { ApplianceError, isApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { type DeviceClock, realClock } from '../transport/device-clock.ts';

/**
 * One device host for every device (MRZ reader, fingerprint module, receipt printer): the connection lifecycle
 * that the three drivers used to keep each in its own way.
 *
 *   absent (transport none)
 *   connecting → connected ⇄ busy            (use(): one job at a time)
 *        │          │ ⇅ liveness probe while idle: unresponsive ⇄ connected
 *        ▼          ▼ port error or close = lost
 *      error    disconnected → reopen by path with backoff → connected
 *
 * - The first failed open is shown ('error', with the code); failures while waiting for a replug are expected
 *   and stay 'disconnected'. A failure no retry can fix (wrong password, HID support missing) stays 'error'.
 * - A device that stops answering with its port still open (a module that died, a printer switched off behind
 *   a USB adapter) fails its probe: after `failuresBeforeUnresponsive` it is 'unresponsive', which officers see;
 *   probing goes on and a good answer brings it back to 'connected'.
 * - Listener isolation: a throwing state listener is logged; the others and the host carry on.
 */
export type DeviceHostState = 'absent' | 'connecting' | 'connected' | 'busy' | 'unresponsive' | 'disconnected' | 'error';

export interface DeviceHostStateEvent {
  state: DeviceHostState;
  /** Why, as a code the UI translates (DEVICE_NOT_CONNECTED, DEVICE_UNRESPONSIVE, TRANSPORT_OPEN_FAILED, FP_WRONG_PASSWORD …). */
  code?: string;
  /** For logs and technicians; officers see the code's translation. */
  reason?: string;
  /** Date.now() */
  at: number;
}

/** What the host needs of one kind of device. */
export interface HostedDevice<D> {
  /** Opens the port and brings the device up (handshake); throws coded errors, leaves nothing open on failure. */
  open(): Promise<D>;
  close(driver: D): Promise<void>;
  /** Calls `lost` when the driver's port goes away (error or close); returns the unsubscribe. */
  watch(driver: D, lost: (reason: string) => void): () => void;
  /** Liveness while idle: true = answered, false = no answer, undefined = skipped (the device is busy). */
  probe?(driver: D): Promise<boolean | undefined>;
  /** Open failures a retry cannot fix. */
  permanent?(err: unknown): boolean;
}

export interface DeviceHostOptions<D> {
  name: string;
  /** undefined: no such device configured (transport none): the host stays 'absent'. */
  device: HostedDevice<D> | undefined;
  clock?: DeviceClock;
  logger?: Logger;
  /** Reopen backoff (default 250 ms doubling to 5 s). */
  reconnect?: { minMs: number; maxMs: number };
  /** Liveness probing while idle (default every 5 s; 2 failures in a row = unresponsive). */
  liveness?: { everyMs: number; failuresBeforeUnresponsive: number };
}

type HostEvents = { state: [DeviceHostStateEvent] };

export class DeviceHost<D> extends EventEmitter<HostEvents> {
  readonly name: string;
  readonly #device: HostedDevice<D> | undefined;
  readonly #clock: DeviceClock;
  readonly #log: Logger;
  readonly #reconnect: { minMs: number; maxMs: number };
  readonly #liveness: { everyMs: number; failuresBeforeUnresponsive: number };
  #state: DeviceHostStateEvent;
  #driver: D | undefined;
  #unwatch: (() => void) | undefined;
  #running = false;
  /** Bumped by start/stop and by each loss, so late completions of an old attempt are ignored. */
  #generation = 0;
  #retry: unknown;
  #probeTimer: unknown;
  #backoffMs: number;
  #probeFailures = 0;
  #lock: Promise<unknown> = Promise.resolve();
  #jobs = 0;

  constructor(options: DeviceHostOptions<D>) {
    super();
    this.name = options.name;
    this.#device = options.device;
    this.#clock = options.clock ?? realClock;
    this.#log = options.logger ?? createLogger(`device-host:${options.name}`);
    this.#reconnect = options.reconnect ?? { minMs: 250, maxMs: 5000 };
    this.#liveness = options.liveness ?? { everyMs: 5000, failuresBeforeUnresponsive: 2 };
    this.#backoffMs = this.#reconnect.minMs;
    this.#state = { state: options.device ? 'connecting' : 'absent', at: Date.now() };
  }

  get state(): DeviceHostState {
    return this.#state.state;
  }

  get stateEvent(): DeviceHostStateEvent {
    return this.#state;
  }

  /** The driver while the port is open (connected, busy or unresponsive); undefined otherwise. */
  get driver(): D | undefined {
    return this.#driver;
  }

  /** Resolves after the first open attempt, whether or not the device was there (the state says which). */
  async start(): Promise<void> {
    if (this.#running) return;
    if (!this.#device) {
      this.#set({ state: 'absent', code: 'DEVICE_NOT_CONFIGURED', reason: 'transport none' });
      return;
    }
    this.#running = true;
    this.#generation++;
    this.#backoffMs = this.#reconnect.minMs;
    this.#set({ state: 'connecting' }, true);
    await this.#connect(this.#generation);
  }

  /** Releases everything: timers, listeners, the open port. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#generation++;
    this.#clock.clearTimeout(this.#retry);
    this.#clock.clearTimeout(this.#probeTimer);
    this.#retry = undefined;
    this.#probeTimer = undefined;
    const d = this.#release();
    if (d !== undefined && this.#device) await this.#device.close(d).catch((err: unknown) => this.#log.debug({ err }, 'close on stop failed'));
    this.#set({ state: 'disconnected', reason: 'stopped' });
  }

  /**
   * Runs `job` with the driver, one job at a time. A job waits for the one before it at most `waitMs`
   * (DEVICE_BUSY after that); without an open device it fails DEVICE_NOT_CONNECTED at once.
   */
  use<T>(job: (driver: D) => Promise<T>, options: { waitMs?: number } = {}): Promise<T> {
    const waitMs = options.waitMs ?? 30_000;
    const previous = this.#lock;
    const run = (async () => {
      let timer: unknown;
      const waited = await Promise.race([
        previous.then(() => true),
        new Promise<false>((resolve) => {
          timer = this.#clock.setTimeout(() => resolve(false), waitMs);
        }),
      ]);
      this.#clock.clearTimeout(timer);
      if (!waited) throw new ApplianceError(FirmwareBridgeErrors.DEVICE_BUSY.code, `The ${this.name} is busy.`, { device: this.name, waitMs });
      const driver = this.#driver;
      if (driver === undefined) throw new ApplianceError(FirmwareBridgeErrors.DEVICE_NOT_CONNECTED.code, `The ${this.name} is not connected.`, { device: this.name });
      this.#jobs++;
      if (this.#state.state === 'connected') this.#set({ state: 'busy' });
      try {
        return await job(driver);
      } finally {
        this.#jobs--;
        if (this.#jobs === 0 && this.#state.state === 'busy') this.#set({ state: 'connected' });
      }
    })();
    this.#lock = run.catch(() => undefined);
    return run;
  }

  async #connect(generation: number): Promise<void> {
    this.#retry = undefined;
    const device = this.#device;
    if (!device || generation !== this.#generation) return;
    let driver: D;
    try {
      driver = await device.open();
    } catch (err) {
      if (generation !== this.#generation) return;
      this.#openFailed(err);
      return;
    }
    if (generation !== this.#generation) {
      await device.close(driver).catch(() => undefined);
      return;
    }
    this.#driver = driver;
    this.#unwatch = device.watch(driver, (reason) => this.#lost(driver, reason));
    this.#backoffMs = this.#reconnect.minMs;
    this.#probeFailures = 0;
    this.#log.info({ device: this.name }, 'device connected');
    this.#set({ state: 'connected' });
    this.#scheduleProbe();
  }

  #openFailed(err: unknown): void {
    const code = isApplianceError(err) ? err.code : (err as { code?: string }).code;
    const reason = err instanceof Error ? err.message : String(err);
    if (this.#device?.permanent?.(err)) {
      this.#log.error({ device: this.name, code }, `device cannot be used: ${reason}`);
      this.#set({ state: 'error', code: code ?? 'TRANSPORT_OPEN_FAILED', reason });
      return;
    }
    // The first failure after start is worth showing; failures while waiting for a replug are expected.
    if (this.#state.state === 'connecting') {
      this.#log.warn({ device: this.name, code }, `device not available, will retry: ${reason}`);
      this.#set({ state: 'error', code: code ?? 'TRANSPORT_OPEN_FAILED', reason });
    } else this.#log.debug({ device: this.name, code, retryInMs: this.#backoffMs }, `reopen failed: ${reason}`);
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (!this.#running || this.#retry !== undefined) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#reconnect.maxMs);
    const generation = this.#generation;
    this.#retry = this.#clock.setTimeout(() => void this.#connect(generation), delay);
  }

  /** Error or close means lost: drop the driver, say so, and reopen by path with backoff. */
  #lost(driver: D, reason: string): void {
    if (this.#driver !== driver || !this.#running) return;
    this.#generation++;
    this.#release();
    this.#device?.close(driver).catch(() => undefined);
    this.#log.warn({ device: this.name }, `device disconnected: ${reason}`);
    this.#set({ state: 'disconnected', code: FirmwareBridgeErrors.DEVICE_NOT_CONNECTED.code, reason });
    this.#scheduleRetry();
  }

  #release(): D | undefined {
    const d = this.#driver;
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#driver = undefined;
    this.#clock.clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    return d;
  }

  #scheduleProbe(): void {
    if (!this.#device?.probe || !this.#running || this.#liveness.everyMs <= 0) return;
    const generation = this.#generation;
    this.#probeTimer = this.#clock.setTimeout(() => void this.#probe(generation), this.#liveness.everyMs);
  }

  async #probe(generation: number): Promise<void> {
    this.#probeTimer = undefined;
    const driver = this.#driver;
    const device = this.#device;
    if (generation !== this.#generation || driver === undefined || !device?.probe) return;
    // Only while idle: a job in hand proves (or disproves) the device by itself.
    const answered = this.#jobs > 0 ? undefined : await device.probe(driver).catch(() => false);
    if (generation !== this.#generation || this.#driver !== driver) return;
    if (answered === true) {
      this.#probeFailures = 0;
      if (this.#state.state === 'unresponsive') {
        this.#log.info({ device: this.name }, 'device answers again');
        this.#set({ state: this.#jobs > 0 ? 'busy' : 'connected' });
      }
    } else if (answered === false) {
      this.#probeFailures++;
      if (this.#probeFailures >= this.#liveness.failuresBeforeUnresponsive && this.#state.state !== 'unresponsive') {
        this.#log.warn({ device: this.name, failures: this.#probeFailures }, 'device does not answer with its port open: unresponsive');
        this.#set({ state: 'unresponsive', code: FirmwareBridgeErrors.DEVICE_UNRESPONSIVE.code, reason: 'no answer to the liveness probe' });
      }
    }
    this.#scheduleProbe();
  }

  #set(change: Omit<DeviceHostStateEvent, 'at'>, force = false): void {
    const next: DeviceHostStateEvent = { ...change, at: Date.now() };
    if (!force && next.state === this.#state.state && next.code === this.#state.code && next.reason === this.#state.reason) return;
    this.#state = next;
    for (const listener of this.rawListeners('state') as ((e: DeviceHostStateEvent) => void)[]) {
      try {
        listener(next);
      } catch (err) {
        this.#log.error({ err, device: this.name }, 'device state listener threw');
      }
    }
  }
}
