/**
 * PC/SC reader access through pcscd (Debian `pcscd`, the `@pokusew/pcsclite` binding over
 * libpcsclite). Watches one reader by name (prefix match, e.g. "Virtual PCD 00 00" or a document
 * reader's RFID interface), reports card insert/remove, and gives an ApduTransport for the card in it.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import type { ApduTransport } from './channel.ts';

/** The part of @pokusew/pcsclite this module uses (its own typings do not export the interfaces). */
interface CardReader {
  readonly name: string;
  readonly state: number;
  readonly connected: boolean;
  readonly SCARD_STATE_PRESENT: number;
  readonly SCARD_SHARE_SHARED: number;
  readonly SCARD_LEAVE_CARD: number;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'status', listener: (status: { state: number; atr?: Buffer }) => void): unknown;
  connect(options: { share_mode?: number }, cb: (err: unknown, protocol: number) => void): void;
  disconnect(disposition: number, cb: (err: unknown) => void): void;
  transmit(data: Buffer, resLen: number, protocol: number, cb: (err: unknown, response: Buffer) => void): void;
}
interface PcscLite {
  on(event: 'error', listener: (err: unknown) => void): unknown;
  on(event: 'reader', listener: (reader: CardReader) => void): unknown;
  close(): void;
}

export interface PcscReaderEvents {
  reader: [name: string];
  inserted: [atr: Buffer];
  removed: [];
  lost: [];
}

/** Largest response accepted per transmit: extended-length answers (65536 + SW). */
const MAX_RESPONSE = 65538;

export class PcscReader extends EventEmitter<PcscReaderEvents> {
  #pcsc: PcscLite | null = null;
  #reader: CardReader | null = null;
  #protocol: number | null = null;
  #present = false;

  constructor(private readonly readerName: string) {
    super();
  }

  get readerFound(): boolean {
    return this.#reader !== null;
  }

  get cardPresent(): boolean {
    return this.#present;
  }

  /** Connects to pcscd. The binding is loaded here so the package works without it where no chip reader is configured. */
  start(): void {
    const require = createRequire(import.meta.url);
    let pcsclite: () => PcscLite;
    try {
      pcsclite = require('@pokusew/pcsclite');
    } catch (err) {
      throw new ApplianceError(FirmwareBridgeErrors.CHIP_READER_UNAVAILABLE.code, 'the PC/SC binding is not installed', {}, { cause: err });
    }
    const pcsc = pcsclite();
    this.#pcsc = pcsc;
    pcsc.on('error', () => this.emit('lost'));
    pcsc.on('reader', (reader) => {
      // Every reader the binding reports emits 'error' when pcscd goes away; an unheard one would crash the process.
      reader.on('error', () => undefined);
      if (!reader.name.startsWith(this.readerName) || this.#reader) return;
      this.#reader = reader;
      this.emit('reader', reader.name);
      reader.on('end', () => {
        this.#reader = null;
        this.#protocol = null;
        this.#present = false;
        this.emit('lost');
      });
      reader.on('status', (status) => {
        const changes = reader.state ^ status.state;
        if (!(changes & reader.SCARD_STATE_PRESENT)) return;
        if (status.state & reader.SCARD_STATE_PRESENT) {
          this.#present = true;
          this.emit('inserted', status.atr ?? Buffer.alloc(0));
        } else {
          this.#present = false;
          this.#protocol = null;
          reader.disconnect(reader.SCARD_LEAVE_CARD, () => undefined);
          this.emit('removed');
        }
      });
    });
  }

  /** Resolves once a card is in the reader (or rejects after the timeout with CHIP_NOT_PRESENT). */
  waitForCard(timeoutMs: number): Promise<void> {
    if (this.#present) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('inserted', onInsert);
        reject(new ApplianceError(this.#reader ? FirmwareBridgeErrors.CHIP_NOT_PRESENT.code : FirmwareBridgeErrors.CHIP_READER_UNAVAILABLE.code, `no card on ${this.readerName}`));
      }, timeoutMs);
      const onInsert = () => {
        clearTimeout(t);
        resolve();
      };
      this.once('inserted', onInsert);
    });
  }

  async #connect(): Promise<{ reader: CardReader; protocol: number }> {
    const reader = this.#reader;
    if (!reader) throw new ApplianceError(FirmwareBridgeErrors.CHIP_READER_UNAVAILABLE.code, `no PC/SC reader named ${this.readerName}`);
    if (!this.#present) throw new ApplianceError(FirmwareBridgeErrors.CHIP_NOT_PRESENT.code, 'no card on the reader');
    if (this.#protocol !== null && reader.connected) return { reader, protocol: this.#protocol };
    // A handle left from a card that went away mid-read: the binding would hand it back without a protocol.
    if (reader.connected) await new Promise<void>((resolve) => reader.disconnect(reader.SCARD_LEAVE_CARD, () => resolve()));
    const protocol = await new Promise<number>((resolve, reject) =>
      reader.connect({ share_mode: reader.SCARD_SHARE_SHARED }, (err, p) => (err ? reject(err) : resolve(p as number))),
    ).catch((err) => {
      throw new ApplianceError(FirmwareBridgeErrors.CHIP_NOT_PRESENT.code, 'cannot connect to the card', {}, { cause: err });
    });
    this.#protocol = protocol;
    return { reader, protocol };
  }

  /**
   * An ApduTransport onto the card now in the reader. A transmit failure after removal is CHIP_REMOVED. Each
   * transport starts with a fresh connection: a handle kept from the previous passport (swapped faster than
   * pcscd reported it) would talk to a card that is gone.
   */
  transport(): ApduTransport {
    let fresh = true;
    return {
      transmit: async (apdu) => {
        if (fresh) {
          fresh = false;
          this.#protocol = null;
        }
        const { reader, protocol } = await this.#connect();
        return new Promise<Buffer>((resolve, reject) =>
          reader.transmit(apdu, MAX_RESPONSE, protocol, (err, data) => {
            // vpcd (and some readers) answer an empty response when the card left the field mid-command.
            if (!err && data.length >= 2) return resolve(data);
            this.#protocol = null;
            reject(new ApplianceError(FirmwareBridgeErrors.CHIP_REMOVED.code, 'the card stopped answering (removed from the reader?)', {}, { cause: err }));
          }),
        );
      },
    };
  }

  /** Releases the card and pcscd. */
  stop(): void {
    const reader = this.#reader;
    this.#reader = null;
    if (reader?.connected) reader.disconnect(reader.SCARD_LEAVE_CARD, () => undefined);
    this.#pcsc?.close();
    this.#pcsc = null;
  }
}
