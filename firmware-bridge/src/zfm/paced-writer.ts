import { type DeviceClock, realClock, sleepOn } from '../transport/device-clock.ts';
import type { ByteTransport } from '../transport/transport.ts';
import { wireTimeMs } from './zfm-transaction.ts';

/**
 * Writes to a transport no faster than a UART at `baudRate` 8N1 would (10 bits per byte). A pty
 * moves bytes instantly; pacing makes the simulator's timing honest (a full image upload at 57600
 * takes its real ~6.95 s). Each slice is written when its last bit would have arrived, so a receiver
 * can never see bytes earlier than real hardware would deliver them.
 */
export class PacedWriter {
  #tail: Promise<void> = Promise.resolve();
  #wireFreeAt = 0;

  /** A pause (ms) to insert before the next slice sent at or after byte `at` of the next write (fault injection). */
  #pause: { at: number; ms: number } | undefined;

  constructor(
    private readonly transport: ByteTransport,
    public baudRate: number,
    private readonly clock: DeviceClock = realClock,
  ) {}

  /** The next write stops for `ms` after `afterBytes` bytes (a module stalling mid-upload), then goes on. */
  pauseNextWrite(afterBytes: number, ms: number): void {
    this.#pause = { at: afterBytes, ms };
  }

  /** Queues `bytes` at the baud rate in force now (a later baud change does not re-pace them). */
  write(bytes: Uint8Array): Promise<void> {
    const baudRate = this.baudRate;
    const run = this.#tail.then(() => this.#send(bytes, baudRate));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #send(bytes: Uint8Array, baudRate: number): Promise<void> {
    // About 10 ms of line time per slice keeps timer overhead small at any baud.
    const slice = Math.max(16, Math.round(baudRate / 1000));
    const pause = bytes.length > (this.#pause?.at ?? Number.POSITIVE_INFINITY) ? this.#pause : undefined;
    if (pause) this.#pause = undefined;
    for (let off = 0; off < bytes.length; off += slice) {
      const part = bytes.subarray(off, off + slice);
      if (pause && off <= pause.at && pause.at < off + slice) this.#wireFreeAt = Math.max(this.clock.now(), this.#wireFreeAt) + pause.ms;
      const now = this.clock.now();
      this.#wireFreeAt = Math.max(now, this.#wireFreeAt) + wireTimeMs(part.length, baudRate);
      const wait = this.#wireFreeAt - this.clock.now();
      if (wait > 0) await sleepOn(this.clock, wait);
      if (!this.transport.isOpen) return;
      await this.transport.write(part);
    }
  }
}
