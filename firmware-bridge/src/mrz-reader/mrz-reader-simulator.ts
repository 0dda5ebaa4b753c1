import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { type FaultyTransport, PtyDeviceHarness } from '../simulator/pty-device-harness.ts';
import { escapeBytes } from './mrz-wire.ts';
import { encodeRead, type SimulatedFraming } from './reader-wire-encoder.ts';

/**
 * A serial MRZ reader on a pseudo-terminal pair: the driver opens `devicePath` with the real serialport
 * binding, exactly as it would a USB-serial reader. `devicePath` is a symlink (like
 * /dev/serial/by-id/usb-…) that follows the device across unplug/replug, which is what a hot-plug-safe
 * configuration points at. Bytes are paced at the configured baud (8N1: 10 bits a byte) so reads take
 * their real wire time. Used by tests, the benchmark, and `npm start` without a reader.
 */
export interface MrzReaderSimulatorOptions {
  baudRate: number;
  framing: SimulatedFraming;
  /** Where to put the stable symlink; default a fresh temp dir (removed by close()). */
  linkPath?: string;
  logger?: Logger;
}

export interface ScanOptions {
  /** Bytes per write; an array is cycled (e.g. [1, 2, 3]). Default 16, as a USB-serial adapter might. */
  chunkSize?: number | readonly number[];
  /** Bytes sent just before the read, e.g. line noise or a previous read's tail. */
  garbageBefore?: Uint8Array | string;
  /** Override the simulator's framing for this read. */
  framing?: SimulatedFraming;
}

export interface ScanResult {
  bytesWritten: number;
  /** Nominal time on the wire at the configured baud: bytesWritten × 10 bits / baud. */
  wireMs: number;
  /** Separate writes to the port (a paced read is written in chunks). */
  writes: number;
}

const DEFAULT_CHUNK = 16;

