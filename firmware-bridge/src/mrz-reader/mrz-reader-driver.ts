import { EventEmitter } from 'node:events';
import { isApplianceError } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { ByteTransport, TransportFactory } from '../transport/transport.ts';
import {
  DEFAULT_INTER_BYTE_TIMEOUT_MS,
  FrameParser,
  type FrameRead,
  type FrameRejected,
  type FramingMode,
  type ParserClock,
} from './frame-parser.ts';
import { escapeBytes } from './mrz-wire.ts';

/**
 * MRZ reader driver: owns one transport at a time (made by the injected factory), runs its bytes through
 * the frame parser and emits whole reads. The reader only talks, so there is no request lifecycle; the
 * lifecycle here is the connection: connecting → connected → (unplug) disconnected → retry with
 * exponential backoff until the factory's transport opens again → connected. Nothing above this class
 * sees bytes; parsing the lines (ICAO 9303) is the appliance's job.
 */
/** 'reading': bytes of a read are arriving (a passport is on the glass); back to 'connected' when the read ends. */
export type MrzReaderState = 'connecting' | 'connected' | 'reading' | 'disconnected' | 'error';

export interface MrzReaderStateEvent {
  state: MrzReaderState;
  reason?: string;
  /** Date.now() */
  at: number;
}

export interface MrzReadEvent {
  lines: string[];
  framing: string;
  byteCount: number;
  /** performance.now() when the chunk holding the read's last byte arrived. */
  receivedAt: number;
  /** Line count matches line length (false only for reads ended by the inter-byte timeout or a short framed read). */
  complete: boolean;
  endedBy: 'terminator' | 'timeout';
}

export interface MrzRejectedEvent {
  code: string;
  reason: string;
  byteCount: number;
}

export interface MrzReaderDriverEvents {
  state: [MrzReaderStateEvent];
  read: [MrzReadEvent];
  rejected: [MrzRejectedEvent];
}

export interface MrzReaderDriverOptions {
  transportFactory: TransportFactory;
  framing?: FramingMode;
  interByteTimeoutMs?: number;
  reconnect?: { minMs: number; maxMs: number };
  logger?: Logger;
  /** Parser clock (tests); the reconnect backoff always uses real timers. */
  clock?: ParserClock;
}

/** Open failures that a retry cannot fix: the driver stays in 'error' instead of retrying. */
const PERMANENT_OPEN_ERRORS = new Set(['HID_UNAVAILABLE']);

export class MrzReaderDriver extends EventEmitter<MrzReaderDriverEvents> {
  readonly #factory: TransportFactory;
  readonly #reconnect: { minMs: number; maxMs: number };
  readonly #log: Logger;
  readonly #parser: FrameParser;
  #state: MrzReaderState | 'stopped' = 'stopped';
  #running = false;
  /** Bumped by start/stop so late completions of an old open attempt are ignored. */
  #generation = 0;
  #transport: ByteTransport | undefined;
  #detach: (() => void) | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #backoffMs: number;

