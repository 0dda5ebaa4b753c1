import { EventEmitter } from 'node:events';
import { isApplianceError } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { DeviceHost, type DeviceHostStateEvent } from '../device-host/device-host.ts';
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
 * sees bytes; parsing the lines (ICAO 9303) is the appliance's job. The connection lifecycle is the one
 * DeviceHost's, as for the fingerprint module and the printer.
 */
/** 'reading': bytes of a read are arriving (a passport is on the glass); back to 'connected' when the read ends. */
export type MrzReaderState = 'connecting' | 'connected' | 'reading' | 'disconnected' | 'error';

export interface MrzReaderStateEvent {
  state: MrzReaderState;
  /** A code the UI translates (DEVICE_NOT_CONNECTED, TRANSPORT_OPEN_FAILED, HID_UNAVAILABLE …). */
  code?: string;
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
  /** The connection lifecycle is the one device host's (open, error or close = lost, reopen with backoff). */
  #host: DeviceHost<ByteTransport> | undefined;

  constructor(options: MrzReaderDriverOptions) {
    super();
    this.#factory = options.transportFactory;
    this.#reconnect = options.reconnect ?? { minMs: 250, maxMs: 5000 };
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
    return this.#host?.driver?.id;
  }

  /** Resolves after the first open attempt, whether or not a reader was there (state says which). */
  async start(): Promise<void> {
    if (this.#host) return;
    const factory = this.#factory;
    const host = new DeviceHost<ByteTransport>({
      name: 'MRZ reader',
      logger: this.#log,
      reconnect: this.#reconnect,
      // The reader only talks: there is nothing to probe. A dead reader shows as no reads, not as a state.
      device: {
        async open() {
          const t = factory();
          await t.open();
          return t;
        },
        close: (t) => t.close(),
        watch: (t, lost) => this.#attach(t, lost),
        permanent: (err) => isApplianceError(err) && PERMANENT_OPEN_ERRORS.has(err.code),
      },
    });
    this.#host = host;
    host.on('state', (e) => this.#onHostState(e));
    await host.start();
  }

  /** Releases everything: retry timer, parser timer, the open port. */
  async stop(): Promise<void> {
    const host = this.#host;
    if (!host) return;
    this.#parser.dispose();
    await host.stop();
    this.#host = undefined;
    this.#state = 'stopped';
  }

  #onHostState(e: DeviceHostStateEvent): void {
    switch (e.state) {
      case 'connecting':
        this.#setState('connecting');
        return;
      case 'connected':
        this.#log.info({ transport: this.transportId }, 'MRZ reader connected');
        this.#setState('connected');
        return;
      case 'disconnected':
        // Lost mid-read: what was pending is reported, never delivered as a read.
        if (e.reason !== 'stopped') this.#parser.discard('reader disconnected mid-read');
        this.#setState('disconnected', e.reason ?? 'port closed', e.code);
        return;
      case 'error':
        this.#setState('error', e.reason ?? 'cannot open', e.code);
        return;
      default:
        return;
    }
  }

  #attach(t: ByteTransport, lost: (reason: string) => void): () => void {
    const onData = (chunk: Buffer) => {
      this.#log.debug({ bytes: chunk.length }, `« ${escapeBytes(chunk)}`);
      this.#parser.push(chunk);
      if (this.#state === 'connected' && !this.#parser.idle) this.#setState('reading');
      else this.#settleReading();
    };
    const onClose = (err?: Error) => lost(err ? `port closed: ${err.message}` : 'port closed');
    const onError = (err: Error) => lost(`port error: ${err.message}`);
    t.on('data', onData);
    t.on('close', onClose);
    t.on('error', onError);
    return () => {
      t.off('data', onData);
      t.off('close', onClose);
      t.off('error', onError);
    };
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

  #setState(state: MrzReaderState, reason?: string, code?: string): void {
    this.#state = state;
    this.#safeEmit('state', { state, ...(code !== undefined ? { code } : {}), ...(reason !== undefined ? { reason } : {}), at: Date.now() });
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
