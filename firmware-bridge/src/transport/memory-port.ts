import { EventEmitter } from 'node:events';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import type { ByteTransport } from './transport.ts';

/**
 * An in-memory pair of ByteTransports: what one end writes, the other receives (on a microtask, as a
 * real port delivers after write() returns). For deterministic driver and simulator tests with a
 * ManualClock; the pty pair (pty-pair.ts) stays for integration tests of the real tty path.
 *
 * Why not @serialport/binding-mock: it sits below the SerialPort stream (one end only, `emitData` from the
 * test, data scheduled on setImmediate), while our drivers depend on ByteTransport; a pair at this seam lets
 * a simulator speak to the driver byte for byte, and fault injection (flow control held, a port lost without a
 * close) needs no binding internals.
 */
export class MemoryPort extends EventEmitter implements ByteTransport {
  readonly id: string;
  #open = false;
  #peer: MemoryPort | undefined;
  #gone = false;
  /** Flow control held by the far end (CTS/XOFF): writes wait until released. */
  #held = false;
  #waiting: { data: Uint8Array; resolve: () => void; reject: (e: Error) => void }[] = [];
  /** Every byte written by this end, in order (tests assert on the wire). */
  readonly written: Uint8Array[] = [];
  /**
   * The UART speed this end is set to (undefined: any). When both ends have one and they differ, the bytes
   * arrive as garbage, as on a real line at the wrong baud rate.
   */
  baudRate: number | undefined;

  constructor(id: string, baudRate?: number) {
    super();
    this.id = id;
    this.baudRate = baudRate;
  }

  static pair(hostId = 'mem:host', deviceId = 'mem:device'): [host: MemoryPort, device: MemoryPort] {
    const a = new MemoryPort(hostId);
    const b = new MemoryPort(deviceId);
    MemoryPort.connect(a, b);
    return [a, b];
  }

  static connect(a: MemoryPort, b: MemoryPort): void {
    a.#peer = b;
    b.#peer = a;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  async open(): Promise<void> {
    if (this.#gone) {
      throw new ApplianceError(FirmwareBridgeErrors.TRANSPORT_OPEN_FAILED.code, `cannot open ${this.id}: device unplugged`, { path: this.id });
    }
    this.#open = true;
  }

  write(data: Uint8Array): Promise<void> {
    if (!this.#open) return Promise.reject(new ApplianceError(FirmwareBridgeErrors.TRANSPORT_CLOSED.code, `${this.id} is not open`));
    const copy = Uint8Array.from(data);
    if (this.#held) return new Promise((resolve, reject) => this.#waiting.push({ data: copy, resolve, reject }));
    this.#deliver(copy);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    this.#failWaiting(new ApplianceError(FirmwareBridgeErrors.TRANSPORT_CLOSED.code, `${this.id} closed`));
    this.emit('close');
  }

  /** The far end holds (true) or releases (false) flow control; held writes complete on release. */
  holdFlow(held: boolean): void {
    this.#held = held;
    if (held) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) {
      this.#deliver(w.data);
      w.resolve();
    }
  }

  /** The cable is pulled: this end (and the far one, unless `both` is false) reports the loss ('close' with an error) and does not reopen. */
  unplug(both = true): void {
    const peer = this.#peer;
    if (!both && peer) {
      if (peer.#peer === this) peer.#peer = undefined;
      this.#peer = undefined;
    }
    for (const end of both ? [this, peer] : [this]) {
      if (!end) continue;
      end.#gone = true;
      if (!end.#open) continue;
      end.#open = false;
      end.#failWaiting(new ApplianceError(FirmwareBridgeErrors.TRANSPORT_CLOSED.code, `${end.id} unplugged`));
      end.emit('close', new Error('device unplugged'));
    }
  }

  /** An error on the port without a close (EIO on a tty whose peer vanished). */
  injectError(message = 'EIO: i/o error'): void {
    this.emit('error', new Error(message));
  }

  /** Bytes arriving at this end as if the far end had sent them (captured sequences in tests). */
  receive(bytes: Uint8Array): void {
    const chunk = Buffer.from(bytes);
    queueMicrotask(() => {
      if (this.#open) this.emit('data', chunk);
    });
  }

  #deliver(data: Uint8Array): void {
    this.written.push(data);
    const peer = this.#peer;
    if (!peer) return;
    const mismatch = this.baudRate !== undefined && peer.baudRate !== undefined && this.baudRate !== peer.baudRate;
    // A receiver at the wrong rate sees framing errors: bytes, but none of the ones sent.
    peer.receive(mismatch ? data.map((b) => (b ^ 0xa5) | 0x80) : data);
  }

  #failWaiting(err: Error): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.reject(err);
  }
}

/**
 * A device that stays (the simulator's end) and a host end made afresh by each `factory()` call, as a driver
 * reopens a port by path: unplug() takes the device away (the open host end reports the loss and no new one
 * opens), replug() brings it back.
 */
export class MemoryLine {
  readonly device: MemoryPort;
  readonly #id: string;
  #host: MemoryPort | undefined;
  #plugged = true;
  /** Host ends made so far (a reopen makes a new one). */
  opens = 0;

  constructor(id = 'mem:line', deviceBaudRate?: number) {
    this.#id = id;
    this.device = new MemoryPort(`${id}:device`, deviceBaudRate);
  }

  get host(): MemoryPort | undefined {
    return this.#host;
  }

  readonly factory = (options?: { baudRate?: number }): MemoryPort => {
    const host = new MemoryPort(this.#id, options?.baudRate);
    if (this.#plugged) MemoryPort.connect(host, this.device);
    else host.unplug(false);
    this.#host = host;
    this.opens++;
    return host;
  };

  unplug(): void {
    this.#plugged = false;
    this.#host?.unplug(false);
  }

  replug(): void {
    this.#plugged = true;
  }
}
