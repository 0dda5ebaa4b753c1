import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtemp, rename, rm, symlink, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { openPtyPair, type PtyPair } from '../transport/pty-pair.ts';
import { SerialTransport } from '../transport/serial-transport.ts';
import type { ByteTransport } from '../transport/transport.ts';

/**
 * The simulator's end of the line with faults a counter meets, the same for every simulated device:
 * - mute: the device dies with its port open (it hears nothing and says nothing; the port stays up);
 * - stall: its replies stop for a while, then carry on (a busy module, a printer head cooling);
 * - inject: bytes on the line that no command asked for (noise, a false packet header, a reboot banner).
 */
export class FaultyTransport extends EventEmitter implements ByteTransport {
  readonly #inner: ByteTransport;
  #muted = false;
  #stallUntil = 0;

  constructor(inner: ByteTransport) {
    super();
    this.#inner = inner;
    inner.on('data', (chunk: Buffer) => {
      if (!this.#muted) this.emit('data', chunk);
    });
    inner.on('close', (err?: Error) => this.emit('close', err));
    inner.on('error', (err: Error) => this.emit('error', err));
  }

  get id(): string {
    return this.#inner.id;
  }
  get isOpen(): boolean {
    return this.#inner.isOpen;
  }
  open(): Promise<void> {
    return this.#inner.open();
  }
  close(): Promise<void> {
    return this.#inner.close();
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.#muted) return;
    const wait = this.#stallUntil - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (!this.#muted) await this.#inner.write(data);
  }

  mute(on: boolean): void {
    this.#muted = on;
  }
  /** Replies written from now on go out only after `ms`. */
  stall(ms: number): void {
    this.#stallUntil = performance.now() + ms;
  }
  /** Raw bytes on the line, as the device would send them. */
  inject(bytes: Uint8Array): Promise<void> {
    return this.#inner.write(bytes);
  }
}

export interface PtyDeviceHarnessOptions<S> {
  /** File name of the stable link, like /dev/serial/by-id/<name> (e.g. usb-Simulated_ZFM_R307_SIM0001-if00-port0). */
  linkName: string;
  /** Folder of the link; default a fresh temp folder, removed by close(). */
  dir?: string;
  baudRate: number;
  /** Builds and starts the simulator on its end of a new pty pair (at each plug-in). */
  make(transport: FaultyTransport): Promise<S>;
  /** Stops the simulator (at each unplug). */
  stop(simulator: S): Promise<void>;
  logger?: Logger;
}

/**
 * One harness for every simulated device: a simulator on one end of a real pty pair (socat), the other end
 * behind a stable path (a symlink swapped atomically, as udev keeps /dev/serial/by-id), plug/unplug, and the
 * line faults of FaultyTransport. The appliance's drivers open `devicePath` exactly as they would a USB-serial
 * adapter, so reopen-by-path is exercised end to end.
 */
export class PtyDeviceHarness<S> {
  readonly devicePath: string;
  readonly #o: PtyDeviceHarnessOptions<S>;
  readonly #ownedDir: string | undefined;
  readonly #log: Logger;
  #pair: PtyPair | undefined;
  #port: FaultyTransport | undefined;
  #simulator: S | undefined;
  #closed = false;

  private constructor(o: PtyDeviceHarnessOptions<S>, dir: string, owned: boolean) {
    this.#o = o;
    this.devicePath = join(dir, o.linkName);
    this.#ownedDir = owned ? dir : undefined;
    this.#log = o.logger ?? createLogger('simulator:harness');
  }

  static async start<S>(o: PtyDeviceHarnessOptions<S>): Promise<PtyDeviceHarness<S>> {
    const dir = o.dir ?? (await mkdtemp(join(tmpdir(), 'device-sim-')));
    const harness = new PtyDeviceHarness(o, dir, o.dir === undefined);
    try {
      await harness.replug();
    } catch (err) {
      await harness.close();
      throw err;
    }
    return harness;
  }

  get plugged(): boolean {
    return this.#simulator !== undefined;
  }
  /** The simulator plugged in now (a replug makes a new one); undefined while unplugged. */
  get simulator(): S | undefined {
    return this.#simulator;
  }
  /** The pty the link points at now (a new one at every replug). */
  get ptyPath(): string | undefined {
    return this.#pair?.devicePath;
  }
  /** Line faults of the device plugged in now. */
  get line(): FaultyTransport | undefined {
    return this.#port;
  }

  /** Pull the plug: the link and the pty pair vanish, so the driver's port closes under it. */
  async unplug(): Promise<void> {
    const sim = this.#simulator;
    const pair = this.#pair;
    this.#simulator = undefined;
    this.#port = undefined;
    this.#pair = undefined;
    await unlink(this.devicePath).catch(() => {});
    if (sim !== undefined) await this.#o.stop(sim).catch(() => undefined);
    await pair?.close();
    if (pair) this.#log.info({ link: this.devicePath }, 'simulated device unplugged');
  }

  /** Plug in again: a new pty pair and simulator, the link repointed to it. */
  async replug(): Promise<void> {
    if (this.#closed || this.#simulator !== undefined) return;
    const pair = await openPtyPair();
    const port = new FaultyTransport(new SerialTransport({ path: pair.simulatorPath, baudRate: this.#o.baudRate, pathCheckMs: 0 }));
    let sim: S;
    try {
      sim = await this.#o.make(port);
    } catch (err) {
      await pair.close();
      throw err;
    }
    const tmp = `${this.devicePath}.${randomBytes(4).toString('hex')}.tmp`;
    await symlink(pair.devicePath, tmp);
    await rename(tmp, this.devicePath);
    this.#pair = pair;
    this.#port = port;
    this.#simulator = sim;
    this.#log.info({ link: this.devicePath, pty: pair.devicePath }, 'simulated device plugged in');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.unplug();
    if (this.#ownedDir) await rm(this.#ownedDir, { recursive: true, force: true });
  }
}
