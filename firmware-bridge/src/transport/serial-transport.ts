import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { ApplianceError } from '../errors.ts';
import { DeviceErrorCodes } from './device-errors.ts';
import type { ByteTransport } from './transport.ts';

export interface SerialTransportOptions {
  path: string;
  baudRate: number;
}

/** ByteTransport over the real `serialport` binding (also used on pseudo-terminals in tests). */
export class SerialTransport extends EventEmitter implements ByteTransport {
  readonly id: string;
  #port: SerialPort | undefined;

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
            new ApplianceError(DeviceErrorCodes.TransportOpenFailed, `cannot open serial port ${this.id}: ${err.message}`, {
              path: this.id,
            }),
          );
          return;
        }
        this.#port = port;
        port.on('data', (chunk: Buffer) => this.emit('data', chunk));
        port.on('error', (e: Error) => this.emit('error', e));
        port.on('close', (e?: Error | null) => {
          this.#port = undefined;
          this.emit('close', e ?? undefined);
        });
        resolve();
      });
    });
  }

  write(data: Uint8Array): Promise<void> {
    const port = this.#port;
    if (!port?.isOpen) {
      return Promise.reject(new ApplianceError(DeviceErrorCodes.TransportClosed, `serial port ${this.id} is not open`));
    }
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(data), (err) => {
        if (err) {
          reject(new ApplianceError(DeviceErrorCodes.TransportWriteFailed, `write to ${this.id} failed: ${err.message}`));
          return;
        }
        port.drain((e) => (e ? reject(e) : resolve()));
      });
    });
  }

  close(): Promise<void> {
    const port = this.#port;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }
}
