/**
 * The platform contract every driver depends on (node-serialport bindings-interface style):
 * a byte stream that can be opened, written, and closed, and that reports data and loss.
 * Serial ports, HID devices, pseudo-terminals and recorded fixtures all implement it.
 */
export interface ByteTransport {
  /** Human-readable identity for logs and status, e.g. `/dev/ttyUSB0` or `hid:0db5:0100`. */
  readonly id: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close', listener: (err?: Error) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  off(event: 'data', listener: (chunk: Buffer) => void): this;
  off(event: 'close', listener: (err?: Error) => void): this;
  off(event: 'error', listener: (err: Error) => void): this;
}

/** What a driver may ask of the next transport (a ZFM module is reopened at a new baud after SetSysPara). */
export interface TransportOpenOptions {
  readonly baudRate?: number;
}

/** Drivers take a factory, not a path, so a reconnect makes a fresh transport. Factories may ignore the options. */
export type TransportFactory = (options?: TransportOpenOptions) => ByteTransport;
