import { ApplianceError, isApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { ByteReader, ByteWriter } from './byte-cursor.ts';

/**
 * One codec per ZFM instruction (R307/R503/AS608 datasheet "Instruction table"; codes cross-checked
 * against Adafruit_Fingerprint.h). A command packet's payload is `instruction code | params`; the
 * acknowledge packet's payload is `confirmation code | result`. Each entry encodes and decodes both
 * directions so the driver and the simulator share one definition of every message.
 */
export type CharBuffer = 1 | 2;

export interface CommandCodec<Req, Res> {
  readonly name: string;
  readonly code: number;
  /** 'upload': data packets follow a successful ack (module → host); 'download': host → module. */
  readonly dataPhase?: 'upload' | 'download';
  /** Confirmation codes other than 00 whose ack still carries the result (Match 08 carries a score). */
  readonly resultOn?: readonly number[];
  encodeParams(w: ByteWriter, req: Req): void;
  decodeParams(r: ByteReader): Req;
  encodeResult(w: ByteWriter, res: Res): void;
  decodeResult(r: ByteReader): Res;
  /** Safe log form of the parameters: never passwords, templates or images. */
  logParams(req: Req): Record<string, unknown>;
}

type Empty = Record<string, never>;
const empty: Empty = {};

function none<Name extends string>(name: Name, code: number, dataPhase?: 'upload' | 'download'): CommandCodec<Empty, Empty> {
  return {
    name,
    code,
    ...(dataPhase ? { dataPhase } : {}),
    encodeParams() {},
    decodeParams: () => empty,
    encodeResult() {},
    decodeResult: () => empty,
    logParams: () => ({}),
  };
}

function charBuffer(r: ByteReader): CharBuffer {
  const b = r.u8('buffer id');
  if (b !== 1 && b !== 2) throw badField(`char buffer must be 1 or 2, got ${b}`);
  return b;
}

function bufferOnly(name: string, code: number, dataPhase?: 'upload' | 'download'): CommandCodec<{ buffer: CharBuffer }, Empty> {
  return {
    name,
    code,
    ...(dataPhase ? { dataPhase } : {}),
    encodeParams: (w, req) => void w.u8(req.buffer),
    decodeParams: (r) => ({ buffer: charBuffer(r) }),
    encodeResult() {},
    decodeResult: () => empty,
    logParams: (req) => ({ buffer: req.buffer }),
  };
}

/** A char buffer and a library page (Store: buffer → page; LoadChar: page → buffer); answers with nothing. */
function bufferAndPage(name: string, code: number): CommandCodec<{ buffer: CharBuffer; pageId: number }, Empty> {
  return {
    name,
    code,
    encodeParams: (w, req) => void w.u8(req.buffer).u16(req.pageId),
    decodeParams: (r) => ({ buffer: charBuffer(r), pageId: r.u16('page id') }),
    encodeResult() {},
    decodeResult: () => empty,
    logParams: (req) => ({ ...req }),
  };
}

/** No parameters; the answer is one 16-bit number named `field` (`resultOn`: other confirmations that carry it too). */
function numberAnswer<Field extends string>(name: string, code: number, field: Field, label: string, resultOn?: readonly number[]): CommandCodec<Empty, Record<Field, number>> {
  return {
    ...none(name, code),
    ...(resultOn ? { resultOn } : {}),
    encodeResult: (w, res) => void w.u16(res[field]),
    decodeResult: (r) => ({ [field]: r.u16(label) }) as Record<Field, number>,
  };
}

export interface SystemParameters {
  readonly statusRegister: number;
  readonly systemId: number;
  readonly libraryCapacity: number;
  readonly securityLevel: number;
  readonly address: number;
  /** 0..3 → 32/64/128/256 bytes per data packet. */
  readonly packetSizeCode: number;
  /** Baud rate = N × 9600. */
  readonly baudMultiplier: number;
}

export const packetSizeFromCode = (code: number): number => 32 << code;
export function packetSizeCode(size: number): number {
  const code = [32, 64, 128, 256].indexOf(size);
  if (code < 0) throw badField(`packet size must be 32, 64, 128 or 256, got ${size}`);
  return code;
}

/** SetSysPara parameter numbers (datasheet "Set module system's basic parameter"). */
export const SysParam = { BaudRate: 4, SecurityLevel: 5, PacketSize: 6 } as const;

export const ZfmCommands = {
  GenImg: none('GenImg', 0x01),
  Img2Tz: bufferOnly('Img2Tz', 0x02),
  Match: numberAnswer('Match', 0x03, 'score', 'match score', [0x08]),
  Search: {
    name: 'Search',
    code: 0x04,
    encodeParams: (w, req) => void w.u8(req.buffer).u16(req.startPage).u16(req.pageCount),
    decodeParams: (r) => ({ buffer: charBuffer(r), startPage: r.u16('start page'), pageCount: r.u16('page count') }),
    encodeResult: (w, res) => void w.u16(res.pageId).u16(res.score),
    decodeResult: (r) => ({ pageId: r.u16('page id'), score: r.u16('score') }),
    logParams: (req) => ({ ...req }),
  } satisfies CommandCodec<{ buffer: CharBuffer; startPage: number; pageCount: number }, { pageId: number; score: number }>,
  RegModel: none('RegModel', 0x05),
  Store: bufferAndPage('Store', 0x06),
  LoadChar: bufferAndPage('LoadChar', 0x07),
  UpChar: bufferOnly('UpChar', 0x08, 'upload'),
  DownChar: bufferOnly('DownChar', 0x09, 'download'),
  UpImage: none('UpImage', 0x0a, 'upload'),
  Empty: none('Empty', 0x0d),
  SetSysPara: {
    name: 'SetSysPara',
    code: 0x0e,
    encodeParams: (w, req) => void w.u8(req.parameter).u8(req.value),
    decodeParams: (r) => ({ parameter: r.u8('parameter'), value: r.u8('value') }),
    encodeResult() {},
    decodeResult: () => empty,
    logParams: (req) => ({ ...req }),
  } satisfies CommandCodec<{ parameter: number; value: number }, Empty>,
  ReadSysPara: {
    name: 'ReadSysPara',
    code: 0x0f,
    encodeParams() {},
    decodeParams: () => empty,
    // 16 bytes: status, system id, library size, security level, address(4), packet size code, baud N.
    encodeResult: (w, p) =>
      void w
        .u16(p.statusRegister)
        .u16(p.systemId)
        .u16(p.libraryCapacity)
        .u16(p.securityLevel)
        .u32(p.address)
        .u16(p.packetSizeCode)
        .u16(p.baudMultiplier),
    decodeResult: (r) => ({
      statusRegister: r.u16('status register'),
      systemId: r.u16('system id'),
      libraryCapacity: r.u16('library capacity'),
      securityLevel: r.u16('security level'),
      address: r.u32('device address'),
      packetSizeCode: r.u16('packet size code'),
      baudMultiplier: r.u16('baud multiplier'),
    }),
    logParams: () => ({}),
  } satisfies CommandCodec<Empty, SystemParameters>,
  VfyPwd: {
    name: 'VfyPwd',
    code: 0x13,
    encodeParams: (w, req) => void w.u32(req.password),
    decodeParams: (r) => ({ password: r.u32('password') }),
    encodeResult() {},
    decodeResult: () => empty,
    logParams: () => ({ password: '[redacted]' }),
  } satisfies CommandCodec<{ password: number }, Empty>,
  TemplateNum: numberAnswer('TemplateNum', 0x1d, 'count', 'template count'),
} as const;

export type ZfmCommandName = keyof typeof ZfmCommands;
export type ReqOf<N extends ZfmCommandName> = (typeof ZfmCommands)[N] extends { decodeParams(r: ByteReader): infer Q } ? Q : never;
export type ResOf<N extends ZfmCommandName> = (typeof ZfmCommands)[N] extends { decodeResult(r: ByteReader): infer S } ? S : never;
// biome-ignore lint/suspicious/noExplicitAny: the table holds codecs of different shapes
export type AnyCommandCodec = CommandCodec<any, any>;

const byCode = new Map<number, AnyCommandCodec>(Object.values(ZfmCommands).map((c) => [c.code, c as AnyCommandCodec]));

export function commandByCode(code: number): AnyCommandCodec | undefined {
  return byCode.get(code);
}

/** Command packet payload: instruction code then parameters. */
export function encodeCommand<N extends ZfmCommandName>(name: N, req: ReqOf<N>): Uint8Array {
  const codec = ZfmCommands[name] as AnyCommandCodec;
  const w = new ByteWriter().u8(codec.code);
  codec.encodeParams(w, req);
  return w.toBytes();
}

export type DecodedCommand = { readonly codec: AnyCommandCodec; readonly req: unknown } | { readonly error: ApplianceError; readonly code: number };

/** For the simulator: which instruction is this and with what parameters (errors as values). */
export function decodeCommand(payload: Uint8Array): DecodedCommand {
  const r = new ByteReader(payload);
  try {
    const code = r.u8('instruction code');
    const codec = byCode.get(code);
    if (!codec) return { code, error: badField(`unknown instruction 0x${code.toString(16)}`) };
    return { codec, req: codec.decodeParams(r) };
  } catch (err) {
    return { code: payload[0] ?? -1, error: asBadResponse(err) };
  }
}

/** Acknowledge payload: confirmation code, then the result when the code carries one. */
export function encodeAck(codec: AnyCommandCodec, confirmation: number, result?: unknown): Uint8Array {
  const w = new ByteWriter().u8(confirmation);
  if (result !== undefined && (confirmation === 0 || codec.resultOn?.includes(confirmation))) codec.encodeResult(w, result);
  return w.toBytes();
}

export interface DecodedAck<Res> {
  readonly confirmation: number;
  /** Present when confirmation is 00 or one of the codec's `resultOn` codes. */
  readonly result: Res | undefined;
}

/** Throws FP_BAD_RESPONSE when the ack is too short for its command. */
export function decodeAck<N extends ZfmCommandName>(name: N, payload: Uint8Array): DecodedAck<ResOf<N>> {
  const codec = ZfmCommands[name] as AnyCommandCodec;
  const r = new ByteReader(payload);
  try {
    const confirmation = r.u8('confirmation code');
    const hasResult = confirmation === 0 || codec.resultOn?.includes(confirmation) === true;
    return { confirmation, result: hasResult ? (codec.decodeResult(r) as ResOf<N>) : undefined };
  } catch (err) {
    throw asBadResponse(err, { command: codec.name });
  }
}

function badField(detail: string): ApplianceError {
  return new ApplianceError(FirmwareBridgeErrors.FP_BAD_RESPONSE.code, `malformed ZFM message: ${detail}`);
}

function asBadResponse(err: unknown, context: Record<string, unknown> = {}): ApplianceError {
  if (isApplianceError(err, FirmwareBridgeErrors.FP_BAD_RESPONSE.code)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new ApplianceError(FirmwareBridgeErrors.FP_BAD_RESPONSE.code, `malformed ZFM message: ${detail}`, context, { cause: err });
}
