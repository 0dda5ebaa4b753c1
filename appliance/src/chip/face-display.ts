/**
 * A JPEG 2000 face from DG2 made displayable: decoded by OpenJPEG (@cornerstonejs/codec-openjpeg, OpenJPEG compiled
 * to WebAssembly, its decode-only build) and encoded again as a baseline JPEG (jpeg-js) for the screen, the review
 * and the slip. The bytes as read stay what is stored, hashed by passive authentication and forwarded; this JPEG is
 * only for looking at.
 *
 * Bounded before anything is decoded: the codestream's SIZ marker (ISO/IEC 15444-1 A.5.1) is read here and a face
 * wider or taller than FACE_DECODE_LIMITS.maxSide, larger than maxPixels, with more than 4 components, more than 16
 * bits, or subsampled components is refused with CHIP_FACE_UNDECODABLE, as is anything the decoder cannot make an
 * image of. Runs in the appliance's CPU pool (workers/cpu-jobs.ts faceJpegInPool): decode and JPEG encode of a 180×240 face
 * take about 110–135 ms warm, 200–700 ms for the first in a thread (the WebAssembly compile).
 */
import { createRequire } from 'node:module';
import jpeg from 'jpeg-js';
import { FirmwareBridgeErrors } from '@lmc/firmware-bridge/errors.ts';
import type { OpenJpegFrameInfo } from '@lmc/firmware-bridge/chip/simulator/make-face-jp2.ts';
import { ApplianceError } from '../errors.ts';

export const FACE_DECODE_LIMITS = { maxBytes: 1_048_576, maxSide: 2048, maxPixels: 2048 * 2048 } as const;

/** The JPEG quality of the displayable copy. */
const JPEG_QUALITY = 90;

type FrameInfo = OpenJpegFrameInfo;
interface Decoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}
type OpenJpeg = { J2KDecoder: new () => Decoder };

const undecodable = (why: string) => new ApplianceError(FirmwareBridgeErrors.CHIP_FACE_UNDECODABLE.code, `JPEG 2000 face not decoded: ${why}`);

let module: Promise<OpenJpeg> | undefined;

/** The WebAssembly module, loaded once per thread; its log lines ([INFO] …) are dropped. */
function openJpeg(): Promise<OpenJpeg> {
  if (!module) {
    const factory = createRequire(import.meta.url)('@cornerstonejs/codec-openjpeg/decodewasmjs') as (o: object) => Promise<OpenJpeg>;
    module = factory({ print: () => {}, printErr: () => {} });
    module.catch(() => {
      module = undefined;
    });
  }
  return module;
}

export interface Jpeg2000Header {
  /** The codestream: the jp2c box's content of a JP2 file, or the input itself when it is a bare codestream. */
  readonly codestream: Buffer;
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly bits: number;
  /** JP2 colr enumerated colour space (16 sRGB, 17 grey, 18 sYCC), null when absent or a bare codestream. */
  readonly colourSpace: number | null;
}

const JP2_SIGNATURE = Buffer.from('0000000c6a5020200d0a870a', 'hex');

/** Walks JP2 boxes (15444-1 I.4) for jp2c and colr; a bare codestream is taken as it is. */
function unwrap(data: Buffer): { codestream: Buffer; colourSpace: number | null } {
  if (!data.subarray(0, 12).equals(JP2_SIGNATURE)) return { codestream: data, colourSpace: null };
  let colourSpace: number | null = null;
  const walk = (from: number, to: number): Buffer | null => {
    let p = from;
    while (p + 8 <= to) {
      let length = data.readUInt32BE(p);
      const type = data.toString('latin1', p + 4, p + 8);
      let header = 8;
      if (length === 1) {
        if (p + 16 > to) throw undecodable('truncated box');
        const big = data.readBigUInt64BE(p + 8);
        if (big > BigInt(to - p)) throw undecodable(`box ${type} longer than the file`);
        length = Number(big);
        header = 16;
      } else if (length === 0) length = to - p;
      if (length < header || p + length > to) throw undecodable(`box ${type} longer than the file`);
      if (type === 'jp2c') return data.subarray(p + header, p + length);
      if (type === 'jp2h') {
        const inner = walk(p + header, p + length);
        if (inner) return inner;
      }
      if (type === 'colr' && length >= header + 7 && data[p + header] === 1) colourSpace = data.readUInt32BE(p + header + 3);
      p += length;
    }
    return null;
  };
  const codestream = walk(0, data.length);
  if (!codestream) throw undecodable('no codestream box (jp2c)');
  return { codestream, colourSpace };
}

