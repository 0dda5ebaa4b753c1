/**
 * PNG → downscaled luminance, one scanline at a time (PNG spec §7–§9: chunks, zlib, per-row filters,
 * Adam7). Unlike pngjs it never builds the RGBA image: the rows are unfiltered, turned grey and
 * box-averaged into a plane of at most 2000 px a side as they come out of zlib. With the streaming
 * inflater (readPngLuminance, used by the reader worker) a 6000×6000 bomb costs one row and the
 * output plane; the synchronous variant inflates the whole stream first (raw bytes, not RGBA).
 */
import { createInflate, inflateSync } from 'node:zlib';
import type { LuminancePlane } from '@lmc/firmware-bridge/escpos/decode-qr-png.ts';
import { imageInvalid, type PngHeader } from './image-header.ts';
import { LuminanceSink, luma, overWhite, WORKING_SIDE } from './luminance-sink.ts';
import { ADAM7_PASSES, PNG_CHANNELS } from './png-spec.ts';

interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  width: number;
  height: number;
  rowBytes: number;
}

export interface PngChunks {
  idat: Uint8Array[];
  plte?: Uint8Array;
  trns?: Uint8Array;
}

const damaged = (detail: string, context: Record<string, unknown> = {}) => imageInvalid(`the PNG image is damaged or truncated (${detail})`, context);

/** Splits the file into the chunks the decoder needs; the compressed data is referenced, not copied. */
export function pngChunks(bytes: Uint8Array): PngChunks {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: PngChunks = { idat: [] };
  let i = 8;
  while (i + 8 <= bytes.length) {
    const length = view.getUint32(i);
    const type = String.fromCharCode(bytes[i + 4] as number, bytes[i + 5] as number, bytes[i + 6] as number, bytes[i + 7] as number);
    const start = i + 8;
    if (length > 0x7fffffff || start + length > bytes.length) throw damaged(`${type} chunk runs past the end of the file`);
    const data = bytes.subarray(start, start + length);
    if (type === 'IDAT') out.idat.push(data);
    else if (type === 'PLTE') out.plte = data;
    else if (type === 'tRNS') out.trns = data;
    else if (type === 'IEND') return out;
    i = start + length + 4; // + CRC (not checked: zlib's Adler-32 guards the pixels)
  }
  if (out.idat.length === 0) throw damaged('no image data');
  return out; // no IEND: the row count decides whether the data is complete
}

/** Unfilters and converts rows as bytes arrive; `push` any split of the inflated stream. */
export class PngRowDecoder {
  readonly expectedBytes: number;
  private readonly sink: LuminanceSink;
  private readonly passes: Pass[];
  private readonly bpp: number;
  private cur: Uint8Array;
  private prev: Uint8Array;
  private readonly lum: Uint8Array;
  private readonly paletteLum: Uint8Array | undefined;
  private readonly trns: number[] | undefined;
  private pass = 0;
  private row = 0;
  private filled = 0;

