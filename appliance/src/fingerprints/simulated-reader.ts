import { mkdtemp, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@lmc/core/logger.ts';
import type { FingerprintErrorCode } from '@lmc/firmware-bridge/fingerprint/fingerprint-errors.ts';
import type { CaptureConditions } from '@lmc/firmware-bridge/zfm/zfm-sim-fingers.ts';
import { type PtySimulator, startPtySimulator } from '@lmc/firmware-bridge/zfm/zfm-simulator-pty.ts';

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
 * The ZFM simulator (firmware-bridge `startPtySimulator`) behind a stable path: a symlink in a temp
 * directory, as /dev/serial/by-id/… is for a real USB-serial adapter. `unplug()` takes the pty away (the
 * driver sees its port close, as on a pulled cable); `replug()` brings a fresh module up behind the same
 * path. Finger state lives here, so a finger "on the glass" stays there across a replug.
 */
export class SimulatedFingerprintReader {
  readonly devicePath: string;
  readonly baudRate: number;
  readonly #dir: string;
  readonly #logger: Logger | undefined;
  #sim: PtySimulator | undefined;
  #moduleBaud: number | undefined;
  #finger: { personId: string; finger: string; conditions: CaptureConditions } | undefined;

  private constructor(dir: string, baudRate: number, logger: Logger | undefined) {
    this.#dir = dir;
    this.devicePath = join(dir, 'usb-Simulated_ZFM_R307_SIM0001-if00-port0');
    this.baudRate = baudRate;
    this.#logger = logger;
  }

  static async start(options: { baudRate: number; logger?: Logger }): Promise<SimulatedFingerprintReader> {
    const dir = await mkdtemp(join(tmpdir(), 'zfm-sim-'));
    const reader = new SimulatedFingerprintReader(dir, options.baudRate, options.logger);
    try {
      await reader.replug();
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return reader;
  }

  get plugged(): boolean {
    return this.#sim !== undefined;
  }

  /** Commands the module received, for tests. Empty while unplugged. */
  get received(): readonly string[] {
    return this.#sim?.simulator.received ?? [];
  }

  placeFinger(personId: string, finger: string, condition: FingerCondition | CaptureConditions = 'normal'): void {
    const conditions = typeof condition === 'string' ? FINGER_CONDITIONS[condition] : condition;
    this.#finger = { personId, finger, conditions };
    this.#sim?.simulator.placeFinger(personId, finger, conditions);
  }

  liftFinger(): void {
    this.#finger = undefined;
    this.#sim?.simulator.liftFinger();
  }

  get fingerPresent(): boolean {
    return this.#finger !== undefined;
  }

  failNext(code: FingerprintErrorCode, command?: string): void {
    this.#sim?.simulator.failNext(code, command);
  }

  async unplug(): Promise<void> {
    const sim = this.#sim;
    this.#sim = undefined;
    // A real module keeps a raised baud rate (SetSysPara) across power cycles: so does the simulated one.
    if (sim) this.#moduleBaud = sim.simulator.baudRate;
    await rm(this.devicePath, { force: true });
    await sim?.close();
  }

  async replug(): Promise<void> {
    if (this.#sim) return;
    const sim = await startPtySimulator({ baudRate: this.#moduleBaud ?? this.baudRate, packetSize: 128, ...(this.#logger ? { logger: this.#logger } : {}) });
    // Swap the link atomically: a reopen attempt sees the old path or the new one, never none.
    const tmp = `${this.devicePath}.tmp`;
    await rm(tmp, { force: true });
    await symlink(sim.devicePath, tmp);
    await rename(tmp, this.devicePath);
    this.#sim = sim;
    if (this.#finger) sim.simulator.placeFinger(this.#finger.personId, this.#finger.finger, this.#finger.conditions);
  }

  async close(): Promise<void> {
    await this.unplug();
    await rm(this.#dir, { recursive: true, force: true });
  }
}