  constructor(options: MrzReaderDriverOptions) {
    super();
    this.#factory = options.transportFactory;
    this.#reconnect = options.reconnect ?? { minMs: 250, maxMs: 5000 };
    this.#backoffMs = this.#reconnect.minMs;
    this.#log = options.logger ?? createLogger('mrz-reader');
    this.#parser = new FrameParser({
      framing: options.framing ?? 'auto',
      interByteTimeoutMs: options.interByteTimeoutMs ?? DEFAULT_INTER_BYTE_TIMEOUT_MS,
      ...(options.clock ? { clock: options.clock } : {}),
      onRead: (r) => this.#onRead(r),
      onRejected: (r) => this.#onRejected(r),
    });
  }

  /** 'stopped' before start() and after stop(); otherwise the last state emitted. */
  get state(): MrzReaderState | 'stopped' {
    return this.#state;
  }

  get transportId(): string | undefined {
    return this.#transport?.id;
  }

  /** Resolves after the first open attempt, whether or not a reader was there (state says which). */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#generation++;
    this.#backoffMs = this.#reconnect.minMs;
    this.#setState('connecting');
    await this.#connect(this.#generation);
  }

  /** Releases everything: retry timer, parser timer, the open port. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#generation++;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#parser.dispose();
    const t = this.#transport;
    this.#release();
    if (t) await t.close().catch((err: unknown) => this.#log.debug({ err }, 'close on stop failed'));
    this.#setState('disconnected', 'stopped');
    this.#state = 'stopped';
  }

  async #connect(generation: number): Promise<void> {
    this.#retryTimer = undefined;
    let transport: ByteTransport;
    try {
      transport = this.#factory();
      await transport.open();
    } catch (err) {
      if (generation !== this.#generation) return;
      this.#openFailed(err);
      return;
    }
    if (generation !== this.#generation) {
      await transport.close().catch(() => {});
      return;
    }
    this.#attach(transport);
    this.#backoffMs = this.#reconnect.minMs;
    this.#log.info({ transport: transport.id }, 'MRZ reader connected');
    this.#setState('connected');
  }

  #openFailed(err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    const code = isApplianceError(err) ? err.code : undefined;
    if (code && PERMANENT_OPEN_ERRORS.has(code)) {
      this.#log.error({ code }, `MRZ reader cannot be opened: ${reason}`);
      this.#setState('error', reason);
      return;
    }
    // First failure after start is an error worth showing; failures while waiting for a replug are expected.
    if (this.#state === 'connecting') {
      this.#log.warn({ code }, `MRZ reader not available, will retry: ${reason}`);
      this.#setState('error', reason);
    } else this.#log.debug({ code, retryInMs: this.#backoffMs }, `reopen failed: ${reason}`);
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (!this.#running) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#reconnect.maxMs);
    const generation = this.#generation;
    this.#retryTimer = setTimeout(() => void this.#connect(generation), delay);
  }

  #attach(t: ByteTransport): void {
    const onData = (chunk: Buffer) => {
      this.#log.debug({ bytes: chunk.length }, `« ${escapeBytes(chunk)}`);
      this.#parser.push(chunk);
      if (this.#state === 'connected' && !this.#parser.idle) this.#setState('reading');
      else this.#settleReading();
    };
    const onClose = (err?: Error) => this.#lost(t, err ? `port closed: ${err.message}` : 'port closed');
    const onError = (err: Error) => this.#lost(t, `port error: ${err.message}`);
    t.on('data', onData);
    t.on('close', onClose);
    t.on('error', onError);
    this.#transport = t;
    this.#detach = () => {
      t.off('data', onData);
      t.off('close', onClose);
      t.off('error', onError);
    };
  }

  #release(): void {
    this.#detach?.();
    this.#detach = undefined;
    this.#transport = undefined;
  }

  /** The transport went away (unplug, pty closed, HID read error): drop it and start retrying. */
  #lost(t: ByteTransport, reason: string): void {
    if (this.#transport !== t || !this.#running) return;
    this.#release();
    this.#parser.discard('reader disconnected mid-read');
    t.close().catch(() => {});
    this.#log.warn({ transport: t.id }, `MRZ reader disconnected: ${reason}`);
    this.#setState('disconnected', reason);
    this.#scheduleRetry();
  }

  #onRead(r: FrameRead): void {
    this.#log.debug({ framing: r.framing, bytes: r.byteCount, lines: r.lines.length, endedBy: r.endedBy }, '« read');
    this.#safeEmit('read', { ...r });
    queueMicrotask(() => this.#settleReading());
  }

  #onRejected(r: FrameRejected): void {
    this.#log.debug({ code: r.code, bytes: r.byteCount }, `« rejected: ${r.reason}`);
    this.#safeEmit('rejected', { ...r });
    queueMicrotask(() => this.#settleReading());
  }

  /** A read ended (delivered, rejected or timed out): the reader is idle again. */
  #settleReading(): void {
    if (this.#state === 'reading' && this.#parser.idle) this.#setState('connected');
  }

  #setState(state: MrzReaderState, reason?: string): void {
    this.#state = state;
    this.#safeEmit('state', { state, ...(reason !== undefined ? { reason } : {}), at: Date.now() });
  }

  /** A throwing listener must not break the byte loop, the reconnect logic, or the other listeners. */
  #safeEmit<K extends keyof MrzReaderDriverEvents>(event: K, ...args: MrzReaderDriverEvents[K]): void {
    // rawListeners keeps once() wrappers, so once-listeners still remove themselves.
    for (const listener of this.rawListeners(event) as ((...a: MrzReaderDriverEvents[K]) => void)[]) {
      try {
        listener(...args);
      } catch (err) {
        this.#log.error({ err, event }, 'MRZ reader listener threw');
      }
    }
  }
}
