import type { Logger } from '@lmc/core/logger.ts';
import type { FingerprintErrorCode } from '@lmc/firmware-bridge/fingerprint/fingerprint-errors.ts';
import type { CaptureConditions } from '@lmc/firmware-bridge/zfm/zfm-sim-fingers.ts';
import { PtyDeviceHarness } from '@lmc/firmware-bridge/simulator/pty-device-harness.ts';
import { ZfmSimulator } from '@lmc/firmware-bridge/zfm/zfm-simulator.ts';

/**
 * Conditions a person's finger can be in, as simulator capture conditions. Scores measured with
 * scoreQuality() on simulated prints: normal ≈ 84; wet ≈ 28 (template still extracted: retried);
 * smudged ≈ 31; dry ≈ 25 with too few ridges (the module answers 07: no template); partial (a quarter
 * of the finger at the edge of the glass) below the default threshold of 40.
 */
export const FINGER_CONDITIONS = {
  normal: {},
  wet: { pressure: 1.7, contrast: 0.6, noise: 20 },
  smudged: { pressure: 1.4, noise: 45 },
  dry: { pressure: 0.6, contrast: 0.3, noise: 10 },
  partial: { coverage: 0.25 },
} as const satisfies Record<string, CaptureConditions>;

export type FingerCondition = keyof typeof FINGER_CONDITIONS;

/**
 * The ZFM simulator behind a stable path, on the one simulator harness of firmware-bridge (PtyDeviceHarness: a
 * symlink in a temp directory as /dev/serial/by-id/… is for a real USB-serial adapter, unplug/replug, line
 * faults). `unplug()` takes the pty away (the driver sees its port close, as on a pulled cable); `replug()` brings
 * a fresh module up behind the same path. Finger state lives here, so a finger "on the glass" stays there across
 * a replug, and so does a raised baud rate (a real module keeps SetSysPara settings across power cycles).
 */
export class SimulatedFingerprintReader {
  readonly baudRate: number;
  readonly #harness: PtyDeviceHarness<ZfmSimulator>;
  #finger: { personId: string; finger: string; conditions: CaptureConditions } | undefined;
  #moduleBaud: { value: number | undefined };

  private constructor(harness: PtyDeviceHarness<ZfmSimulator>, baudRate: number, moduleBaud: { value: number | undefined }) {
    this.#harness = harness;
    this.baudRate = baudRate;
    this.#moduleBaud = moduleBaud;
  }

  static async start(options: { baudRate: number; logger?: Logger }): Promise<SimulatedFingerprintReader> {
    const moduleBaud: { value: number | undefined } = { value: undefined };
    let reader: SimulatedFingerprintReader | undefined;
    const harness = await PtyDeviceHarness.start<ZfmSimulator>({
      linkName: 'usb-Simulated_ZFM_R307_SIM0001-if00-port0',
      baudRate: options.baudRate,
      ...(options.logger ? { logger: options.logger } : {}),
      async make(transport) {
        const sim = new ZfmSimulator({
          transport,
          baudRate: moduleBaud.value ?? options.baudRate,
          packetSize: 128,
          ...(options.logger ? { logger: options.logger } : {}),
        });
        await sim.start();
        const f = reader ? reader.#finger : undefined;
        if (f) sim.placeFinger(f.personId, f.finger, f.conditions);
        return sim;
      },
      async stop(sim) {
        moduleBaud.value = sim.baudRate;
        await sim.stop();
      },
    });
    reader = new SimulatedFingerprintReader(harness, options.baudRate, moduleBaud);
    return reader;
  }

  get devicePath(): string {
    return this.#harness.devicePath;
  }

  get plugged(): boolean {
    return this.#harness.plugged;
  }

  /** Commands the module received, for tests. Empty while unplugged. */
  get received(): readonly string[] {
    return this.#harness.simulator?.received ?? [];
  }

  /** The module's line speed now (a baud raise by the driver changes it). */
  get moduleBaudRate(): number | undefined {
    return this.#harness.simulator?.baudRate ?? this.#moduleBaud.value;
  }

  placeFinger(personId: string, finger: string, condition: FingerCondition | CaptureConditions = 'normal'): void {
    const conditions = typeof condition === 'string' ? FINGER_CONDITIONS[condition] : condition;
    this.#finger = { personId, finger, conditions };
    this.#harness.simulator?.placeFinger(personId, finger, conditions);
  }

  liftFinger(): void {
    this.#finger = undefined;
    this.#harness.simulator?.liftFinger();
  }

  get fingerPresent(): boolean {
    return this.#finger !== undefined;
  }

  failNext(code: FingerprintErrorCode, command?: string): void {
    this.#harness.simulator?.failNext(code, command);
  }

  /** The module dies (true) or comes back (false) with its port open: the host shows it unresponsive. */
  setSilent(silent: boolean): void {
    this.#harness.line?.mute(silent);
  }

  /** Raw bytes from the module, e.g. a false packet header while idle. */
  injectBytes(bytes: Uint8Array): Promise<void> {
    return this.#harness.line?.inject(bytes) ?? Promise.resolve();
  }

  /** The next image upload stalls `ms` after `afterBytes` bytes. */
  pauseNextUpload(afterBytes: number, ms: number): void {
    this.#harness.simulator?.pauseNextUpload(afterBytes, ms);
  }

  unplug(): Promise<void> {
    return this.#harness.unplug();
  }

  replug(): Promise<void> {
    return this.#harness.replug();
  }

  close(): Promise<void> {
    return this.#harness.close();
  }
}
