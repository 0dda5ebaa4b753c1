import { EventEmitter } from 'node:events';
import type { ApplianceError } from '@lmc/core/errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { type FingerprintErrorCode, fingerprintError } from '../fingerprint/fingerprint-errors.ts';
import type {
  FingerprintCapture,
  FingerprintReader,
  FingerprintReaderEvents,
  ReaderInfo,
  ReaderState,
  VerifyResult,
  WaitOptions,
} from '../fingerprint/fingerprint-reader.ts';
import { type DeviceClock, realClock } from '../transport/device-clock.ts';
import type { ByteTransport, TransportFactory } from '../transport/transport.ts';
import { packetSizeCode, packetSizeFromCode, type ReqOf, SysParam, type SystemParameters, type ZfmCommandName } from './zfm-commands.ts';
import { CONFIRMATION_NO_FINGER, CONFIRMATION_NO_MATCH, CONFIRMATION_OK, confirmationError } from './zfm-confirmation.ts';
import { unpackImage4bpp, ZFM_IMAGE_BYTES, ZFM_IMAGE_DPI, ZFM_IMAGE_HEIGHT, ZFM_IMAGE_WIDTH } from './zfm-image.ts';
import { ZFM_DEFAULT_ADDRESS } from './zfm-packet.ts';
import { defaultTimeouts, type LinkParameters, type RunOptions, type RunResult, type ZfmTimeouts, ZfmTransactor } from './zfm-transaction.ts';

/**
 * FingerprintReader for ZFM/R30x serial modules (R307, R503, AS608 and clones).
 *
 * Template size: the R307/ZFM-20 datasheet gives a 512-byte template (two 256-byte character files)
 * for UpChar/DownChar, and Adafruit's show_fingerprint_templates example reads exactly 2 × 256 data
 * bytes; R503 and R551 variants are reported to carry 768 or 1536 bytes. The size is therefore an
 * option (default 512) and a transfer of any other length is an error, never a silently short template.
 */
export interface ZfmDriverOptions {
  transportFactory: TransportFactory;
  /** Module address (default FFFFFFFF). */
  address?: number;
  /** VfyPwd password (default 0, the factory setting). Never logged. */
  password?: number;
  logger?: Logger;
  timeouts?: Partial<ZfmTimeouts>;
  /** The rate the module is believed to run at (default 57600): tried first at open. */
  baudRate?: number;
  /**
   * After the handshake, a module slower than this is switched to it with SetSysPara (parameter 4, N × 9600),
   * reopened at the new rate and verified; if it does not answer there the driver falls back to the old rate
   * and does not try again. The module keeps the rate across power cycles, and the driver keeps using it on
   * every reopen. Default 115200 (the fastest rate of the datasheet); 0 = never change the module's rate.
   */
  targetBaudRate?: number;
  /** When the module does not answer at `baudRate`, try every standard rate 9600 × N (default true). */
  probeBaudRates?: boolean;
  /** Acknowledge timeout of each attempt while probing rates and verifying a raise (default 400 ms). */
  probeAckMs?: number;
  clock?: DeviceClock;
  /** Bytes an UpChar data phase must deliver and a DownChar must send (default 512). */
  templateBytes?: number;
  /** Default poll interval of waitForFinger/waitForLift (default 200 ms). */
  pollMs?: number;
}

export const ZFM_TEMPLATE_FORMAT = 'zfm-r30x';

/** The datasheet's line speeds: 9600 × N, N = 1 … 12 (SetSysPara parameter 4). */
export const ZFM_STANDARD_BAUD_RATES: readonly number[] = Array.from({ length: 12 }, (_, i) => (i + 1) * 9600);

/** The order rates are tried in: the one believed first, then the common ones (factory 57600, raised 115200), then the rest. */
export function zfmBaudProbeOrder(first: number): number[] {
  const common = [first, 57_600, 115_200, 9_600, 19_200, 38_400];
  return [...new Set([...common, ...ZFM_STANDARD_BAUD_RATES])];
}

export class ZfmDriver extends EventEmitter<FingerprintReaderEvents> implements FingerprintReader {
  readonly #o: ZfmDriverOptions;
  readonly #log: Logger;
  readonly #timeouts: ZfmTimeouts;
  readonly #address: number;
  readonly #templateBytes: number;
  #state: ReaderState = 'closed';
  #transport: ByteTransport | undefined;
  #transactor: ZfmTransactor | undefined;
  #link: LinkParameters;
  #params: SystemParameters | undefined;
  readonly #clock: DeviceClock;
  /** The rate the module answered at last: kept across reopens (the module keeps it across power cycles). */
  #knownBaud: number;
  /** The rate at which a raise was refused or failed: not tried again from there. */
  #raiseFailedFrom: number | undefined;
  #probing: Promise<unknown> | undefined;

