import { EventEmitter } from 'node:events';
import { ApplianceError, isApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { SilenceTimer } from '../transport/silence-timer.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { ByteTransport, TransportFactory } from '../transport/transport.ts';
import type { SupportedCodepage } from './escpos-codepages.ts';
import type { PrintPhase } from './escpos-errors.ts';
import { PrinterReplyParser } from './printer-reply-parser.ts';
import { combineRealtimeStatus, decodeAsb, decodeRealtimeStatus, describeStatus, type PrinterStatus } from './printer-status.ts';
import { RealtimeStatusClient } from './realtime-status-client.ts';
import { ASB_ERROR, ASB_ONLINE, ASB_PAPER, automaticStatusBack, CLEAR_BUFFERS, type StatusRequest } from './realtime-commands.ts';
import type { PaperWidth, ReceiptDocument } from './receipt-document.ts';
import { encodeReceipt } from './receipt-encoder.ts';

export interface EscPosPrinterDriverOptions {
  transportFactory: TransportFactory;
  paperWidth: PaperWidth;
  /** Per DLE EOT request. Default 1000 ms. */
  statusTimeoutMs?: number;
  /**
   * Line speed, when known: the status check after a job waits, on top of statusTimeoutMs,
   * for the job's bytes to cross the wire (10 bits a byte), because drain() on a pty or a
   * buffering USB adapter returns before they have.
   */
  baudRate?: number;
  /** Bytes per write. Default 1024. */
  chunkSize?: number;
  codepage?: SupportedCodepage;
  /** Enable Automatic Status Back (GS a) on open, so paper/cover changes arrive unasked. Default true. */
  autoStatusBack?: boolean;
  /**
   * Every write must complete within this (plus its own wire time at baudRate). A printer holding flow control
   * (RTS/CTS, XOFF: cover open, buffer full, off-line) longer than that is off-line: the job fails
   * PRINTER_OFFLINE and the port is closed as lost (its queued bytes must not print later). Default 3000 ms.
   */
  writeTimeoutMs?: number;
  logger?: Logger;
}

export type PrinterState = 'connected' | 'disconnected' | 'error';
export interface PrinterStateEvent {
  state: PrinterState;
  status?: PrinterStatus;
  error?: { code: string; message: string };
}
type DriverEvents = { state: [PrinterStateEvent] };

export interface PrintResult {
  bytes: number;
  chunks: number;
  /** Status read after the job; `paperNearEnd` here is worth a warning to the officer. */
  status: PrinterStatus;
}

/**
 * Receipt printer driver over any ByteTransport (serial, USB-serial, pty). print() checks
 * the printer, sends the job in chunks, and checks again: it resolves only when the printer
 * reports no fault after the whole job reached it. Every job starts with ESC @ and a job
 * that fails mid-way is cleared from the printer's buffer, so the appliance's durable queue
 * may retry print() without a stale half receipt coming out when paper is reloaded.
 */
export class EscPosPrinterDriver extends EventEmitter<DriverEvents> {
  readonly #opts: Required<Omit<EscPosPrinterDriverOptions, 'baudRate' | 'codepage' | 'logger' | 'writeTimeoutMs'>> &
    Pick<EscPosPrinterDriverOptions, 'baudRate' | 'codepage'>;
  readonly #log: Logger;
  #transport: ByteTransport | undefined;
  #parser = new PrinterReplyParser();
  #status: RealtimeStatusClient | undefined;
  #asb: PrinterStatus | undefined;
  /** ASBs received so far: a status reading that one arrived during was taken across a change (see #queryStatus). */
  #asbCount = 0;
  #lastEvent = '';
  #lock: Promise<unknown> = Promise.resolve();
  readonly #writeTimeoutMs: number;
  /** True while a job holds the lock: status() then answers from what is known instead of waiting behind it. */
  #printing = false;
  /** Queries and jobs queued or running on the lock. */
  #active = 0;
  #lastStatus: PrinterStatus | undefined;

  constructor(options: EscPosPrinterDriverOptions) {
    super();
    this.#opts = {
      transportFactory: options.transportFactory,
      paperWidth: options.paperWidth,
      statusTimeoutMs: options.statusTimeoutMs ?? 1000,
      chunkSize: options.chunkSize ?? 1024,
      autoStatusBack: options.autoStatusBack ?? true,
      baudRate: options.baudRate,
      codepage: options.codepage,
    };
    this.#log = options.logger ?? createLogger('escpos:driver');
    this.#writeTimeoutMs = options.writeTimeoutMs ?? 3000;
  }

  get isOpen(): boolean {
    return this.#transport?.isOpen ?? false;
  }

  /** Latest status pushed by Automatic Status Back, if enabled and received. */
  get lastPushedStatus(): PrinterStatus | undefined {
    return this.#asb;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    const t = this.#opts.transportFactory();
    this.#parser = new PrinterReplyParser();
    this.#status = new RealtimeStatusClient((b) => this.#timedWrite(t, b), this.#log);
    t.on('data', this.#onData);
    t.on('close', this.#onClose);
    t.on('error', this.#onError);
    try {
      await t.open();
    } catch (err) {
      this.#detach(t);
      throw err;
    }
    this.#transport = t;
    this.#log.info({ port: t.id }, 'receipt printer port open');
    this.#emitState({ state: 'connected' });
    if (this.#opts.autoStatusBack) await this.#timedWrite(t, automaticStatusBack(ASB_ONLINE | ASB_ERROR | ASB_PAPER));
  }

  async close(): Promise<void> {
    const t = this.#transport;
    if (!t) return;
    this.#transport = undefined;
    this.#status?.failAll(notOpen());
    this.#detach(t);
    await t.close();
    this.#emitState({ state: 'disconnected' });
  }

  /**
   * Queries DLE EOT 1, 2, 3, 4 in turn, each with its own named timeout. Never waits behind a job: while one is
   * being sent, the last status known (queried or pushed by ASB) is the answer, or a query made beside the job
   * (real-time commands are answered even while the printer holds print data).
   */
  status(): Promise<PrinterStatus> {
    if (this.#printing) return this.#lastStatus ? Promise.resolve(this.#lastStatus) : this.#queryStatus();
    return this.#exclusive(() => this.#queryStatus());
  }

  /** Liveness probe while idle (the device host): DLE EOT 1 answered within `timeoutMs`. */
  async probe(timeoutMs = 1000): Promise<boolean | undefined> {
    // Only when nothing else talks to the printer; a query or job that starts meanwhile waits for it (ms).
    if (this.#active > 0 || !this.isOpen) return undefined;
    return this.#exclusive(async () => {
      const client = this.#status;
      if (!client) return undefined;
      let byte: number;
      try {
        byte = await client.request(1, timeoutMs);
      } catch {
        return false;
      }
      // The printer's on-line bit disagrees with the last status known (a printer without ASB, or a change the last
      // reading missed): read the whole status, so the state shown never stays behind the printer for longer than a probe.
      const online = decodeRealtimeStatus(1, byte).online;
      if (this.#lastStatus && online !== undefined && online !== this.#lastStatus.online) await this.#queryStatus().catch(() => undefined);
      return true;
    });
  }

  print(doc: ReceiptDocument): Promise<PrintResult> {
    // Encode first: a bad document is refused without touching the printer.
    const job = encodeReceipt(doc, { paperWidth: this.#opts.paperWidth, ...(this.#opts.codepage ? { codepage: this.#opts.codepage } : {}) });
    return this.#exclusive(async () => {
      this.#printing = true;
      try {
        return await this.#printJob(job);
      } finally {
        this.#printing = false;
      }
    });
  }

  async #printJob(job: Uint8Array): Promise<PrintResult> {
    const before = await this.#queryStatus();
    const refusal = faultError(before, 'before');
    if (refusal) throw refusal;

    const t = this.#requireOpen();
    const { chunkSize } = this.#opts;
    let sent = 0;
    let chunks = 0;
    this.#log.debug({ bytes: job.length }, '» job');
    // The whole job is always sent, even if ASB reports a fault meanwhile: stopping inside a
    // command (e.g. raster data) would leave the printer parsing our next bytes as its data.
    // A printer that cannot print holds the data; CLEAR_BUFFERS below drops it.
    while (sent < job.length) {
      const chunk = job.subarray(sent, sent + chunkSize);
      await this.#timedWrite(t, chunk);
      sent += chunk.length;
      chunks++;
    }

    const wireMs = this.#opts.baudRate ? Math.ceil((sent * 10 * 1000) / this.#opts.baudRate) : 0;
    let after: PrinterStatus;
    try {
      after = await this.#queryStatus(wireMs);
    } catch (err) {
      if (isApplianceError(err, FirmwareBridgeErrors.PRINTER_TIMEOUT.code)) err.context.phase = 'during';
      throw err;
    }
    const failure = faultError(after, 'during');
    if (failure) {
      // Drop what the printer holds of this job, so recovery does not print its remainder.
      await this.#timedWrite(t, CLEAR_BUFFERS).catch((err: unknown) => this.#log.warn({ err }, 'clear buffers failed'));
      failure.context.bytesSent = sent;
      throw failure;
    }
    this.#log.info({ bytes: sent, chunks, paperNearEnd: after.paperNearEnd }, 'receipt printed');
    return { bytes: sent, chunks, status: after };
  }

  /**
   * DLE EOT 1–4 are four answers taken at four moments. When the printer pushes an ASB between them (paper loaded,
   * cover closed), the four may straddle that change and combine into a state the printer was never in (e.g. off-line
   * with paper present, which once outlived the change: the officer saw "offline" with a ready printer); then the
   * reading is taken again, up to MAX_STATUS_READS times, and the last one stands.
   */
  async #queryStatus(extraFirstWaitMs = 0): Promise<PrinterStatus> {
    const client = this.#status;
    if (!this.isOpen || !client) throw notOpen();
    const replies = {} as Record<StatusRequest, number>;
    try {
      for (let read = 1; ; read++) {
        const asbBefore = this.#asbCount;
        for (const n of [1, 2, 3, 4] as const) {
          replies[n] = await client.request(n, this.#opts.statusTimeoutMs + (n === 1 && read === 1 ? extraFirstWaitMs : 0));
        }
        if (this.#asbCount === asbBefore || read >= MAX_STATUS_READS) break;
        this.#log.debug({ read }, 'status changed (ASB) while it was read: reading it again');
      }
    } catch (err) {
      if (isApplianceError(err)) this.#emitState({ state: 'error', error: { code: err.code, message: err.message } });
      throw err;
    }
    const status = combineRealtimeStatus(replies);
    this.#emitStatus(status);
    return status;
  }

  /**
   * A write that must finish in writeTimeoutMs plus its wire time. If it does not, the printer is holding flow
   * control: it is reported off-line and the port is closed as lost, so the bytes still queued in the port
   * cannot print later as a stray half receipt; the device host reopens it.
   */
  #timedWrite(t: ByteTransport, bytes: Uint8Array): Promise<void> {
    const wireMs = this.#opts.baudRate ? Math.ceil((bytes.length * 10 * 1000) / this.#opts.baudRate) : 0;
    const limitMs = this.#writeTimeoutMs + wireMs;
    // A late timer (stalled loop) first lets a write completion that is already due be delivered.
    const timer = new SilenceTimer();
    const timeout = new Promise<never>((_, reject) => {
      timer.arm(limitMs, () => {
        this.#log.warn({ bytes: bytes.length, limitMs }, 'write not taken by the printer (flow control held): off-line');
        const err = new ApplianceError(
          FirmwareBridgeErrors.PRINTER_OFFLINE.code,
          'The receipt printer is not taking data. Check that it is switched on, has paper and its cover is closed, then print again.',
          { phase: 'during', reason: 'flow-control', limitMs },
        );
        reject(err);
        this.#lost(t, 'write timed out (flow control held)');
      });
    });
    return Promise.race([t.write(bytes), timeout]).finally(() => timer.cancel());
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.#active++;
    const counted = async (): Promise<T> => {
      try {
        return await fn();
      } finally {
        this.#active--;
      }
    };
    const run = this.#lock.then(counted, counted);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  #requireOpen(): ByteTransport {
    if (!this.#transport?.isOpen) throw notOpen();
    return this.#transport;
  }

  #onData = (chunk: Buffer): void => {
    for (const reply of this.#parser.push(chunk)) {
      if (reply.kind === 'realtime') this.#status?.onReply(reply.byte);
      else if (reply.kind === 'asb') {
        this.#asb = decodeAsb(reply.bytes);
        this.#asbCount++;
        this.#log.debug({ asb: Buffer.from(reply.bytes).toString('hex'), status: describeStatus(this.#asb) }, '« ASB');
        this.#emitStatus(this.#asb);
      } else this.#log.warn({ bytes: reply.bytes.length }, 'unexpected bytes from printer skipped');
    }
  };

  #onClose = (): void => {
    if (this.#transport) this.#lost(this.#transport, 'port closed');
  };

  // Error or close means lost, as for every device: a port that reports an error is closed and reopened.
  #onError = (err: Error): void => {
    if (this.#transport) this.#lost(this.#transport, `port error: ${err.message}`);
  };

  #lost(t: ByteTransport, why: string): void {
    if (this.#transport !== t) return;
    this.#log.warn({ why }, 'receipt printer port lost');
    this.#transport = undefined;
    this.#status?.failAll(notOpen());
    this.#detach(t);
    t.close().catch(() => {});
    this.#emitState({ state: 'disconnected' });
  }

  #detach(t: ByteTransport): void {
    t.off('data', this.#onData);
    t.off('close', this.#onClose);
    t.off('error', this.#onError);
  }

  #emitStatus(status: PrinterStatus): void {
    this.#lastStatus = status;
    const fault = faultError(status, 'before');
    this.#emitState(fault ? { state: 'error', status, error: { code: fault.code, message: fault.message } } : { state: 'connected', status });
  }

  #emitState(event: PrinterStateEvent): void {
    const key = JSON.stringify(event);
    if (key === this.#lastEvent) return;
    this.#lastEvent = key;
    this.emit('state', event);
  }
}

/** Readings of DLE EOT 1–4 a status query takes at most when ASBs keep arriving meanwhile. */
const MAX_STATUS_READS = 3;

function notOpen(): ApplianceError {
  return new ApplianceError(FirmwareBridgeErrors.PRINTER_NOT_OPEN.code, 'The receipt printer is not connected.');
}

function offline(status: PrinterStatus, phase: PrintPhase): ApplianceError {
  const cause = status.autocutterError ? 'cutter error' : status.unrecoverable ? 'hardware fault' : status.recoverable ? 'print head too hot' : 'offline';
  return new ApplianceError(
    FirmwareBridgeErrors.PRINTER_OFFLINE.code,
    phase === 'before'
      ? `The receipt printer is not ready (${cause}). Check it, switch it off and on if needed, and print again.`
      : `The receipt printer stopped while printing (${cause}). Tear off any partial receipt, check the printer and print again.`,
    { phase, status: describeStatus(status) },
  );
}

/** The faults a status shows first, each with what the officer is told before a print and during one. */
const FAULTS = [
  {
    shows: (s: PrinterStatus) => s.coverOpen,
    code: FirmwareBridgeErrors.PRINTER_COVER_OPEN.code,
    before: 'The receipt printer cover is open. Close the cover and print again.',
    during: 'The receipt printer cover was opened while printing. Close it, tear off any partial receipt and print again.',
  },
  {
    shows: (s: PrinterStatus) => s.paperEnd,
    code: FirmwareBridgeErrors.PRINTER_PAPER_OUT.code,
    before: 'The receipt printer is out of paper. Load a new roll and print again.',
    during: 'The receipt printer ran out of paper while printing. Load a new roll, tear off the partial receipt and print again.',
  },
] as const;

/** The coded error a status stands for, or undefined when the printer can print. */
export function faultError(status: PrinterStatus, phase: PrintPhase): ApplianceError | undefined {
  const fault = FAULTS.find((f) => f.shows(status));
  if (fault) return new ApplianceError(fault.code, phase === 'before' ? fault.before : fault.during, { phase, status: describeStatus(status) });
  if (!status.online || status.error) return offline(status, phase);
  return undefined;
}