export class MrzReaderSimulator {
  readonly baudRate: number;
  readonly framing: SimulatedFraming;
  readonly #log: Logger;
  /** The one simulator harness: stable link (and its temp folder), pty pair per plug-in, line faults. */
  #harness!: PtyDeviceHarness<FaultyTransport>;
  #port: FaultyTransport | undefined;
  /** Resolves when the current plug-in ends; a write pending on a closing pty may otherwise never settle. */
  #gone: { rejection: Promise<never>; resolve: () => void } | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(options: MrzReaderSimulatorOptions) {
    this.baudRate = options.baudRate;
    this.framing = options.framing;
    this.#log = options.logger ?? createLogger('mrz-reader:sim');
  }

  static async start(options: MrzReaderSimulatorOptions): Promise<MrzReaderSimulator> {
    if (!(options.baudRate > 0)) throw new ApplianceError(FirmwareBridgeErrors.CONFIG_INVALID.code, `baud rate must be positive, got ${options.baudRate}`);
    const { linkPath } = options;
    if (linkPath) await mkdir(dirname(linkPath), { recursive: true });
    const sim = new MrzReaderSimulator(options);
    // Plugged in as it starts; a failed start leaves no pty, link or folder behind (the harness closes itself).
    sim.#harness = await PtyDeviceHarness.start<FaultyTransport>({
      ...(linkPath ? { dir: dirname(linkPath) } : {}),
      linkName: linkPath ? basename(linkPath) : 'usb-Simulated_MRZ_Reader_SIM0001-if00-port0',
      baudRate: sim.baudRate,
      logger: sim.#log,
      make: (port) => sim.#plugIn(port),
      stop: async (port) => {
        await port.close().catch(() => {});
      },
    });
    sim.#pluggedIn();
    return sim;
  }

  /** The stable link the driver opens (like /dev/serial/by-id/usb-…), the same across unplug and replug. */
  get devicePath(): string {
    return this.#harness.devicePath;
  }

  get plugged(): boolean {
    return this.#port !== undefined;
  }

  /** The pty the symlink currently points at (changes on every replug). */
  get ptyPath(): string | undefined {
    return this.#harness.ptyPath;
  }

  /** Line faults of the reader plugged in now (mute, stall, inject), shared with the other simulators. */
  get line(): FaultyTransport | undefined {
    return this.#port;
  }

  /** Send one document read, framed and paced; resolves when the last byte has been written. */
  scan(lines: readonly string[], options: ScanOptions = {}): Promise<ScanResult> {
    const frame = encodeRead(lines, options.framing ?? this.framing);
    const garbage = options.garbageBefore ?? new Uint8Array(0);
    const prefix = typeof garbage === 'string' ? Buffer.from(garbage, 'latin1') : Buffer.from(garbage);
    return this.#enqueue(() => this.#paced(Buffer.concat([prefix, frame]), options.chunkSize ?? DEFAULT_CHUNK));
  }

  /** Send bytes as they are (in one write), e.g. a read that loses its terminator. */
  sendRaw(bytes: Uint8Array | string): Promise<ScanResult> {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
    return this.#enqueue(async () => {
      await this.#write(this.#requirePort(), data);
      return { bytesWritten: data.length, wireMs: this.#wireMs(data.length), writes: 1 };
    });
  }

  /** Pull the plug: the pty pair and the symlink vanish, so the driver's port closes under it. */
  async unplug(): Promise<void> {
    this.#port = undefined;
    this.#gone?.resolve();
    this.#gone = undefined;
    await this.#harness.unplug();
  }

  /** Plug in again: a new pty pair, the symlink repointed to it. */
  async replug(): Promise<void> {
    if (this.#closed) throw new ApplianceError(FirmwareBridgeErrors.SIMULATOR_CLOSED.code, 'the MRZ reader simulator is closed');
    if (this.#port) await this.unplug();
    await this.#harness.replug();
    this.#pluggedIn();
  }

  #pluggedIn(): void {
    let resolve = () => {};
    const rejection = new Promise<never>((_, reject) => {
      resolve = () => reject(new Error('unplugged'));
    });
    rejection.catch(() => {});
    this.#gone = { rejection, resolve };
    this.#log.info({ link: this.devicePath, pty: this.ptyPath, baudRate: this.baudRate }, 'simulated MRZ reader plugged in');
  }

  async #plugIn(port: FaultyTransport): Promise<FaultyTransport> {
    await port.open();
    port.on('data', () => {}); // a reader ignores what the host sends; keep the pty drained
    port.on('error', (err) => this.#log.debug({ err }, 'simulator port error'));
    port.on('close', () => {
      if (this.#port === port) {
        // socat died on its own: behave like an unplug rather than writing into nothing.
        this.#log.warn('simulator pty closed unexpectedly');
        void this.unplug();
      }
    });
    this.#port = port;
    return port;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.unplug();
    await this.#harness.close();
  }

  #wireMs(bytes: number): number {
    return (bytes * 10 * 1000) / this.baudRate;
  }

  #requirePort(): FaultyTransport {
    if (this.#closed) throw new ApplianceError(FirmwareBridgeErrors.SIMULATOR_CLOSED.code, 'the MRZ reader simulator is closed');
    const port = this.#port;
    if (!port) throw new ApplianceError(FirmwareBridgeErrors.DEVICE_NOT_CONNECTED.code, 'the simulated MRZ reader is unplugged');
    return port;
  }

  /** Writes are serialised so two scans never interleave on the wire. */
  #enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(job, job);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Each chunk is written when its last byte would have finished arriving at the configured baud. */
  async #paced(data: Buffer, chunkSize: number | readonly number[]): Promise<ScanResult> {
    const port = this.#requirePort();
    const sizes = (typeof chunkSize === 'number' ? [chunkSize] : [...chunkSize]).map((n) => Math.max(1, Math.floor(n)));
    const t0 = performance.now();
    let sent = 0;
    let writes = 0;
    let lastWriteAt = t0;
    for (; sent < data.length; writes++) {
      const n = Math.min(sizes[writes % sizes.length] ?? DEFAULT_CHUNK, data.length - sent);
      // On schedule from the start of the read, but never faster than the wire after a stall (no catch-up burst).
      const due = Math.max(t0 + this.#wireMs(sent + n), lastWriteAt + this.#wireMs(n));
      const wait = due - performance.now();
      if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.#port !== port) {
        throw new ApplianceError(FirmwareBridgeErrors.DEVICE_NOT_CONNECTED.code, `the simulated MRZ reader was unplugged after ${sent} of ${data.length} bytes`, {
          bytesWritten: sent,
        });
      }
      lastWriteAt = performance.now();
      await this.#write(port, data.subarray(sent, sent + n));
      sent += n;
    }
    return { bytesWritten: sent, wireMs: this.#wireMs(sent), writes };
  }

  async #write(port: FaultyTransport, chunk: Buffer): Promise<void> {
    this.#log.debug({ bytes: chunk.length }, `» ${escapeBytes(chunk)}`);
    const gone = this.#gone?.rejection;
    try {
      await (gone !== undefined ? Promise.race([port.write(chunk), gone]) : port.write(chunk));
    } catch (err) {
      if (this.#port !== port) throw new ApplianceError(FirmwareBridgeErrors.DEVICE_NOT_CONNECTED.code, 'the simulated MRZ reader was unplugged mid-write');
      throw err;
    }
  }
}