  constructor(options: ZfmDriverOptions) {
    super();
    this.#o = options;
    this.#log = options.logger ?? createLogger('zfm:driver');
    this.#timeouts = { ...defaultTimeouts, ...options.timeouts };
    this.#address = options.address ?? ZFM_DEFAULT_ADDRESS;
    this.#templateBytes = options.templateBytes ?? 512;
    this.#knownBaud = options.baudRate ?? 57600;
    this.#link = { packetSize: 128, baudRate: this.#knownBaud };
    this.#clock = options.clock ?? realClock;
  }

  get state(): ReaderState {
    return this.#state;
  }

  async open(): Promise<void> {
    if (this.#state !== 'closed' && this.#state !== 'failed') return;
    this.#setState('opening');
    try {
      await this.#connectAnyRate();
      await this.#raiseBaud();
      const link = this.#link;
      this.#log.info({ id: this.#transport?.id, ...link, capacity: this.#params?.libraryCapacity }, 'fingerprint module ready');
      this.#setState('ready');
    } catch (err) {
      await this.#disconnect();
      this.#setState('failed');
      throw err;
    }
  }

  /** Handshake at the rate believed; failing that (no answer), at every standard rate. */
  async #connectAnyRate(): Promise<void> {
    try {
      await this.#connectAt(this.#knownBaud, this.#timeouts.ackMs);
      return;
    } catch (err) {
      if (this.#o.probeBaudRates === false || !isSilence(err)) throw err;
      for (const rate of zfmBaudProbeOrder(this.#knownBaud).slice(1)) {
        try {
          await this.#connectAt(rate, this.#o.probeAckMs ?? 400);
          this.#log.warn({ believed: this.#knownBaud, found: rate }, 'fingerprint module answers at another baud rate');
          this.#knownBaud = rate;
          return;
        } catch (e) {
          if (!isSilence(e)) throw e;
        }
      }
      throw err;
    }
  }

  /** Opens a transport at `baudRate` and runs the handshake: VfyPwd, then ReadSysPara. Leaves nothing open on failure. */
  async #connectAt(baudRate: number, ackMs: number): Promise<void> {
    await this.#disconnect();
    this.#link = { packetSize: this.#link.packetSize, baudRate };
    const transport = this.#o.transportFactory({ baudRate });
    const transactor = new ZfmTransactor({
      write: (bytes) => transport.write(bytes),
      address: this.#address,
      logger: this.#log,
      timeouts: this.#timeouts,
      link: () => this.#link,
      clock: this.#clock,
      onState: (s) => this.#log.trace({ request: s }, 'request state'),
    });
    transport.on('data', (chunk) => transactor.receive(chunk));
    // Error or close means lost: a vanished port shows up as 'close' or, on some ttys (EIO from a pty whose peer
    // is gone), only as 'error'. The driver ends closed, so the device host above can reopen it.
    const lost = (why: string) => {
      transactor.transportClosed();
      if (this.#transport !== transport) return;
      this.#log.warn({ why }, 'fingerprint module port lost');
      this.#transport = undefined;
      this.#transactor = undefined;
      if (this.#state !== 'opening') this.#setState('closed');
      transport.close().catch(() => {});
    };
    transport.on('error', (err) => lost(`port error: ${err.message}`));
    transport.on('close', (err?: Error) => lost(err ? `port closed: ${err.message}` : 'port closed'));
    this.#transport = transport;
    this.#transactor = transactor;
    try {
      await transport.open();
      await this.#ok('VfyPwd', { password: this.#o.password ?? 0 }, { ackMs });
      const params = await this.#ok('ReadSysPara', {}, { ackMs: Math.max(ackMs, 200) });
      if (params.packetSizeCode > 3 || params.baudMultiplier === 0) {
        throw fingerprintError('FP_BAD_RESPONSE', { packetSizeCode: params.packetSizeCode, baudMultiplier: params.baudMultiplier });
      }
      if (params.baudMultiplier * 9600 !== baudRate) {
        this.#log.warn({ reported: params.baudMultiplier * 9600, answering: baudRate }, 'module reports another baud rate than it answers at');
      }
      this.#params = params;
      this.#link = { packetSize: packetSizeFromCode(params.packetSizeCode), baudRate };
    } catch (err) {
      await this.#disconnect();
      throw err;
    }
  }

  /**
   * SetSysPara baud (register 4) to targetBaudRate, reopen at the new rate, verify with the handshake. The
   * datasheet's module answers at the old rate and then switches. On any failure: back to the old rate (or,
   * if the module is not there either, wherever it answers), and the raise is not tried again from that rate.
   */
  async #raiseBaud(): Promise<void> {
    const target = this.#o.targetBaudRate ?? 115_200;
    const from = this.#link.baudRate;
    if (!target || target <= from || this.#raiseFailedFrom === from) return;
    if (!ZFM_STANDARD_BAUD_RATES.includes(target)) {
      this.#log.warn({ target }, 'targetBaudRate is not 9600 × N (N = 1 … 12): the module keeps its rate');
      this.#raiseFailedFrom = from;
      return;
    }
    const r = await this.#run('SetSysPara', { parameter: SysParam.BaudRate, value: target / 9600 });
    if (r.confirmation !== CONFIRMATION_OK) {
      this.#log.warn({ from, target, confirmation: r.confirmation }, 'module refused the baud change; it keeps its rate');
      this.#raiseFailedFrom = from;
      return;
    }
    try {
      await this.#connectAt(target, this.#o.probeAckMs ?? 400);
      this.#knownBaud = target;
      this.#log.info({ from, to: target }, 'fingerprint module baud rate raised');
    } catch (err) {
      this.#log.warn({ from, target, code: (err as { code?: string }).code }, 'no answer at the raised baud rate: falling back');
      this.#raiseFailedFrom = from;
      this.#knownBaud = from;
      await this.#connectAnyRate();
      this.#raiseFailedFrom = this.#link.baudRate;
    }
  }

  async #disconnect(): Promise<void> {
    const t = this.#transport;
    this.#transport = undefined;
    this.#transactor?.transportClosed();
    this.#transactor = undefined;
    if (t) await t.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.#disconnect();
    this.#setState('closed');
  }

  /**
   * Liveness probe for the device host while idle: ReadSysPara with a short timeout. Resolves true when the
   * module answered, false when it did not (or the port is gone); skipped (undefined) while an operation runs.
   * An operation that starts meanwhile waits for the probe (a few milliseconds) instead of failing busy.
   */
  async probe(ackMs = 1000): Promise<boolean | undefined> {
    if (this.#state !== 'ready' || this.#probing !== undefined) return undefined;
    const run = this.#run('ReadSysPara', {}, { ackMs });
    this.#probing = run.catch(() => undefined);
    try {
      return (await run).confirmation === CONFIRMATION_OK;
    } catch {
      return false;
    } finally {
      this.#probing = undefined;
    }
  }

  info(): ReaderInfo {
    const p = this.#params;
    if (!p || !this.#transport) throw fingerprintError('FP_NOT_OPEN');
    return {
      family: 'zfm',
      id: this.#transport.id,
      templateFormat: ZFM_TEMPLATE_FORMAT,
      imageWidth: ZFM_IMAGE_WIDTH,
      imageHeight: ZFM_IMAGE_HEIGHT,
      resolutionDpi: ZFM_IMAGE_DPI,
      details: {
        packetSize: this.#link.packetSize,
        baudRate: this.#link.baudRate,
        libraryCapacity: p.libraryCapacity,
        securityLevel: p.securityLevel,
        systemId: p.systemId,
        templateBytes: this.#templateBytes,
      },
    };
  }

  waitForFinger(options: WaitOptions): Promise<void> {
    return this.#exclusive(async () => {
      this.emit('place-finger');
      await this.#poll(options, 'FP_FINGER_TIMEOUT', (c) => c === CONFIRMATION_OK);
      this.emit('finger-detected');
    });
  }

  waitForLift(options: WaitOptions): Promise<void> {
    return this.#exclusive(async () => {
      this.emit('lift-finger');
      await this.#poll(options, 'FP_LIFT_TIMEOUT', (c) => c === CONFIRMATION_NO_FINGER);
    });
  }