  constructor(
    private readonly header: PngHeader,
    chunks: Pick<PngChunks, 'plte' | 'trns'>,
    workingSide = WORKING_SIDE,
  ) {
    const { width, height, bitDepth, colorType, interlace } = header;
    const bitsPerPixel = (PNG_CHANNELS[colorType] as number) * bitDepth;
    this.bpp = Math.max(1, bitsPerPixel >> 3);
    const geometry = interlace === 1 ? ADAM7_PASSES : ([[0, 0, 1, 1]] as const);
    this.passes = geometry
      .map(([x0, y0, dx, dy]) => {
        const w = width > x0 ? Math.ceil((width - x0) / dx) : 0;
        const h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
        return { x0, y0, dx, dy, width: w, height: h, rowBytes: Math.ceil((w * bitsPerPixel) / 8) };
      })
      .filter((p) => p.width > 0 && p.height > 0);
    this.expectedBytes = this.passes.reduce((sum, p) => sum + p.height * (p.rowBytes + 1), 0);
    const maxRow = Math.max(...this.passes.map((p) => p.rowBytes));
    this.cur = new Uint8Array(maxRow + 1);
    this.prev = new Uint8Array(maxRow + 1);
    this.lum = new Uint8Array(width);
    this.sink = new LuminanceSink(width, height, workingSide);
    if (colorType === 3) {
      const plte = chunks.plte;
      if (!plte || plte.length % 3 !== 0 || plte.length === 0) throw damaged('palette image without a valid PLTE chunk');
      this.paletteLum = new Uint8Array(256); // indexes past the palette read as black, like libpng's warning case
      for (let k = 0; k < plte.length / 3; k++) {
        const y = luma(plte[3 * k] as number, plte[3 * k + 1] as number, plte[3 * k + 2] as number);
        this.paletteLum[k] = overWhite(y, chunks.trns?.[k] ?? 255);
      }
    } else if (chunks.trns && (colorType === 0 || colorType === 2)) {
      const t = chunks.trns;
      const samples = colorType === 0 ? 1 : 3;
      if (t.length >= samples * 2) this.trns = Array.from({ length: samples }, (_, k) => ((t[2 * k] as number) << 8) | (t[2 * k + 1] as number));
    }
  }

  get done(): boolean {
    return this.pass >= this.passes.length;
  }

  push(data: Uint8Array): void {
    let off = 0;
    while (off < data.length && !this.done) {
      const p = this.passes[this.pass] as Pass;
      const n = Math.min(p.rowBytes + 1 - this.filled, data.length - off);
      this.cur.set(data.subarray(off, off + n), this.filled);
      this.filled += n;
      off += n;
      if (this.filled === p.rowBytes + 1) {
        this.decodeRow(p);
        this.filled = 0;
        if (++this.row === p.height) {
          this.row = 0;
          this.pass++;
          this.prev.fill(0); // each pass starts with a zero "previous row" (§8.2)
        }
      }
    }
  }

  finish(): LuminancePlane {
    if (!this.done) throw damaged('the image data ends early', { width: this.header.width, height: this.header.height });
    return this.sink.finish();
  }

  private decodeRow(p: Pass): void {
    const line = this.cur.subarray(1, p.rowBytes + 1);
    unfilter(this.cur[0] as number, line, this.prev.subarray(1, p.rowBytes + 1), this.bpp);
    this.toGrey(line, p.width);
    this.sink.putRow(p.y0 + this.row * p.dy, this.lum, p.width, p.x0, p.dx);
    const t = this.prev;
    this.prev = this.cur;
    this.cur = t;
  }

  /** One unfiltered row → 8-bit grey over white in this.lum (16-bit samples: the high byte). */
  private toGrey(line: Uint8Array, n: number): void {
    const { bitDepth: depth, colorType } = this.header;
    const lum = this.lum;
    const trns = this.trns;
    if (colorType === 3 || (colorType === 0 && depth < 8)) {
      const mask = (1 << depth) - 1;
      const perByte = 8 / depth;
      for (let i = 0; i < n; i++) {
        const v = ((line[(i / perByte) | 0] as number) >> (8 - depth * ((i % perByte) + 1))) & mask;
        if (this.paletteLum) lum[i] = this.paletteLum[v] as number;
        else lum[i] = trns?.[0] === v ? 255 : ((v * 255) / mask) | 0;
      }
      return;
    }
    const s = depth >> 3; // bytes a sample
    switch (colorType) {
      case 0:
        for (let i = 0; i < n; i++) {
          const g = line[i * s] as number;
          lum[i] = trns && trns[0] === (s === 2 ? (g << 8) | (line[i * s + 1] as number) : g) ? 255 : g;
        }
        return;
      case 2:
        for (let i = 0, j = 0; i < n; i++, j += 3 * s) {
          const r = line[j] as number;
          const g = line[j + s] as number;
          const b = line[j + 2 * s] as number;
          lum[i] = trns && isTransparentRgb(trns, line, j, s) ? 255 : luma(r, g, b);
        }
        return;
      case 4:
        for (let i = 0, j = 0; i < n; i++, j += 2 * s) lum[i] = overWhite(line[j] as number, line[j + s] as number);
        return;
      case 6:
        for (let i = 0, j = 0; i < n; i++, j += 4 * s) {
          lum[i] = overWhite(luma(line[j] as number, line[j + s] as number, line[j + 2 * s] as number), line[j + 3 * s] as number);
        }
        return;
    }
  }
}

