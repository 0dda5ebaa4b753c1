/**
 * Test support: the camera's ways of spoiling a barcode, done on a grey plane with plain pixel
 * code (pngjs in and out, no native image library) so tests and the benchmark can make the
 * images the issue lists: rotated, skewed, scaled down, noisy, blurred like a phone photo.
 * Everything is deterministic (seeded noise) so a failing test fails the same way every run.
 */
import { once } from 'node:events';
import { crc32, createDeflate, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import type { Luminance } from './image-luminance.ts';
import { mulberry32 as prng } from '@lmc/core/seeded-random.ts';
import { ADAM7_PASSES, PNG_CHANNELS } from './png-spec.ts';

export function pngToGrey(png: Buffer): Luminance {
  const img = PNG.sync.read(png);
  const data = new Uint8ClampedArray(img.width * img.height);
  for (let i = 0; i < data.length; i++) {
    const r = img.data[i * 4] ?? 255;
    const g = img.data[i * 4 + 1] ?? 255;
    const b = img.data[i * 4 + 2] ?? 255;
    const a = (img.data[i * 4 + 3] ?? 255) / 255; // bwip-js draws on a transparent background: that is white paper
    data[i] = (0.299 * r + 0.587 * g + 0.114 * b) * a + 255 * (1 - a);
  }
  return { data, width: img.width, height: img.height };
}

export function greyToPng(img: Luminance): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  for (let i = 0; i < img.data.length; i++) {
    const v = img.data[i] ?? 255;
    png.data[i * 4] = v;
    png.data[i * 4 + 1] = v;
    png.data[i * 4 + 2] = v;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

const at = (img: Luminance, x: number, y: number): number =>
  x < 0 || y < 0 || x >= img.width || y >= img.height ? 255 : (img.data[y * img.width + x] ?? 255);

/** Bilinear sample; outside the image is white paper. */
function sample(img: Luminance, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const top = at(img, x0, y0) * (1 - fx) + at(img, x0 + 1, y0) * fx;
  const bottom = at(img, x0, y0 + 1) * (1 - fx) + at(img, x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/** Rotates by `degrees` (clockwise) about the centre onto a canvas that holds the whole image. */
export function rotate(img: Luminance, degrees: number): Luminance {
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const width = Math.ceil(Math.abs(img.width * cos) + Math.abs(img.height * sin));
  const height = Math.ceil(Math.abs(img.width * sin) + Math.abs(img.height * cos));
  const data = new Uint8ClampedArray(width * height);
  const cx = img.width / 2;
  const cy = img.height / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Inverse mapping: for each output pixel, where it came from in the source.
      const dx = x + 0.5 - width / 2;
      const dy = y + 0.5 - height / 2;
      data[y * width + x] = sample(img, cx + dx * cos + dy * sin - 0.5, cy - dx * sin + dy * cos - 0.5);
    }
  }
  return { data, width, height };
}

/** Resizes by `factor` (< 1 shrinks) with area averaging, like a camera sensor further away. */
export function scale(img: Luminance, factor: number): Luminance {
  const width = Math.max(1, Math.round(img.width * factor));
  const height = Math.max(1, Math.round(img.height * factor));
  const data = new Uint8ClampedArray(width * height);
  const step = 1 / factor;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      let n = 0;
      for (let sy = Math.floor(y * step); sy < Math.max(Math.floor(y * step) + 1, Math.floor((y + 1) * step)); sy++) {
        for (let sx = Math.floor(x * step); sx < Math.max(Math.floor(x * step) + 1, Math.floor((x + 1) * step)); sx++) {
          sum += at(img, sx, sy);
          n++;
        }
      }
      data[y * width + x] = sum / n;
    }
  }
  return { data, width, height };
}

/** Mulberry32: a small seeded PRNG, so "random" noise is the same every run. */

/** Adds sensor noise: uniform ±`amplitude` grey levels on every pixel, plus `saltPepper` of pixels flipped to black or white. */
export function addNoise(img: Luminance, amplitude: number, saltPepper = 0, seed = 1): Luminance {
  const rnd = prng(seed);
  const data = new Uint8ClampedArray(img.data.length);
  for (let i = 0; i < data.length; i++) {
    const r = rnd();
    if (r < saltPepper / 2) data[i] = 0;
    else if (r < saltPepper) data[i] = 255;
    else data[i] = (img.data[i] ?? 255) + (rnd() * 2 - 1) * amplitude;
  }
  return { data, width: img.width, height: img.height };
}

/** Box blur of the given radius, three passes (≈ Gaussian, σ ≈ radius): an out-of-focus phone. */
export function blur(img: Luminance, radius: number): Luminance {
  let cur = img;
  for (let pass = 0; pass < 3; pass++) cur = boxPass(boxPass(cur, radius, true), radius, false);
  return cur;
}

