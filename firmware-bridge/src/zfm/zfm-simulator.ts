import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { FingerprintErrorCode } from '../fingerprint/fingerprint-errors.ts';
import type { GreyImage } from '../fingerprint/fingerprint-reader.ts';
import { assessQuality } from '../fingerprint/quality.ts';
import type { DeviceClock } from '../transport/device-clock.ts';
import type { ByteTransport } from '../transport/transport.ts';
import { PacedWriter } from './paced-writer.ts';
import { type AnyCommandCodec, type CharBuffer, decodeCommand, encodeAck, packetSizeCode, packetSizeFromCode, SysParam } from './zfm-commands.ts';
import { confirmationForErrorCode } from './zfm-confirmation.ts';
import { packImage4bpp } from './zfm-image.ts';
import { encodePacket, PacketType, ZFM_DEFAULT_ADDRESS, type ZfmPacket } from './zfm-packet.ts';
import { type CaptureConditions, renderCapture } from './zfm-sim-fingers.ts';
import { decodeSimTemplate, extractFeatures, matchScore, SIM_TEMPLATE_BYTES, templateFromImage } from './zfm-sim-template.ts';
import { ZfmStreamParser } from './zfm-stream-parser.ts';

/**
 * A simulated R307-class module speaking the real bytes over any ByteTransport (in tests and for
 * `npm start` without hardware: the simulator end of a pty pair). Behaviour is driven by small,
 * test-controlled state: a finger on or off the glass, and a queue of one-shot faults.
 */
export interface ZfmSimulatorOptions {
  transport: ByteTransport;
  /** Line speed used to pace replies (10 bits per byte). Default 57600. */
  baudRate?: number;
  /** Data packet size: 32, 64, 128 or 256. Default 128 (R307 factory setting). */
  packetSize?: number;
  address?: number;
  password?: number;
  libraryCapacity?: number;
  /** 1..5: raises the Match/Search threshold. Default 3. */
  securityLevel?: number;
  logger?: Logger;
  /** Paces replies (tests pass a ManualClock). */
  clock?: DeviceClock;
  /**
   * What SetSysPara baud (register 4) does: 'accept' acks and switches (the datasheet's module), 'refuse'
   * answers 1A (invalid register, some clones), 'ack-but-stay' acks and keeps its rate (a faulty module).
   */
  baudChange?: 'accept' | 'refuse' | 'ack-but-stay';
}

type DataCommand = 'UpImage' | 'UpChar';

type Fault =
  | { readonly kind: 'fail'; readonly confirmation: number; readonly command: string | undefined }
  | { readonly kind: 'corrupt-data' | 'drop-data'; readonly packetIndex: number; readonly command: DataCommand };

/** Which instruction a failNext(code) applies to when the test does not say. */
const defaultCommandFor: Partial<Record<string, string>> = {
  FP_NO_FINGER: 'GenImg',
  FP_ENROL_FAILED: 'GenImg',
  FP_IMAGE_MESSY: 'Img2Tz',
  FP_TOO_FEW_FEATURES: 'Img2Tz',
  FP_IMAGE_UPLOAD_ERROR: 'UpImage',
  FP_TEMPLATE_UPLOAD_ERROR: 'UpChar',
  FP_WRONG_PASSWORD: 'VfyPwd',
  FP_NO_MATCH: 'Match',
  FP_MERGE_FAILED: 'RegModel',
  FP_FLASH_WRITE_ERROR: 'Store',
};

/** Match score thresholds per security level (scores are 0..1000, see zfm-sim-template.ts). */
const THRESHOLDS = [450, 525, 600, 675, 750];

export class ZfmSimulator {
  readonly #t: ByteTransport;
  readonly #writer: PacedWriter;
  readonly #log: Logger;
  readonly #parser: ZfmStreamParser;
  readonly #address: number;
  readonly #password: number;
  readonly #capacity: number;
  #packetSize: number;
  #security: number;
  #finger: { personId: string; finger: string; conditions: CaptureConditions; captures: number } | undefined;
  #image: GreyImage | undefined;
  readonly #buffers = new Map<CharBuffer, Uint8Array>();
  readonly #library = new Map<number, Uint8Array>();
  #faults: Fault[] = [];
  #pauseNext: { afterBytes: number; ms: number } | undefined;
  #silent = false;
  #download: { buffer: CharBuffer; chunks: Uint8Array[] } | undefined;
  #queue: Promise<void> = Promise.resolve();
  readonly #onData = (chunk: Buffer) => this.#parser.push(chunk);
  readonly #baudChange: NonNullable<ZfmSimulatorOptions['baudChange']>;
  /** Commands received, by name, for tests that assert what the driver sent. */
  readonly received: string[] = [];

