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

  constructor(
    private readonly transport: ByteTransport,
    public baudRate: number,
  ) {}

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
    for (let off = 0; off < bytes.length; off += slice) {
      const part = bytes.subarray(off, off + slice);
      const now = performance.now();
      this.#wireFreeAt = Math.max(now, this.#wireFreeAt) + wireTimeMs(part.length, baudRate);
      const wait = this.#wireFreeAt - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!this.transport.isOpen) return;
      await this.transport.write(part);
    }
  }
}
