import type { ApplianceError } from '@lmc/core/errors.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { type FingerprintErrorCode, fingerprintError } from '../fingerprint/fingerprint-errors.ts';
import { decodeAck, encodeCommand, type ReqOf, type ResOf, ZfmCommands, type ZfmCommandName } from './zfm-commands.ts';
import { encodePacket, PacketType, packetLogEntry, ZFM_OVERHEAD_BYTES, type ZfmPacket } from './zfm-packet.ts';
import { type DeviceClock, realClock, sleepOn } from '../transport/device-clock.ts';
import { SilenceTimer } from '../transport/silence-timer.ts';
import { type ParserReport, ZfmStreamParser, zfmMaxLengthField } from './zfm-stream-parser.ts';

/**
 * The request lifecycle of one ZFM instruction, as one explicit state machine (zwave-js
 * SerialAPICommandMachine style):
 *
 *   idle → sending → awaiting-ack ─┬→ done                      (no data phase, or confirmation ≠ 00)
 *                                  ├→ receiving-data → done     (UpImage, UpChar: module → host, last packet 08)
 *                                  └→ sending-data → done       (DownChar: host → module)
 *   any state → failed (typed reason)
 *
 * The protocol has no sequence numbers, so a lost data packet shows only as a short total or a missing
 * end packet: both, and any checksum failure during the data phase, fail the request rather than
 * returning a short image.
 */
export type TransactionState = 'idle' | 'sending' | 'awaiting-ack' | 'receiving-data' | 'sending-data' | 'done' | 'failed';

export type FailureReason =
  | 'busy'
  | 'write-failed'
  | 'transport-closed'
  | 'ack-timeout'
  | 'ack-corrupt'
  | 'bad-response'
  | 'data-timeout'
  | 'data-corrupt'
  | 'data-short'
  | 'data-overflow'
  | 'data-oversize-packet';

export interface ZfmTimeouts {
  /** Wait for the acknowledge after a command (GenImg/Img2Tz/Search take up to ~1 s on an R307). */
  readonly ackMs: number;
  /** Lower bound of the data-phase inter-packet timeout. */
  readonly dataFloorMs: number;
  /** Inter-packet timeout = max(dataFloorMs, dataPacketFactor × one packet's wire time at the link baud). */
  readonly dataPacketFactor: number;
  /**
   * After a failed request (any timeout, a corrupt or abandoned data phase) the next command waits until the
   * line has been quiet this long, counted from when the wait starts (never from the last byte, which may
   * already be old), bounded by the bytes still owed at the wire rate.
   */
  readonly drainGuardMs: number;
}

export const defaultTimeouts: ZfmTimeouts = { ackMs: 2000, dataFloorMs: 250, dataPacketFactor: 4, drainGuardMs: 500 };

export interface LinkParameters {
  readonly packetSize: number;
  readonly baudRate: number;
}

/** UART 8N1: 10 bits per byte. */
export function wireTimeMs(bytes: number, baudRate: number): number {
  return (bytes * 10 * 1000) / baudRate;
}

export function interPacketTimeoutMs(t: ZfmTimeouts, link: LinkParameters): number {
  return Math.max(t.dataFloorMs, t.dataPacketFactor * wireTimeMs(link.packetSize + ZFM_OVERHEAD_BYTES, link.baudRate));
}

export interface RunOptions {
  /** Upload: exact number of data bytes the phase must deliver. */
  readonly expectBytes?: number;
  /** Upload: the code a failed data phase is reported as (FP_IMAGE_TRANSFER / FP_TEMPLATE_TRANSFER). */
  readonly transferError?: FingerprintErrorCode;
  /** Download: the bytes to send after a successful ack. */
  readonly download?: Uint8Array;
  readonly ackMs?: number;
}

export interface RunResult<N extends ZfmCommandName> {
  readonly confirmation: number;
  readonly result: ResOf<N> | undefined;
  readonly data?: Uint8Array;
}

export interface TransactorOptions {
  write(bytes: Uint8Array): Promise<void>;
  address: number;
  logger: Logger;
  timeouts: ZfmTimeouts;
  link(): LinkParameters;
  onState?(state: TransactionState): void;
  clock?: DeviceClock;
}

