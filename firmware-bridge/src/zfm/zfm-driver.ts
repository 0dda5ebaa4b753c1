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
  /** Baud rate assumed before ReadSysPara reports the module's own (default 57600). */
  baudRate?: number;
  /** Bytes an UpChar data phase must deliver and a DownChar must send (default 512). */
  templateBytes?: number;
  /** Default poll interval of waitForFinger/waitForLift (default 200 ms). */
  pollMs?: number;
}

export const ZFM_TEMPLATE_FORMAT = 'zfm-r30x';

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

  constructor(options: ZfmDriverOptions) {
    super();
    this.#o = options;
    this.#log = options.logger ?? createLogger('zfm:driver');
    this.#timeouts = { ...defaultTimeouts, ...options.timeouts };
    this.#address = options.address ?? ZFM_DEFAULT_ADDRESS;
    this.#templateBytes = options.templateBytes ?? 512;
    this.#link = { packetSize: 128, baudRate: options.baudRate ?? 57600 };
  }

  get state(): ReaderState {
    return this.#state;
  }

  async open(): Promise<void> {
    if (this.#state !== 'closed' && this.#state !== 'failed') return;
    this.#setState('opening');
    const transport = this.#o.transportFactory();
    const transactor = new ZfmTransactor({
      write: (bytes) => transport.write(bytes),
      address: this.#address,
      logger: this.#log,
      timeouts: this.#timeouts,
      link: () => this.#link,
      onState: (s) => this.#log.trace({ request: s }, 'request state'),
    });
    transport.on('data', (chunk) => transactor.receive(chunk));
    // A vanished port shows up as 'close' or, on some ttys (EIO from a pty whose peer is gone), only as 'error':
    // either way the module is lost and the driver ends closed, so the feature above can reopen it.
    const lost = () => {
      transactor.transportClosed();
      if (this.#transport === transport) {
        this.#transport = undefined;
        this.#transactor = undefined;
        this.#setState('closed');
        transport.close().catch(() => {});
      }
    };
    transport.on('error', (err) => {
      this.#log.warn({ err: err.message }, 'transport error: treating the module as disconnected');
      lost();
    });
    transport.on('close', lost);
    this.#transport = transport;
    this.#transactor = transactor;
    try {
      await transport.open();
      await this.#ok('VfyPwd', { password: this.#o.password ?? 0 });
      const params = await this.#ok('ReadSysPara', {});
      if (params.packetSizeCode > 3 || params.baudMultiplier === 0) {
        throw fingerprintError('FP_BAD_RESPONSE', { packetSizeCode: params.packetSizeCode, baudMultiplier: params.baudMultiplier });
      }
      this.#params = params;
      this.#link = { packetSize: packetSizeFromCode(params.packetSizeCode), baudRate: params.baudMultiplier * 9600 };
      this.#log.info({ id: transport.id, ...this.#link, capacity: params.libraryCapacity }, 'fingerprint module ready');
      this.#setState('ready');
    } catch (err) {
      this.#transport = undefined;
      this.#transactor = undefined;
      await transport.close().catch(() => undefined);
      this.#setState('failed');
      throw err;
    }
  }

  async close(): Promise<void> {
    const t = this.#transport;
    this.#transport = undefined;
    this.#transactor?.transportClosed();
    this.#transactor = undefined;
    if (t) await t.close();
    this.#setState('closed');
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
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      if (options.signal?.aborted) throw fingerprintError('FP_ABORTED');
      const r = await this.#run('GenImg', {});
      if (done(r.confirmation)) return;
      // 00 finger, 02 no finger, 03 a poor image of a finger: anything else is a fault to report.
      if (![CONFIRMATION_OK, CONFIRMATION_NO_FINGER, 0x03].includes(r.confirmation)) throw confirmationError(r.confirmation, 'GenImg');
      if (Date.now() + pollMs > deadline) throw fingerprintError(timeoutCode, { timeoutMs: options.timeoutMs });
      await sleep(pollMs, options.signal);
    }
  }

  #setState(s: ReaderState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.emit('state', s);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(fingerprintError('FP_ABORTED') as ApplianceError);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