  constructor(o: ZfmSimulatorOptions) {
    this.#t = o.transport;
    this.#writer = new PacedWriter(o.transport, o.baudRate ?? 57600, o.clock);
    this.#baudChange = o.baudChange ?? 'accept';
    this.#setLineBaud(this.#writer.baudRate);
    this.#log = o.logger ?? createLogger('zfm:sim');
    this.#address = o.address ?? ZFM_DEFAULT_ADDRESS;
    this.#password = o.password ?? 0;
    this.#capacity = o.libraryCapacity ?? 1000;
    this.#packetSize = o.packetSize ?? 128;
    packetSizeCode(this.#packetSize);
    this.#security = o.securityLevel ?? 3;
    this.#parser = new ZfmStreamParser({
      onPacket: (p) => this.#onPacket(p),
      onReport: (r) => this.#log.debug({ ...r }, 'framing problem'),
    });
  }

  get baudRate(): number {
    return this.#writer.baudRate;
  }
  get packetSize(): number {
    return this.#packetSize;
  }

  async start(): Promise<void> {
    if (!this.#t.isOpen) await this.#t.open();
    this.#t.on('data', this.#onData);
  }

  async stop(): Promise<void> {
    this.#t.off('data', this.#onData);
    await this.#t.close();
  }

  // ---- behaviours the tests (and the training UI) control ----

  placeFinger(personId: string, finger: string, conditions: CaptureConditions = {}): void {
    this.#finger = { personId, finger, conditions, captures: 0 };
  }
  liftFinger(): void {
    this.#finger = undefined;
  }
  get fingerPresent(): boolean {
    return this.#finger !== undefined;
  }
  /** The next matching instruction (default: the one that normally reports this code) answers with it. */
  failNext(code: FingerprintErrorCode, command?: string): void {
    const confirmation = confirmationForErrorCode(code);
    if (confirmation === undefined) throw new Error(`no ZFM confirmation code maps to ${code}`);
    this.#faults.push({ kind: 'fail', confirmation, command: command ?? defaultCommandFor[code] });
  }
  /** Flip a payload byte of the n-th (0-based) data packet of the next upload. */
  corruptDataPacket(packetIndex = 1, command: DataCommand = 'UpImage'): void {
    this.#faults.push({ kind: 'corrupt-data', packetIndex, command });
  }
  /** Leave out the n-th (0-based; -1 = the end packet) data packet of the next upload. */
  dropDataPacket(packetIndex = 1, command: DataCommand = 'UpImage'): void {
    this.#faults.push({ kind: 'drop-data', packetIndex, command });
  }
  /** The next upload stalls for `ms` after `afterBytes` bytes of its data phase, then carries on (a busy module). */
  pauseNextUpload(afterBytes: number, ms: number): void {
    this.#pauseNext = { afterBytes, ms };
  }
  /** Raw bytes on the line now, e.g. a false packet header while idle (noise, a module rebooting). */
  injectBytes(bytes: Uint8Array): Promise<void> {
    return this.#writer.write(bytes);
  }
  /** Stop answering (a module that lost power or a cable pulled on its TX line). */
  setSilent(silent: boolean): void {
    this.#silent = silent;
  }
  get libraryCount(): number {
    return this.#library.size;
  }

  // ---- protocol ----

  #onPacket(packet: ZfmPacket): void {
    if (packet.address !== this.#address) return;
    if (this.#download && (packet.type === PacketType.Data || packet.type === PacketType.EndData)) {
      this.#download.chunks.push(packet.payload);
      if (packet.type === PacketType.EndData) {
        this.#buffers.set(this.#download.buffer, Buffer.concat(this.#download.chunks));
        this.#download = undefined;
      }
      return;
    }
    if (packet.type !== PacketType.Command) return;
    // One instruction at a time, in arrival order, like the module's firmware loop.
    this.#queue = this.#queue.then(() => this.#handle(packet.payload)).catch((err: unknown) => this.#log.error({ err }, 'simulator fault'));
  }

  async #handle(payload: Uint8Array): Promise<void> {
    const decoded = decodeCommand(payload);
    if ('error' in decoded) {
      this.received.push(`0x${decoded.code.toString(16)}`);
      if (!this.#silent) await this.#send(PacketType.Ack, new Uint8Array([0x01]));
      return;
    }
    const { codec, req } = decoded;
    this.received.push(codec.name);
    if (this.#silent) return;
    const fault = this.#takeFault((f) => f.kind === 'fail' && (f.command === undefined || f.command === codec.name));
    if (fault?.kind === 'fail') {
      await this.#ack(codec, fault.confirmation, fault.confirmation === 0x08 ? { score: 0 } : undefined);
      return;
    }
    await this.#execute(codec, req as Record<string, number>);
  }

  async #execute(codec: AnyCommandCodec, req: Record<string, number>): Promise<void> {
    const buffer = (req.buffer ?? 1) as CharBuffer;
    switch (codec.name) {
      case 'VfyPwd':
        return this.#ack(codec, req.password === this.#password ? 0 : 0x13);
      case 'ReadSysPara':
        return this.#ack(codec, 0, {
          statusRegister: 0,
          systemId: 0x0009,
          libraryCapacity: this.#capacity,
          securityLevel: this.#security,
          address: this.#address,
          packetSizeCode: packetSizeCode(this.#packetSize),
          baudMultiplier: Math.round(this.#writer.baudRate / 9600),
        });
      case 'SetSysPara':
        return this.#setSysPara(codec, req.parameter ?? 0, req.value ?? 0);
      case 'GenImg': {
        const f = this.#finger;
        if (!f) return this.#ack(codec, 0x02);
        f.captures++;
        this.#image = renderCapture(f.personId, f.finger, String(f.captures), f.conditions);
        return this.#ack(codec, 0);
      }
      case 'UpImage':
        if (!this.#image) return this.#ack(codec, 0x15);
        await this.#ack(codec, 0);
        return this.#upload('UpImage', packImage4bpp(this.#image));
      case 'Img2Tz': {
        if (!this.#image) return this.#ack(codec, 0x15);
        const features = extractFeatures(this.#image);
        if (features.foreground < 40) return this.#ack(codec, 0x07);
        if (assessQuality(this.#image).score < 20) return this.#ack(codec, 0x06);
        this.#buffers.set(buffer, templateFromImage(this.#image));
        return this.#ack(codec, 0);
      }
      case 'UpChar': {
        const t = this.#buffers.get(buffer);
        if (!t) return this.#ack(codec, 0x0d);
        await this.#ack(codec, 0);
        return this.#upload('UpChar', t);
      }
      case 'DownChar':
        this.#download = { buffer, chunks: [] };
        return this.#ack(codec, 0);
      case 'Match': {
        const score = this.#score(this.#buffers.get(1), this.#buffers.get(2));
        return this.#ack(codec, score >= this.#threshold() ? 0 : 0x08, { score });
      }
      case 'RegModel': {
        const a = this.#buffers.get(1);
        if (!a || this.#score(a, this.#buffers.get(2)) < this.#threshold()) return this.#ack(codec, 0x0a);
        this.#buffers.set(2, a);
        return this.#ack(codec, 0);
      }
      case 'Store': {
        const t = this.#buffers.get(buffer);
        const page = req.pageId ?? 0;
        if (page >= this.#capacity) return this.#ack(codec, 0x0b);
        if (!t) return this.#ack(codec, 0x01);
        this.#library.set(page, t);
        return this.#ack(codec, 0);
      }
      case 'LoadChar': {
        const page = req.pageId ?? 0;
        if (page >= this.#capacity) return this.#ack(codec, 0x0b);
        const t = this.#library.get(page);
        if (!t) return this.#ack(codec, 0x0c);
        this.#buffers.set(buffer, t);
        return this.#ack(codec, 0);
      }
      case 'Search': {
        const probe = this.#buffers.get(buffer);
        let best = { pageId: 0, score: 0 };
        const end = (req.startPage ?? 0) + (req.pageCount ?? 0);
        for (const [pageId, t] of this.#library) {
          if (pageId < (req.startPage ?? 0) || pageId >= end) continue;
          const score = this.#score(probe, t);
          if (score > best.score) best = { pageId, score };
        }
        return best.score >= this.#threshold() ? this.#ack(codec, 0, best) : this.#ack(codec, 0x09);
      }
      case 'TemplateNum':
        return this.#ack(codec, 0, { count: this.#library.size });
      case 'Empty':
        this.#library.clear();
        return this.#ack(codec, 0);
      default:
        return this.#ack(codec, 0x01);
    }
  }

  async #setSysPara(codec: AnyCommandCodec, parameter: number, value: number): Promise<void> {
    // The new setting applies from the next packet on: the ack itself is already queued with the
    // old line speed (datasheet SetSysPara: the module answers, then switches).
    if (parameter === SysParam.PacketSize && value <= 3) {
      const sent = this.#ack(codec, 0);
      this.#packetSize = packetSizeFromCode(value);
      await sent;
    } else if (parameter === SysParam.SecurityLevel && value >= 1 && value <= 5) {
      this.#security = value;
      await this.#ack(codec, 0);
    } else if (parameter === SysParam.BaudRate && value >= 1 && value <= 12 && this.#baudChange !== 'refuse') {
      const sent = this.#ack(codec, 0);
      await sent;
      if (this.#baudChange === 'accept') {
        this.#writer.baudRate = value * 9600;
        this.#setLineBaud(value * 9600);
      }
    } else {
      await this.#ack(codec, 0x1a);
    }
  }

  #threshold(): number {
    return THRESHOLDS[Math.min(5, Math.max(1, this.#security)) - 1] ?? 600;
  }

  #score(a: Uint8Array | undefined, b: Uint8Array | undefined): number {
    const fa = a && a.length === SIM_TEMPLATE_BYTES ? decodeSimTemplate(a) : undefined;
    const fb = b && b.length === SIM_TEMPLATE_BYTES ? decodeSimTemplate(b) : undefined;
    return fa && fb ? matchScore(fa, fb) : 0;
  }

  #takeFault(pred: (f: Fault) => boolean): Fault | undefined {
    const i = this.#faults.findIndex(pred);
    if (i < 0) return undefined;
    return this.#faults.splice(i, 1)[0];
  }

  async #upload(command: DataCommand, data: Uint8Array): Promise<void> {
    const fault = this.#takeFault((f) => f.kind !== 'fail' && f.command === command);
    const count = Math.ceil(data.length / this.#packetSize);
    const target = fault && fault.kind !== 'fail' ? (fault.packetIndex < 0 ? count + fault.packetIndex : fault.packetIndex) : -1;
    const packets: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const last = i === count - 1;
      const payload = data.slice(i * this.#packetSize, (i + 1) * this.#packetSize);
      if (fault?.kind === 'drop-data' && target === i) continue;
      const bytes = encodePacket({ address: this.#address, type: last ? PacketType.EndData : PacketType.Data, payload });
      // Corrupt after the checksum is computed, as line noise would.
      if (fault?.kind === 'corrupt-data' && target === i) bytes[20] = (bytes[20] ?? 0) ^ 0x5a;
      packets.push(bytes);
    }
    const pause = this.#pauseNext;
    this.#pauseNext = undefined;
    if (pause) this.#writer.pauseNextWrite(pause.afterBytes, pause.ms);
    await this.#writer.write(Buffer.concat(packets));
  }

  /** On an in-memory line the UART speed is modelled: a host at another rate receives garbage. */
  #setLineBaud(baudRate: number): void {
    const t = this.#t as ByteTransport & { baudRate?: number };
    if ('baudRate' in t) t.baudRate = baudRate;
  }

  #ack(codec: AnyCommandCodec, confirmation: number, result?: unknown): Promise<void> {
    return this.#send(PacketType.Ack, encodeAck(codec, confirmation, result));
  }

  #send(type: PacketType, payload: Uint8Array): Promise<void> {
    return this.#writer.write(encodePacket({ address: this.#address, type, payload }));
  }
}