interface Pending {
  readonly name: ZfmCommandName;
  readonly options: RunOptions;
  resolve(r: RunResult<ZfmCommandName>): void;
  reject(e: ApplianceError): void;
  chunks: Uint8Array[];
  received: number;
}

/** Bytes a module may still send after `p` was abandoned: the rest of its data phase (with packet overhead), or one ack. */
function bytesOwed(p: Pending, state: TransactionState, packetSize: number): number {
  const phase = (ZfmCommands[p.name] as { dataPhase?: 'upload' | 'download' }).dataPhase;
  const ack = ZFM_OVERHEAD_BYTES + 40;
  if (phase !== 'upload') return state === 'awaiting-ack' || state === 'sending' ? ack : 0;
  const left = Math.max(0, (p.options.expectBytes ?? 0) - p.received);
  const data = left + Math.ceil(left / packetSize) * ZFM_OVERHEAD_BYTES;
  return state === 'receiving-data' ? data : ack + data;
}

export class ZfmTransactor {
  #state: TransactionState = 'idle';
  #pending: Pending | undefined;
  #lastRxAt = Number.NEGATIVE_INFINITY;
  /** Bytes the module may still send from a failed request; > 0 means drain before the next command. */
  #owed = 0;
  #needsDrain = false;
  readonly #parser: ZfmStreamParser;
  readonly #clock: DeviceClock;
  readonly #timer: SilenceTimer;

