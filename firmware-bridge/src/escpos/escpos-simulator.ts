import { EventEmitter } from 'node:events';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { SerialTransport } from '../transport/serial-transport.ts';
import type { ByteTransport } from '../transport/transport.ts';
import { type EscPosCommand, EscPosCommandParser, isRealtimeCommand } from './escpos-command-parser.ts';
import { encodeAsb, encodeRealtimeStatus, type PrinterStatus } from './printer-status.ts';
import type { StatusRequest } from './realtime-commands.ts';
import { PAPER, type PaperWidth } from './receipt-document.ts';
import { type RenderedReceipt, ReceiptRenderer } from './receipt-renderer.ts';

export interface EscPosSimulatorOptions {
  /** The simulator's end of the line (the pty's simulator side in tests). */
  transport: ByteTransport;
  paperWidth: PaperWidth;
  /** Bytes are taken off the line no faster than this (8N1: 10 bits a byte). Default 115200. */
  baudRate?: number;
  logger?: Logger;
}

export type SimulatedReceipt = RenderedReceipt;

type SimulatorEvents = { receipt: [SimulatedReceipt]; command: [EscPosCommand] };

/**
 * An Epson-compatible thermal receipt printer on the far end of a serial line. It reads
 * at the wire's pace, parses ESC/POS incrementally, answers real-time status requests on
 * arrival (even while printing is held), pushes Automatic Status Back when enabled, holds
 * print data while it cannot print (paper out, cover open, offline) and resumes when the
 * condition clears, and renders every cut receipt to a PNG.
 *
 * Behaviours for tests and training: setPaperOut, setPaperNearEnd, setCoverOpen,
 * setOffline, setPaperOutAfterBytes (the roll ends mid-job), setSilent (powered off).
 */
export class EscPosSimulator extends EventEmitter<SimulatorEvents> {
  readonly #transport: ByteTransport;
  readonly #log: Logger;
  readonly #bytesPerMs: number;
  readonly #parser = new EscPosCommandParser();
  readonly #renderer: ReceiptRenderer;
  readonly #receipts: SimulatedReceipt[] = [];
  #held: EscPosCommand[] = [];
  #inbox: Buffer[] = [];
  #credit = 0;
  #lastPump = 0;
  #timer: NodeJS.Timeout | undefined;
  #asbFlags = 0;
  #paperOutAfter: number | undefined;
  #flags = { paperOut: false, paperNearEnd: false, coverOpen: false, offline: false, silent: false };
  #onData = (chunk: Buffer) => this.#receive(chunk);
  /** All bytes taken off the line, real-time requests included. */
  bytesReceived = 0;

  constructor(options: EscPosSimulatorOptions) {
    super();
    this.#transport = options.transport;
    this.#log = options.logger ?? createLogger('escpos:simulator');
    this.#bytesPerMs = (options.baudRate ?? 115200) / 10 / 1000;
    this.#renderer = new ReceiptRenderer(PAPER[options.paperWidth].dots);
  }

  /** Opens a SerialTransport on `path` (e.g. PtyPair.simulatorPath) and starts listening. */
  static async onPty(path: string, options: Omit<EscPosSimulatorOptions, 'transport'>): Promise<EscPosSimulator> {
    const sim = new EscPosSimulator({ ...options, transport: new SerialTransport({ path, baudRate: options.baudRate ?? 115200 }) });
    await sim.start();
    return sim;
  }

