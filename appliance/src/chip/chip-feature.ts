/**
 * The passport chip reader as a feature, hosted by the one DeviceHost (firmware-bridge/src/device-host/): the
 * configured PC/SC reader (pcscd, reader chosen by name) or the in-process simulator. The host's states go on the
 * bus as `device.state` for device 'chip' (busy = 'reading'), like every other counter device: a reader that is
 * not there yet is 'error' then retried with backoff, a reader that goes away (pcscd stopped, USB pulled) is
 * 'disconnected' and reopened by name. Business code calls read(): one read at a time, never a throw for a chip
 * fault (chip-check.ts turns those into a result).
 */
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { DeviceHost, type DeviceHostStateEvent } from '@lmc/firmware-bridge/device-host/device-host.ts';
import { type ChipCheck, checkChip } from '@lmc/firmware-bridge/chip/chip-check.ts';
import { FirmwareBridgeErrors } from '@lmc/firmware-bridge/errors.ts';
import { PcscReader } from '@lmc/firmware-bridge/chip/pcsc-transport.ts';
import type { ChipReaderPort } from '@lmc/firmware-bridge/chip/reader-port.ts';
import type { ChipReadOptions } from '@lmc/firmware-bridge/chip/reader.ts';
import { SimulatedChipReader } from '@lmc/firmware-bridge/chip/simulator/sim-reader.ts';
import { SimPassportIssuer } from '@lmc/firmware-bridge/chip/simulator/sim-passports.ts';
import { ApplianceError, isApplianceError } from '../errors.ts';
import { changedDeviceState, type DeviceStateChange, initialDeviceState } from '../devices/device-state.ts';
import type { Feature } from '../devices/feature.ts';
import type { DeviceStateEvent, EventBus } from '../events/event-bus.ts';
import type { ChipDeviceConfig } from './chip-config.ts';

export interface ChipFeatureOptions {
  config: ChipDeviceConfig;
  bus: EventBus;
  logger?: Logger;
  now?: () => Date;
  /** How long open() waits for pcscd to list the named reader before the attempt fails (default 3 s). */
  readerWaitMs?: number;
  /** Reopen backoff (default 1 s doubling to 15 s). */
  reconnect?: { minMs: number; maxMs: number };
}

/** A chip read's outcome, or 'not-present' when no card came into the field. */
export type ChipReadOutcome = ChipCheck | { outcome: 'not-present'; code: 'CHIP_NOT_PRESENT'; read: null };

export class ChipFeature implements Feature {
  readonly name = 'chip';
  readonly #o: ChipFeatureOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  #state: DeviceStateEvent;
  #host: DeviceHost<ChipReaderPort> | undefined;
  #simulator: SimulatedChipReader | undefined;

  constructor(options: ChipFeatureOptions) {
    this.#o = options;
    this.#log = options.logger ?? createLogger('device:chip');
    this.#now = options.now ?? (() => new Date());
    const c = options.config;
    this.#state = initialDeviceState('chip', c, this.#now(), c.transport === 'pcsc' ? `pcsc:${c.reader}` : c.transport);
  }

  get state(): DeviceStateEvent {
    return this.#state;
  }

  get configured(): boolean {
    return this.#o.config.transport !== 'none';
  }

  /** A card is in the reader's field now (false without a reader). */
  get cardPresent(): boolean {
    return this.#host?.driver?.cardPresent ?? false;
  }

  /** The simulated reader (choose the next chip, remove the card), when simulated. */
  get simulator(): SimulatedChipReader | undefined {
    return this.#simulator;
  }

  /** The simulated issuing state's CSCA list (PEM), trusted in simulator mode. */
  get simulatedCscaList(): Buffer | undefined {
    return this.#simulator?.issuer.cscaList;
  }