  constructor(private readonly o: TransactorOptions) {
    this.#clock = o.clock ?? realClock;
    this.#timer = new SilenceTimer({ clock: this.#clock });
    this.#parser = new ZfmStreamParser({
      onPacket: (p) => this.#onPacket(p),
      onReport: (r) => this.#onReport(r),
      // Data packets are capped by the link's own packet size, so a false header cannot hold the parser.
      maxLengthField: (id) => zfmMaxLengthField(this.o.link().packetSize)(id),
    });
  }

  get state(): TransactionState {
    return this.#state;
  }

  /** Feed raw bytes from the transport. */
  receive(chunk: Uint8Array): void {
    this.#lastRxAt = this.#clock.now();
    this.#timer.touch(this.#lastRxAt);
    this.#parser.push(chunk);
  }

  /** The transport went away: fail whatever is in flight. */
  transportClosed(): void {
    this.#fail('transport-closed');
  }

  async run<N extends ZfmCommandName>(name: N, req: ReqOf<N>, options: RunOptions = {}): Promise<RunResult<N>> {
    if (this.#pending) throw this.#error('busy', name, options);
    if (this.#needsDrain) await this.#drain();
    if (this.#pending) throw this.#error('busy', name, options);
    // Whatever the parser holds now was sent before this command: it cannot be its answer (a false header
    // seen while idle, the tail of a late reply). Start the command on a clean frame boundary.
    if (this.#parser.pending > 0) {
      this.o.logger.debug({ bytes: this.#parser.pending }, 'stale bytes before a command discarded');
      this.#parser.reset();
    }
    const done = new Promise<RunResult<N>>((resolve, reject) => {
      this.#pending = { name, options, resolve: resolve as Pending['resolve'], reject, chunks: [], received: 0 };
    });
    this.#setState('sending');
    const codec = ZfmCommands[name];
    this.o.logger.debug({ dir: '»', cmd: codec.name, ...codec.logParams(req as never) }, '» command');
    const packet = encodePacket({ address: this.o.address, type: PacketType.Command, payload: encodeCommand(name, req) });
    try {
      await this.o.write(packet);
    } catch (err) {
      this.#fail('write-failed', err);
      return done;
    }
    // The ack may already have arrived while the write drained; only arm if still waiting.
    if ((this.#pending as Pending | undefined)?.name === name && this.#state === 'sending') {
      this.#setState('awaiting-ack');
      this.#arm(options.ackMs ?? this.o.timeouts.ackMs, 'ack-timeout');
    }
    return done;
  }

  #onPacket(packet: ZfmPacket): void {
    const p = this.#pending;
    if (packet.address !== this.o.address) {
      this.o.logger.warn({ dir: '«', address: packet.address.toString(16) }, 'packet for another address ignored');
      return;
    }
    if (!p) {
      this.o.logger.debug({ dir: '«', ...packetLogEntry(packet) }, 'unsolicited packet ignored');
      return;
    }
    // 'sending' too: a fast module can answer before the write's drain callback fires.
    if (this.#state === 'awaiting-ack' || this.#state === 'sending') {
      if (packet.type !== PacketType.Ack) {
        // Tail of an earlier, abandoned data phase: not ours.
        this.o.logger.debug({ dir: '«', ...packetLogEntry(packet) }, 'stale packet ignored');
        return;
      }
      let ack: ReturnType<typeof decodeAck>;
      try {
        ack = decodeAck(p.name, packet.payload);
      } catch (err) {
        this.#fail('bad-response', err);
        return;
      }
      this.o.logger.debug({ dir: '«', cmd: p.name, confirmation: ack.confirmation }, '« ack');
      const phase = ZfmCommands[p.name] as { dataPhase?: 'upload' | 'download' };
      if (ack.confirmation !== 0 || !phase.dataPhase) {
        this.#succeed({ confirmation: ack.confirmation, result: ack.result as never });
      } else if (phase.dataPhase === 'upload') {
        this.#setState('receiving-data');
        this.#armData();
      } else {
        void this.#sendData(p, ack.confirmation);
      }
      return;
    }
    if (this.#state === 'receiving-data') {
      if (packet.type !== PacketType.Data && packet.type !== PacketType.EndData) {
        this.#fail('bad-response');
        return;
      }
      const { packetSize } = this.o.link();
      if (packet.payload.length > packetSize) {
        this.#fail('data-oversize-packet', undefined, { packetBytes: packet.payload.length, packetSize });
        return;
      }
      p.chunks.push(packet.payload);
      p.received += packet.payload.length;
      const expect = p.options.expectBytes;
      if (expect !== undefined && p.received > expect) {
        this.#fail('data-overflow', undefined, { expected: expect, received: p.received });
        return;
      }
      this.o.logger.trace({ dir: '«', ...packetLogEntry(packet), received: p.received }, '« data');
      if (packet.type === PacketType.EndData) {
        if (expect !== undefined && p.received !== expect) {
          this.#fail('data-short', undefined, { expected: expect, received: p.received });
          return;
        }
        const data = Buffer.concat(p.chunks);
        this.#succeed({ confirmation: 0, result: {} as never, data: new Uint8Array(data.buffer, data.byteOffset, data.length) });
        return;
      }
      this.#armData();
    }
  }

  #onReport(report: ParserReport): void {
    this.o.logger.debug({ dir: '«', ...report }, 'framing problem');
    if (this.#state === 'receiving-data' && report.kind !== 'garbage') this.#fail('data-corrupt', undefined, { report: report.kind });
    else if (this.#state === 'awaiting-ack' && report.kind === 'bad-checksum' && report.identifier === PacketType.Ack) this.#fail('ack-corrupt');
  }

  async #sendData(p: Pending, confirmation: number): Promise<void> {
    this.#clearTimer();
    this.#setState('sending-data');
    const data = p.options.download ?? new Uint8Array(0);
    const { packetSize } = this.o.link();
    const packets: Uint8Array[] = [];
    for (let off = 0; off < data.length || off === 0; off += packetSize) {
      const last = off + packetSize >= data.length;
      const type = last ? PacketType.EndData : PacketType.Data;
      packets.push(encodePacket({ address: this.o.address, type, payload: data.subarray(off, off + packetSize) }));
      if (last) break;
    }
    this.o.logger.debug({ dir: '»', cmd: p.name, packets: packets.length, bytes: data.length }, '» data phase');
    try {
      await this.o.write(Buffer.concat(packets));
    } catch (err) {
      this.#fail('write-failed', err);
      return;
    }
    if (this.#pending === p) this.#succeed({ confirmation, result: {} as never });
  }

  #armData(): void {
    this.#arm(interPacketTimeoutMs(this.o.timeouts, this.o.link()), 'data-timeout');
  }

  #arm(ms: number, reason: FailureReason): void {
    const p = this.#pending;
    if (!p) return;
    // Silence is judged by the line (SilenceTimer): a timer held up by a stalled loop first reads the bytes that
    // arrived meanwhile, and the gap counts from the last byte's arrival.
    this.#timer.arm(ms, () => {
      if (this.#pending === p) this.#fail(reason, undefined, { afterMs: Math.round(ms) });
    });
  }

  #clearTimer(): void {
    this.#timer.cancel();
  }

  #succeed(r: RunResult<ZfmCommandName>): void {
    const p = this.#pending;
    if (!p) return;
    this.#clearTimer();
    this.#pending = undefined;
    this.#setState('done');
    p.resolve(r);
    this.#setState('idle');
  }

  #fail(reason: FailureReason, cause?: unknown, context: Record<string, unknown> = {}): void {
    const p = this.#pending;
    if (!p) return;
    this.#clearTimer();
    this.#pending = undefined;
    // The module may still send the rest of an abandoned data phase, or a late ack: let the line go quiet
    // before the next command, so neither is taken for that command's answer. The parser starts afresh
    // after any failure (a timeout may have left it inside a frame that will never complete).
    if (reason !== 'busy' && reason !== 'transport-closed' && reason !== 'write-failed') {
      this.#owed = Math.max(this.#owed, bytesOwed(p, this.#state, this.o.link().packetSize));
      this.#needsDrain = true;
    }
    this.#parser.reset();
    this.#setState('failed');
    this.o.logger.warn({ cmd: p.name, reason, ...context }, 'request failed');
    p.reject(this.#error(reason, p.name, p.options, cause, context));
    this.#setState('idle');
  }

  #error(reason: FailureReason, name: ZfmCommandName, options: RunOptions, cause?: unknown, context: Record<string, unknown> = {}): ApplianceError {
    const ctx = { command: name, reason, ...context };
    const opts = cause === undefined ? { detail: reason } : { detail: reason, cause };
    switch (reason) {
      case 'busy':
        return fingerprintError('DEVICE_BUSY', ctx, opts);
      case 'write-failed':
      case 'transport-closed':
        return fingerprintError('DEVICE_NOT_CONNECTED', ctx, opts);
      case 'ack-timeout':
        return fingerprintError('FP_ACK_TIMEOUT', ctx, opts);
      case 'ack-corrupt':
      case 'bad-response':
        return fingerprintError('FP_BAD_RESPONSE', ctx, opts);
      case 'data-timeout':
      case 'data-corrupt':
      case 'data-short':
      case 'data-overflow':
      case 'data-oversize-packet':
        return fingerprintError(options.transferError ?? 'FP_BAD_RESPONSE', ctx, opts);
    }
  }

  /**
   * Waits until the line has been quiet for the guard time measured from now (not from the last byte, which
   * is already old when a data timeout fired), for at most the time the owed bytes take at the wire rate plus
   * twice the guard. Then the parser starts afresh.
   */
  async #drain(): Promise<void> {
    const clock = this.#clock;
    const link = this.o.link();
    const guard = Math.max(this.o.timeouts.drainGuardMs, interPacketTimeoutMs(this.o.timeouts, link));
    const start = clock.now();
    const giveUpAt = start + 2 * guard + 1.5 * wireTimeMs(this.#owed, link.baudRate);
    for (;;) {
      const now = clock.now();
      const quietFor = now - Math.max(start, this.#lastRxAt);
      if (quietFor >= guard) break;
      if (now >= giveUpAt) {
        this.o.logger.warn({ drainedMs: Math.round(now - start), owedBytes: this.#owed }, 'line still busy after the drain bound');
        break;
      }
      await sleepOn(clock, Math.min(guard - quietFor, giveUpAt - now) + 1);
    }
    this.o.logger.debug({ drainedMs: Math.round(clock.now() - start) }, 'line drained');
    this.#parser.reset();
    this.#owed = 0;
    this.#needsDrain = false;
  }

  #setState(s: TransactionState): void {
    this.#state = s;
    this.o.onState?.(s);
  }
}