  capture(): Promise<FingerprintCapture> {
    return this.#exclusive(async () => {
      // Datasheet flow: GenImg captures into the image buffer; UpImage sends that image; Img2Tz turns
      // the same image into a character file in CharBuffer1; UpChar sends the character file.
      await this.#ok('GenImg', {});
      const packed = await this.#upload('UpImage', {}, ZFM_IMAGE_BYTES, 'FP_IMAGE_TRANSFER');
      const image = unpackImage4bpp(packed);
      await this.#ok('Img2Tz', { buffer: 1 });
      const template = await this.#upload('UpChar', { buffer: 1 }, this.#templateBytes, 'FP_TEMPLATE_TRANSFER');
      this.#log.info({ imageBytes: packed.length, templateBytes: template.length }, 'finger captured');
      return { image, template };
    });
  }

  verify(templateA: Uint8Array, templateB: Uint8Array): Promise<VerifyResult> {
    return this.#exclusive(async () => {
      for (const t of [templateA, templateB]) {
        if (!(t instanceof Uint8Array) || t.length !== this.#templateBytes) {
          throw fingerprintError('FP_TEMPLATE_INVALID', { expectedBytes: this.#templateBytes, bytes: t?.length ?? 0 });
        }
      }
      await this.#ok('DownChar', { buffer: 1 }, { download: templateA });
      await this.#ok('DownChar', { buffer: 2 }, { download: templateB });
      const r = await this.#run('Match', {});
      if (r.confirmation === CONFIRMATION_OK || r.confirmation === CONFIRMATION_NO_MATCH) {
        return { match: r.confirmation === CONFIRMATION_OK, score: r.result?.score ?? 0 };
      }
      throw confirmationError(r.confirmation, 'Match');
    });
  }

  /** ZFM-specific: change the data packet size (SetSysPara parameter 6); the module keeps it across power cycles. */
  setPacketSize(size: 32 | 64 | 128 | 256): Promise<void> {
    return this.#exclusive(async () => {
      await this.#ok('SetSysPara', { parameter: SysParam.PacketSize, value: packetSizeCode(size) });
      this.#link = { ...this.#link, packetSize: size };
    });
  }

  /** ZFM-specific: number of templates stored in the module's own library. */
  templateCount(): Promise<number> {
    return this.#exclusive(async () => (await this.#ok('TemplateNum', {})).count);
  }

  // ---- internals ----

  async #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#probing !== undefined) await this.#probing;
    if (this.#state === 'busy') throw fingerprintError('DEVICE_BUSY');
    if (this.#state !== 'ready') throw fingerprintError('FP_NOT_OPEN', { state: this.#state });
    this.#setState('busy');
    try {
      return await fn();
    } finally {
      // close() may have run meanwhile; only a still-busy reader returns to ready.
      if ((this.#state as ReaderState) === 'busy') this.#setState('ready');
    }
  }

  #run<N extends ZfmCommandName>(name: N, req: ReqOf<N>, options?: RunOptions): Promise<RunResult<N>> {
    const t = this.#transactor;
    if (!t) return Promise.reject(fingerprintError('DEVICE_NOT_CONNECTED'));
    return t.run(name, req, options);
  }

  async #ok<N extends ZfmCommandName>(name: N, req: ReqOf<N>, options?: RunOptions): Promise<NonNullable<RunResult<N>['result']>> {
    const r = await this.#run(name, req, options);
    if (r.confirmation !== CONFIRMATION_OK || r.result === undefined) throw confirmationError(r.confirmation, name);
    return r.result as NonNullable<RunResult<N>['result']>;
  }

  async #upload<N extends 'UpImage' | 'UpChar'>(name: N, req: ReqOf<N>, expectBytes: number, transferError: FingerprintErrorCode): Promise<Uint8Array> {
    const r = await this.#run(name, req, { expectBytes, transferError });
    if (r.confirmation !== CONFIRMATION_OK) throw confirmationError(r.confirmation, name);
    if (!r.data || r.data.length !== expectBytes) throw fingerprintError(transferError, { expected: expectBytes, received: r.data?.length ?? 0 });
    return r.data;
  }

  async #poll(options: WaitOptions, timeoutCode: FingerprintErrorCode, done: (confirmation: number) => boolean): Promise<void> {
    const pollMs = options.pollMs ?? this.#o.pollMs ?? 200;
    const deadline = this.#clock.now() + options.timeoutMs;
    for (;;) {
      if (options.signal?.aborted) throw fingerprintError('FP_ABORTED');
      const r = await this.#run('GenImg', {});
      if (done(r.confirmation)) return;
      // 00 finger, 02 no finger, 03 a poor image of a finger: anything else is a fault to report.
      if (![CONFIRMATION_OK, CONFIRMATION_NO_FINGER, 0x03].includes(r.confirmation)) throw confirmationError(r.confirmation, 'GenImg');
      if (this.#clock.now() + pollMs > deadline) throw fingerprintError(timeoutCode, { timeoutMs: options.timeoutMs });
      await sleep(this.#clock, pollMs, options.signal);
    }
  }

  #setState(s: ReaderState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.emit('state', s);
  }
}

/** The module said nothing (wrong rate, not powered): worth trying another rate. Other failures are answers. */
function isSilence(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'FP_ACK_TIMEOUT' || code === 'FP_BAD_RESPONSE';
}

function sleep(clock: DeviceClock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(fingerprintError('FP_ABORTED') as ApplianceError);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