function isTransparentRgb(trns: number[], line: Uint8Array, j: number, s: number): boolean {
  for (let k = 0; k < 3; k++) {
    const v = s === 2 ? ((line[j + 2 * k] as number) << 8) | (line[j + 2 * k + 1] as number) : (line[j + k] as number);
    if (v !== trns[k]) return false;
  }
  return true;
}

/** §9.2 filter types 0–4, in place; `prev` is the previous unfiltered row of the same pass (zeros for the first). */
function unfilter(type: number, line: Uint8Array, prev: Uint8Array, bpp: number): void {
  const n = line.length;
  switch (type) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < n; i++) line[i] = (line[i] as number) + (line[i - bpp] as number);
      return;
    case 2:
      for (let i = 0; i < n; i++) line[i] = (line[i] as number) + (prev[i] as number);
      return;
    case 3:
      for (let i = 0; i < bpp && i < n; i++) line[i] = (line[i] as number) + ((prev[i] as number) >> 1);
      for (let i = bpp; i < n; i++) line[i] = (line[i] as number) + (((line[i - bpp] as number) + (prev[i] as number)) >> 1);
      return;
    case 4:
      for (let i = 0; i < bpp && i < n; i++) line[i] = (line[i] as number) + (prev[i] as number);
      for (let i = bpp; i < n; i++) {
        const a = line[i - bpp] as number;
        const b = prev[i] as number;
        const c = prev[i - bpp] as number;
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        line[i] = (line[i] as number) + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      return;
    default:
      throw damaged(`unknown row filter ${type}`);
  }
}

/** In-process: inflates the whole stream at once (bounded by the header's raw size), then decodes it. */
export function pngLuminanceSync(bytes: Uint8Array, header: PngHeader, workingSide = WORKING_SIDE): LuminancePlane {
  const chunks = pngChunks(bytes);
  const decoder = new PngRowDecoder(header, chunks, workingSide);
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(chunks.idat), { maxOutputLength: decoder.expectedBytes });
  } catch (err) {
    throw damaged('the compressed image data is broken', { cause: (err as Error).message });
  }
  decoder.push(raw);
  return decoder.finish();
}

/**
 * Streaming: zlib output is consumed in 256 KiB pieces as it is produced, so memory does not grow with
 * the image (a 6000×6000 bomb: ~24 KB a row). Used by the reader worker.
 */
export function readPngLuminance(bytes: Uint8Array, header: PngHeader, workingSide = WORKING_SIDE): Promise<LuminancePlane> {
  const chunks = pngChunks(bytes);
  const decoder = new PngRowDecoder(header, chunks, workingSide);
  return new Promise((resolve, reject) => {
    const inflate = createInflate({ chunkSize: 256 * 1024 });
    let settled = false;
    const settle = (err?: unknown) => {
      if (settled) return;
      settled = true;
      inflate.removeAllListeners('data');
      inflate.destroy();
      if (err) return reject(err);
      try {
        resolve(decoder.finish());
      } catch (finishErr) {
        reject(finishErr);
      }
    };
    inflate.on('data', (piece: Buffer) => {
      try {
        decoder.push(piece);
      } catch (err) {
        return settle(err);
      }
      if (decoder.done) settle(); // trailing bytes after the last row are ignored
    });
    inflate.on('error', (err) => settle(decoder.done ? undefined : damaged('the compressed image data is broken', { cause: err.message })));
    inflate.once('end', () => settle());
    for (const piece of chunks.idat) inflate.write(piece);
    inflate.end();
  });
}