function boxPass(img: Luminance, r: number, horizontal: boolean): Luminance {
  const { width, height } = img;
  const data = new Uint8ClampedArray(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -r; k <= r; k++) sum += horizontal ? at(img, x + k, y) : at(img, x, y + k);
      data[y * width + x] = sum / (2 * r + 1);
    }
  }
  return { data, width, height };
}

/** Low contrast and uneven light: ink never quite black, paper grey at one side (a counter lamp at the other). */
export function unevenLight(img: Luminance, ink = 70, paperBright = 235, paperDark = 140): Luminance {
  const data = new Uint8ClampedArray(img.data.length);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const paper = paperDark + ((paperBright - paperDark) * x) / Math.max(1, img.width - 1);
      const v = (img.data[y * img.width + x] ?? 255) / 255;
      data[y * img.width + x] = ink + (paper - ink) * v;
    }
  }
  return { data, width: img.width, height: img.height };
}

/** Places the image at (left, top) on a white canvas of the given size (a small code in a big photo). */
export function placeOn(img: Luminance, width: number, height: number, left: number, top: number): Luminance {
  const data = new Uint8ClampedArray(width * height).fill(255);
  for (let y = 0; y < img.height && top + y < height; y++) {
    for (let x = 0; x < img.width && left + x < width; x++) data[(top + y) * width + left + x] = img.data[y * img.width + x] ?? 255;
  }
  return { data, width, height };
}

// ── Hand-made PNGs: every colour type, bit depth, filter and Adam7, and decompression bombs ──────────

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pngChunk(type: string, data: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export function pngIhdr(width: number, height: number, bitDepth = 8, colorType = 0, interlace = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([bitDepth, colorType, 0, 0, interlace], 8);
  return pngChunk('IHDR', ihdr);
}

export interface PngSpec {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  interlace?: 0 | 1;
  /** Samples of pixel (x, y) in the file's channel order and bit depth (palette: the index). */
  pixel: (x: number, y: number) => number[];
  palette?: [number, number, number][];
  /** Raw tRNS chunk data. */
  trns?: number[];
}

/**
 * Encodes `spec` the long way (PNG spec §7–§9), cycling through the five row filters so the decoder
 * meets each of them on every kind of row. Independent of pngjs, which cannot write most of these.
 */
export function encodePng(spec: PngSpec): Buffer {
  const { width, height, colorType, bitDepth } = spec;
  const bits = (PNG_CHANNELS[colorType] ?? 1) * bitDepth;
  const bpp = Math.max(1, bits >> 3);
  const passes = spec.interlace ? ADAM7_PASSES : ([[0, 0, 1, 1]] as const);
  const rows: Buffer[] = [];
  let rowNo = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const ph = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    if (pw === 0 || ph === 0) continue;
    const rowBytes = Math.ceil((pw * bits) / 8);
    let prev = Buffer.alloc(rowBytes);
    for (let py = 0; py < ph; py++) {
      const line = Buffer.alloc(rowBytes);
      let bit = 0;
      for (let px = 0; px < pw; px++) {
        for (const v of spec.pixel(x0 + px * dx, y0 + py * dy)) {
          if (bitDepth === 16) line.writeUInt16BE(v, bit >> 3);
          else if (bitDepth === 8) line[bit >> 3] = v;
          else line[bit >> 3] = (line[bit >> 3] ?? 0) | (v << (8 - bitDepth - (bit & 7)));
          bit += bitDepth;
        }
      }
      const filter = rowNo++ % 5;
      const out = Buffer.alloc(rowBytes + 1);
      out[0] = filter;
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? (line[i - bpp] ?? 0) : 0;
        const b = prev[i] ?? 0;
        const c = i >= bpp ? (prev[i - bpp] ?? 0) : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter] ?? 0;
        out[i + 1] = ((line[i] ?? 0) - predictor) & 255;
      }
      rows.push(out);
      prev = line;
    }
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    pngIhdr(width, height, bitDepth, colorType, spec.interlace ?? 0),
    ...(spec.palette ? [pngChunk('PLTE', Buffer.from(spec.palette.flat()))] : []),
    ...(spec.trns ? [pngChunk('tRNS', Buffer.from(spec.trns))] : []),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND'),
  ]);
}

/**
 * A decompression bomb: a valid PNG of `width`×`height` blank pixels (grey by default: 6000×6000 is
 * ~35 KB of file for 36 MB of pixels, 144 MB once expanded to RGBA the way pngjs does). The rows are
 * streamed through zlib, so making it costs no more memory than the file.
 */
export async function pngBomb(width: number, height: number, colorType: 0 | 2 | 6 = 0): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (part: Buffer) => parts.push(part));
  const done = once(deflate, 'end');
  const row = Buffer.alloc(1 + width * (PNG_CHANNELS[colorType] ?? 1));
  for (let y = 0; y < height; y++) if (!deflate.write(row)) await once(deflate, 'drain');
  deflate.end();
  await done;
  return Buffer.concat([PNG_SIGNATURE, pngIhdr(width, height, 8, colorType), pngChunk('IDAT', Buffer.concat(parts)), pngChunk('IEND')]);
}
