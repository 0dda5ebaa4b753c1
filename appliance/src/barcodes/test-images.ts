/**
 * Test support: the camera's ways of spoiling a barcode, done on a grey plane with plain pixel
 * code (pngjs in and out, no native image library) so tests and the benchmark can make the
 * images the issue lists: rotated, skewed, scaled down, noisy, blurred like a phone photo.
 * Everything is deterministic (seeded noise) so a failing test fails the same way every run.
 */
import { PNG } from 'pngjs';
import type { Luminance } from './image-luminance.ts';

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
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