  async start(): Promise<void> {
    const c = this.#o.config;
    if (c.transport === 'none') {
      this.#publish({ state: 'absent', reason: 'no chip reader configured (devices.chip.transport = "none")', code: FirmwareBridgeErrors.DEVICE_NOT_CONFIGURED.code });
      return;
    }
    let open: () => Promise<ChipReaderPort>;
    let close: (r: ChipReaderPort) => Promise<void> = async () => undefined;
    let watch: (r: ChipReaderPort, lost: (reason: string) => void) => () => void = () => () => undefined;
    if (c.transport === 'simulator') {
      const simulator = new SimulatedChipReader(await SimPassportIssuer.create({ now: this.#now() }));
      this.#simulator = simulator;
      this.#log.warn('passport chip reader is SIMULATED (devices.chip.transport = "simulator")');
      open = async () => simulator;
    } else {
      const name = c.reader;
      const waitMs = this.#o.readerWaitMs ?? 3000;
      open = () => openPcscReader(name, waitMs);
      close = async (r) => (r as PcscReader).stop();
      watch = (r, lost) => {
        const onLost = () => lost('pcscd or the reader went away');
        (r as PcscReader).on('lost', onLost);
        return () => (r as PcscReader).off('lost', onLost);
      };
    }
    this.#host = new DeviceHost<ChipReaderPort>({
      name: 'chip reader',
      logger: this.#log,
      reconnect: this.#o.reconnect ?? { minMs: 1000, maxMs: 15_000 },
      device: { open, close, watch },
    });
    this.#host.on('state', (e) => this.#onHostState(e));
    await this.#host.start();
  }

  async stop(): Promise<void> {
    await this.#host?.stop().catch(() => undefined);
    this.#host = undefined;
    this.#simulator = undefined;
  }

  /**
   * Reads the chip in the field with the printed MRZ's BAC key: waits up to `cardWaitMs` for a card, then BAC,
   * EF.COM, DG1, DG2, EF.SOD and passive authentication. Chip faults come back as the outcome; DEVICE_NOT_CONNECTED
   * (no reader) and DEVICE_BUSY are thrown.
   */
  async read(opts: ChipReadOptions & { cardWaitMs?: number; simulatedLines?: readonly string[] }): Promise<ChipReadOutcome> {
    const host = this.#host;
    if (!host) throw new ApplianceError(FirmwareBridgeErrors.DEVICE_NOT_CONFIGURED.code, 'No chip reader is configured on this appliance.');
    const c = this.#o.config;
    const cardWaitMs = opts.cardWaitMs ?? (c.transport === 'none' ? 0 : c.cardWaitMs);
    return host.use(
      async (reader) => {
        if (reader instanceof SimulatedChipReader && opts.simulatedLines) await reader.presentFor(opts.simulatedLines);
        try {
          await reader.waitForCard(cardWaitMs);
        } catch (err) {
          if (isApplianceError(err) && err.code === FirmwareBridgeErrors.CHIP_NOT_PRESENT.code) return { outcome: 'not-present', code: 'CHIP_NOT_PRESENT', read: null };
          throw err;
        }
        return checkChip(reader.transport(), { ...opts, ...(c.transport === 'none' ? {} : { chunk: opts.chunk ?? c.chunk }) });
      },
      { waitMs: 60_000 },
    );
  }

  #onHostState(e: DeviceHostStateEvent): void {
    const state = e.state === 'busy' ? 'reading' : e.state;
    this.#publish({ state, ...(e.reason ? { reason: e.reason } : {}), ...(e.code ? { code: e.code } : {}) });
  }

  #publish(change: DeviceStateChange): void {
    const next = changedDeviceState(this.#state, change, this.#now());
    if (!next) return;
    this.#state = next;
    this.#o.bus.publish('device.state', this.#state);
  }
}

/** Connects to pcscd and waits for the named reader; fails CHIP_READER_UNAVAILABLE (the host retries) when it does not appear. */
async function openPcscReader(name: string, waitMs: number): Promise<PcscReader> {
  const reader = new PcscReader(name);
  const found = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ApplianceError(FirmwareBridgeErrors.CHIP_READER_UNAVAILABLE.code, `no PC/SC reader named "${name}" (is pcscd running and the reader plugged in?)`)), waitMs);
    reader.once('reader', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  try {
    reader.start();
    await found;
    return reader;
  } catch (err) {
    reader.stop();
    throw err;
  }
}