  async start(): Promise<void> {
    this.#transport.on('data', this.#onData);
    if (!this.#transport.isOpen) await this.#transport.open();
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#transport.off('data', this.#onData);
    await this.#transport.close();
  }

  setPaperOut(on: boolean): void {
    this.#change(() => (this.#flags.paperOut = on));
  }
  setPaperNearEnd(on: boolean): void {
    this.#change(() => (this.#flags.paperNearEnd = on));
  }
  setCoverOpen(on: boolean): void {
    this.#change(() => (this.#flags.coverOpen = on));
  }
  setOffline(on: boolean): void {
    this.#change(() => (this.#flags.offline = on));
  }
  /** The roll ends after `n` more bytes have arrived (undefined: never). */
  setPaperOutAfterBytes(n: number | undefined): void {
    this.#paperOutAfter = n;
  }
  /** Powered off / cable pulled: nothing is read, nothing answered. */
  setSilent(on: boolean): void {
    this.#flags.silent = on;
  }

  status(): PrinterStatus {
    const f = this.#flags;
    return {
      online: !(f.paperOut || f.coverOpen || f.offline),
      coverOpen: f.coverOpen,
      paperEnd: f.paperOut,
      paperNearEnd: f.paperNearEnd || f.paperOut,
      error: false,
      autocutterError: false,
      unrecoverable: false,
      recoverable: false,
    };
  }

  receipts(): SimulatedReceipt[] {
    return [...this.#receipts];
  }

  lastReceiptPng(): Buffer | undefined {
    return this.#receipts.at(-1)?.png;
  }

  /** Print commands waiting for the printer to be able to print again. */
  get heldCommands(): number {
    return this.#held.length;
  }

  #canPrint(): boolean {
    return this.status().online;
  }

  #change(apply: () => void): void {
    const before = JSON.stringify(this.status());
    apply();
    if (JSON.stringify(this.status()) === before) return;
    if (this.#asbFlags !== 0) this.#send(encodeAsb(this.status()));
    if (this.#canPrint()) this.#releaseHeld();
  }

  #receive(chunk: Buffer): void {
    if (this.#flags.silent) return;
    if (this.#inbox.length === 0) {
      this.#lastPump = performance.now();
      this.#credit = 0;
    }
    this.#inbox.push(chunk);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#inbox.length === 0) return;
    const queued = this.#inbox.reduce((n, b) => n + b.length, 0);
    const wait = Math.max(1, Math.ceil((Math.min(queued, 256) - this.#credit) / this.#bytesPerMs));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, wait);
  }

  /** Takes off the line only as many bytes as the baud rate has delivered since the last pump. */
  #pump(): void {
    const now = performance.now();
    this.#credit += (now - this.#lastPump) * this.#bytesPerMs;
    this.#lastPump = now;
    while (this.#inbox.length && this.#credit >= 1) {
      const head = this.#inbox[0] as Buffer;
      const n = Math.min(head.length, Math.floor(this.#credit));
      this.#credit -= n;
      if (n === head.length) this.#inbox.shift();
      else this.#inbox[0] = head.subarray(n);
      this.#arrive(head.subarray(0, n));
    }
    if (this.#inbox.length === 0) this.#credit = 0;
    this.#schedule();
  }

  #arrive(bytes: Buffer): void {
    if (this.#paperOutAfter !== undefined && bytes.length >= this.#paperOutAfter) {
      const cut = this.#paperOutAfter;
      this.#paperOutAfter = undefined;
      this.#arrive(bytes.subarray(0, cut));
      this.#log.info({ afterBytes: this.bytesReceived }, 'simulated roll end');
      this.setPaperOut(true);
      this.#arrive(bytes.subarray(cut));
      return;
    }
    if (this.#paperOutAfter !== undefined) this.#paperOutAfter -= bytes.length;
    this.bytesReceived += bytes.length;
    for (const cmd of this.#parser.push(bytes)) this.#command(cmd);
  }

  #command(cmd: EscPosCommand): void {
    this.emit('command', cmd);
    if (isRealtimeCommand(cmd)) {
      this.#realtime(cmd);
      return;
    }
    if (cmd.op === 'asb') {
      // GS a: the printer sends the current status once when ASB is enabled, then on changes.
      this.#asbFlags = cmd.flags;
      if (cmd.flags !== 0) this.#send(encodeAsb(this.status()));
      return;
    }
    if (cmd.op === 'unknown') this.#log.debug({ bytes: Buffer.from(cmd.bytes).toString('hex') }, 'unknown command skipped');
    if (!this.#canPrint() || this.#held.length) {
      this.#held.push(cmd);
      return;
    }
    this.#print(cmd);
  }

  #realtime(cmd: EscPosCommand): void {
    if (cmd.op === 'status-request') {
      this.#send(Uint8Array.of(encodeRealtimeStatus(cmd.n as StatusRequest, this.status())));
    } else if (cmd.op === 'clear-buffers' || (cmd.op === 'realtime-request' && cmd.n === 2)) {
      // DLE DC4 8 / DLE ENQ 2: drop received-but-unprinted data and the unfinished receipt.
      this.#held = [];
      this.#renderer.discard();
      this.#parser.reset();
    }
  }

  #releaseHeld(): void {
    const held = this.#held;
    this.#held = [];
    for (const [i, cmd] of held.entries()) {
      if (!this.#canPrint()) {
        this.#held = held.slice(i).concat(this.#held);
        return;
      }
      this.#print(cmd);
    }
  }

  #print(cmd: EscPosCommand): void {
    const receipt = this.#renderer.apply(cmd);
    if (!receipt) return;
    this.#receipts.push(receipt);
    this.#log.debug({ lines: receipt.text.split('\n').length }, 'receipt cut');
    this.emit('receipt', receipt);
  }

  #send(bytes: Uint8Array): void {
    if (this.#flags.silent || !this.#transport.isOpen) return;
    this.#log.debug({ bytes: Buffer.from(bytes).toString('hex') }, '»');
    this.#transport.write(bytes).catch((err: unknown) => this.#log.warn({ err }, 'simulator write failed'));
  }
}