/** The image's size and form from the SIZ marker, checked against FACE_DECODE_LIMITS. */
export function jpeg2000Header(data: Buffer): Jpeg2000Header {
  if (data.length > FACE_DECODE_LIMITS.maxBytes) throw undecodable(`${data.length} bytes, more than ${FACE_DECODE_LIMITS.maxBytes}`);
  const { codestream, colourSpace } = unwrap(data);
  // SOC, then SIZ first of the main header: FF4F FF51 Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz {Ssiz XRsiz YRsiz}
  if (codestream.length < 42 || codestream.readUInt16BE(0) !== 0xff4f || codestream.readUInt16BE(2) !== 0xff51) throw undecodable('no SOC and SIZ markers');
  const lsiz = codestream.readUInt16BE(4);
  const width = codestream.readUInt32BE(8) - codestream.readUInt32BE(16);
  const height = codestream.readUInt32BE(12) - codestream.readUInt32BE(20);
  const components = codestream.readUInt16BE(40);
  if (lsiz !== 38 + 3 * components || codestream.length < 4 + lsiz) throw undecodable('SIZ marker length does not match its components');
  if (width <= 0 || height <= 0) throw undecodable('empty image');
  if (width > FACE_DECODE_LIMITS.maxSide || height > FACE_DECODE_LIMITS.maxSide || width * height > FACE_DECODE_LIMITS.maxPixels) {
    throw undecodable(`${width}×${height} is larger than a face may be (${FACE_DECODE_LIMITS.maxSide} px a side)`);
  }
  if (components < 1 || components > 4) throw undecodable(`${components} components`);
  let bits = 0;
  for (let c = 0; c < components; c++) {
    const at = 42 + 3 * c;
    const b = ((codestream[at] as number) & 0x7f) + 1;
    if (b > 16) throw undecodable(`${b}-bit samples`);
    if (codestream[at + 1] !== 1 || codestream[at + 2] !== 1) throw undecodable('subsampled components');
    bits = Math.max(bits, b);
  }
  return { codestream, width, height, components, bits, colourSpace };
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** RGBA (8 bits) of the decoder's interleaved samples: grey or grey+alpha, RGB or RGBA; sYCC (colr 18) converted. */
function toRgba(samples: Uint8Array, info: FrameInfo, colourSpace: number | null): Buffer {
  const n = info.width * info.height;
  const c = info.componentCount;
  const wide = info.bitsPerSample > 8;
  const values: ArrayLike<number> = wide
    ? info.isSigned
      ? new Int16Array(samples.buffer, samples.byteOffset, samples.byteLength / 2)
      : new Uint16Array(samples.buffer, samples.byteOffset, samples.byteLength / 2)
    : info.isSigned
      ? new Int8Array(samples.buffer, samples.byteOffset, samples.byteLength)
      : samples;
  if (values.length < n * c) throw undecodable('the decoder gave fewer samples than the image has');
  const shift = Math.max(0, info.bitsPerSample - 8);
  const offset = info.isSigned ? 1 << (info.bitsPerSample - 1) : 0;
  const at = (i: number) => ((values[i] as number) + offset) >> shift;
  const out = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    let r: number;
    let g: number;
    let b: number;
    if (c < 3) {
      r = at(i * c);
      g = r;
      b = r;
    } else {
      r = at(i * c);
      g = at(i * c + 1);
      b = at(i * c + 2);
      if (colourSpace === 18) {
        const [y, cb, cr] = [r, g - 128, b - 128];
        r = clamp(y + 1.402 * cr);
        g = clamp(y - 0.344136 * cb - 0.714136 * cr);
        b = clamp(y + 1.772 * cb);
      }
    }
    out[4 * i] = r;
    out[4 * i + 1] = g;
    out[4 * i + 2] = b;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** The face's pixels (RGBA, 8 bits), decoded by OpenJPEG after the header checks. */
export async function decodeJpeg2000(data: Buffer): Promise<{ width: number; height: number; rgba: Buffer }> {
  const header = jpeg2000Header(data);
  const lib = await openJpeg();
  const decoder = new lib.J2KDecoder();
  try {
    decoder.getEncodedBuffer(header.codestream.length).set(header.codestream);
    try {
      decoder.decode();
    } catch (err) {
      // An exception out of the WebAssembly (a number, or an abort): this instance may be left in any state.
      module = undefined;
      throw undecodable(`the decoder failed (${typeof err === 'number' ? 'exception' : (err as Error).message})`);
    }
    const info = decoder.getFrameInfo();
    if (info.width !== header.width || info.height !== header.height || info.componentCount !== header.components) {
      throw undecodable('the decoder could not make an image of it');
    }
    return { width: info.width, height: info.height, rgba: toRgba(decoder.getDecodedBuffer(), info, header.colourSpace) };
  } finally {
    decoder.delete();
  }
}

/** A displayable baseline JPEG of a JPEG 2000 face (JP2 file or bare codestream). */
export async function jpeg2000ToJpeg(data: Buffer): Promise<{ jpeg: Buffer; width: number; height: number }> {
  const { width, height, rgba } = await decodeJpeg2000(data);
  return { jpeg: Buffer.from(jpeg.encode({ data: rgba, width, height }, JPEG_QUALITY).data), width, height };
}
