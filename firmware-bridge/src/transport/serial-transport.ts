import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import type { ByteTransport } from './transport.ts';

export interface SerialTransportOptions {
  path: string;
  baudRate: number;
  /**
   * How often the device path is checked while the port is open (default 500 ms; 0 = never). When a USB adapter is
   * pulled, udev removes its /dev node and /dev/serial/by-id link at once, while the kernel's hang-up may reach the
   * open file descriptor late (or, on a pseudo-terminal under load, not for seconds): a vanished path means the
   * device is gone, and the port is closed as lost.
   */
  pathCheckMs?: number;
}

/** ByteTransport over the real `serialport` binding (also used on pseudo-terminals in tests). */
export class SerialTransport extends EventEmitter implements ByteTransport {
  readonly id: string;
  #port: SerialPort | undefined;
  #pathCheck: NodeJS.Timeout | undefined;
  #vanished = false;

  constructor(private readonly options: SerialTransportOptions) {
    super();
    this.id = options.path;
  }

  get isOpen(): boolean {
    return this.#port?.isOpen ?? false;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path: this.options.path, baudRate: this.options.baudRate, autoOpen: false });
      port.open((err) => {
        if (err) {
          reject(
            new ApplianceError(FirmwareBridgeErrors.TRANSPORT_OPEN_FAILED.code, `cannot open serial port ${this.id}: ${err.message}`, {
              path: this.id,
            }),
          );
          return;
        }
        this.#port = port;
        port.on('data', (chunk: Buffer) => this.emit('data', chunk));
        port.on('error', (e: Error) => this.emit('error', e));
        port.on('close', (e?: Error | null) => {
          this.#stopPathCheck();
          this.#port = undefined;
          this.emit('close', e ?? (this.#vanished ? new Error(`device path ${this.id} vanished`) : undefined));
        });
        this.#startPathCheck(port);
        resolve();
      });
    });
  }

  write(data: Uint8Array): Promise<void> {
    const port = this.#port;
    if (!port?.isOpen) {
      return Promise.reject(new ApplianceError(FirmwareBridgeErrors.TRANSPORT_CLOSED.code, `serial port ${this.id} is not open`));
    }
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(data), (err) => {
        if (err) {
          reject(new ApplianceError(FirmwareBridgeErrors.TRANSPORT_WRITE_FAILED.code, `write to ${this.id} failed: ${err.message}`));
          return;
        }
        port.drain((e) => (e ? reject(e) : resolve()));
      });
    });
  }

  #startPathCheck(port: SerialPort): void {
    const every = this.options.pathCheckMs ?? 500;
    this.#vanished = false;
    if (every <= 0) return;
    this.#pathCheck = setInterval(() => {
      if (existsSync(this.options.path) || !port.isOpen) return;
      this.#vanished = true;
      this.#stopPathCheck();
      port.close(() => {});
    }, every);
    this.#pathCheck.unref();
  }

  #stopPathCheck(): void {
    if (this.#pathCheck) clearInterval(this.#pathCheck);
    this.#pathCheck = undefined;
  }

  close(): Promise<void> {
    this.#stopPathCheck();
    const port = this.#port;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }
}
