/**
 * The card side of vsmartcard's vpcd protocol: the simulated chip connects over TCP to the vpcd
 * driver inside pcscd (port 35963 for "Virtual PCD 00 00", 35964 for "00 01"). Every message either
 * way is a 2-byte big-endian length and a payload; a 1-byte payload from vpcd is a control message
 * (00 power off, 01 power on, 02 reset, 04 get ATR), anything longer a command APDU answered by the
 * response APDU. Connecting inserts the card, closing the socket removes it.
 */
import { Socket } from 'node:net';
import { CardRemovedError, type SimulatedChip } from './sim-card.ts';

/** PC/SC part 3 ATR of a contactless ISO/IEC 14443-4 card without historical bytes (TCK = 01). */
export const CONTACTLESS_ATR = Buffer.from('3B80800101', 'hex');

/** Whether vpcd (inside a running pcscd) listens for a card on this port. */
export const vpcdListening = (port = 35963, host = '127.0.0.1') =>
  new Promise<boolean>((resolve) => {
    const s = new Socket();
    s.once('error', () => resolve(false));
    s.connect(port, host, () => {
      s.destroy();
      resolve(true);
    });
  });

export interface VpcdCardOptions {
  readonly host?: string;
  readonly port?: number;
  readonly atr?: Buffer;
  /** Called when a behaviour removes the card (socket closed). */
  readonly onRemoved?: () => void;
}

export class VpcdCard {
  #socket: Socket | null = null;
  #buffer = Buffer.alloc(0);
  /** APDUs answered since insert (the bench divides time by it). */
  apdus = 0;

  constructor(
    private readonly chip: SimulatedChip,
    private readonly opts: VpcdCardOptions = {},
  ) {}

  get inserted(): boolean {
    return this.#socket !== null;
  }

  /** Connects to vpcd: pcscd then sees a card in the reader. */
  insert(): Promise<void> {
    if (this.#socket) return Promise.resolve();
    this.chip.reset();
    return new Promise((resolve, reject) => {
      const s = new Socket();
      s.setNoDelay(true);
      s.once('error', reject);
      s.connect(this.opts.port ?? 35963, this.opts.host ?? '127.0.0.1', () => {
        s.off('error', reject);
        s.on('error', () => this.#drop(s));
        s.on('close', () => this.#drop(s));
        s.on('data', (chunk) => this.#onData(s, chunk));
        this.#socket = s;
        resolve();
      });
    });
  }

  /** Takes the card off the reader. */
  async remove(): Promise<void> {
    const s = this.#socket;
    if (!s) return;
    this.#socket = null;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.destroy();
    });
  }

  #drop(s: Socket): void {
    if (this.#socket === s) this.#socket = null;
  }

  #onData(s: Socket, chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 2) {
      const n = this.#buffer.readUInt16BE(0);
      if (this.#buffer.length < 2 + n) return;
      const payload = this.#buffer.subarray(2, 2 + n);
      this.#buffer = this.#buffer.subarray(2 + n);
      const reply = this.#handle(payload);
      if (reply === 'removed') {
        this.#buffer = Buffer.alloc(0);
        this.#socket = null;
        s.destroy();
        this.opts.onRemoved?.();
        return;
      }
      if (reply) {
        const head = Buffer.alloc(2);
        head.writeUInt16BE(reply.length);
        s.write(Buffer.concat([head, reply]));
      }
    }
  }

  #handle(payload: Buffer): Buffer | null | 'removed' {
    if (payload.length === 1) {
      switch (payload[0]) {
        case 0x00:
        case 0x01:
        case 0x02:
          this.chip.reset();
          return null;
        case 0x04:
          return this.opts.atr ?? CONTACTLESS_ATR;
        default:
          return null;
      }
    }
    try {
      this.apdus++;
      return this.chip.process(payload);
    } catch (err) {
      if (err instanceof CardRemovedError) return 'removed';
      throw err;
    }
  }
}
