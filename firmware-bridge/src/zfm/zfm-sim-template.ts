import type { GreyImage } from '../fingerprint/fingerprint-reader.ts';
import { windowTensor } from '../fingerprint/structure-tensor.ts';
import { ByteReader, ByteWriter } from './byte-cursor.ts';

/**
 * The simulator's feature extractor and matcher. Real modules use a proprietary minutiae format; the
 * simulator needs only something honest that comes from the image: a block orientation field.
 *
 * Template layout (512 bytes, the size an R307 UpChar carries):
 *   0      format tag 0x5A ('sim orientation field')
 *   1      version 1
 *   2      block size in px (12)
 *   3      grid columns (21)   4  grid rows (24)
 *   5      mean ridge period × 16, clamped to 255
 *   6..7   foreground block count (BE)
 *   8..511 one byte per block, row-major: ridge direction 0..179° quantised to 0..179, 0xFF = background
 */
export const SIM_TEMPLATE_BYTES = 512;
const TAG = 0x5a;
const BLOCK = 12;
const COLS = 21;
const ROWS = 24;
const BACKGROUND = 0xff;

export interface SimFeatures {
  readonly periodPx: number;
  readonly foreground: number;
  /** Ridge direction in degrees per block, or -1 for background. */
  readonly directions: Int16Array;
}

/** Structure-tensor orientation per block (Kass & Witkin; Bazen & Gerez coherence). */
export function extractFeatures(image: GreyImage): SimFeatures {
  const { width: W, height: H, pixels } = image;
  const directions = new Int16Array(COLS * ROWS).fill(-1);
  let foreground = 0;
  let crossings = 0;
  let crossingSpan = 0;
  const ox = Math.floor((W - COLS * BLOCK) / 2);
  const oy = Math.floor((H - ROWS * BLOCK) / 2);
  for (let by = 0; by < ROWS; by++) {
    for (let bx = 0; bx < COLS; bx++) {
      // A 16 px window around each 12 px block steadies the estimate.
      const x0 = Math.max(1, ox + bx * BLOCK - 2);
      const y0 = Math.max(1, oy + by * BLOCK - 2);
      const x1 = Math.min(W - 1, ox + (bx + 1) * BLOCK + 2);
      const y1 = Math.min(H - 1, oy + (by + 1) * BLOCK + 2);
      const { mean, std, gxx, gyy, gxy, coherence } = windowTensor(image, x0, y0, x1, y1);
      if (std < 25 || coherence < 0.3) continue;
      // Gradient direction is across the ridges; the ridge runs at 90° to it.
      const gradient = 0.5 * Math.atan2(2 * gxy, gxx - gyy);
      const ridgeDeg = ((((gradient + Math.PI / 2) * 180) / Math.PI) % 180 + 180) % 180;
      directions[by * COLS + bx] = Math.round(ridgeDeg) % 180;
      foreground++;
      // Ridge period: count mean crossings along the gradient through the block centre.
      const cx = ox + bx * BLOCK + BLOCK / 2;
      const cy = oy + by * BLOCK + BLOCK / 2;
      let prev = 0;
      for (let s = -8; s <= 8; s++) {
        const x = Math.round(cx + s * Math.cos(gradient));
        const y = Math.round(cy + s * Math.sin(gradient));
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        const side = (pixels[y * W + x] ?? 0) > mean ? 1 : -1;
        if (prev !== 0 && side !== prev) crossings++;
        prev = side;
      }
      crossingSpan += 16;
    }
  }
  const periodPx = crossings > 0 ? (2 * crossingSpan) / crossings : 0;
  return { periodPx, foreground, directions };
}

export function encodeSimTemplate(f: SimFeatures): Uint8Array {
  const w = new ByteWriter(SIM_TEMPLATE_BYTES)
    .u8(TAG)
    .u8(1)
    .u8(BLOCK)
    .u8(COLS)
    .u8(ROWS)
    .u8(Math.min(255, Math.round(f.periodPx * 16)))
    .u16(f.foreground);
  for (const d of f.directions) w.u8(d < 0 ? BACKGROUND : d);
  return w.toBytes();
}

/** Returns undefined for bytes that are not a simulator template (the module answers 0x0C / 0x0E). */
export function decodeSimTemplate(bytes: Uint8Array): SimFeatures | undefined {
  if (bytes.length !== SIM_TEMPLATE_BYTES) return undefined;
  const r = new ByteReader(bytes);
  if (r.u8() !== TAG || r.u8() !== 1 || r.u8() !== BLOCK || r.u8() !== COLS || r.u8() !== ROWS) return undefined;
  const periodPx = r.u8() / 16;
  const foreground = r.u16();
  const directions = new Int16Array(COLS * ROWS);
  for (let i = 0; i < directions.length; i++) {
    const d = r.u8();
    if (d !== BACKGROUND && d >= 180) return undefined;
    directions[i] = d === BACKGROUND ? -1 : d;
  }
  return { periodPx, foreground, directions };
}

export function templateFromImage(image: GreyImage): Uint8Array {
  return encodeSimTemplate(extractFeatures(image));
}

/** Score of the best alignment (shift ±36 px, rotation ±8°); 0..1000. */
export function matchScore(a: SimFeatures, b: SimFeatures): number {
  if (a.foreground < 20 || b.foreground < 20) return 0;
  const minOverlap = 0.5 * Math.min(a.foreground, b.foreground);
  let best = 0;
  const cx = (COLS - 1) / 2;
  const cy = (ROWS - 1) / 2;
  for (let rotDeg = -8; rotDeg <= 8; rotDeg += 2) {
    const rot = (rotDeg * Math.PI) / 180;
    const cos = Math.cos(rot);
    const sin = Math.sin(rot);
    for (let sy = -6; sy <= 6; sy++) {
      for (let sx = -6; sx <= 6; sx++) {
        let agree = 0;
        let count = 0;
        for (let by = 0; by < ROWS; by++) {
          for (let bx = 0; bx < COLS; bx++) {
            const da = a.directions[by * COLS + bx] ?? -1;
            if (da < 0) continue;
            // Half-block shift steps: 6 px.
            const u = bx - cx;
            const v = by - cy;
            const tx = Math.round(cx + cos * u - sin * v + sx / 2);
            const ty = Math.round(cy + sin * u + cos * v + sy / 2);
            if (tx < 0 || ty < 0 || tx >= COLS || ty >= ROWS) continue;
            const db = b.directions[ty * COLS + tx] ?? -1;
            if (db < 0) continue;
            const diff = (((da + rotDeg - db) * Math.PI) / 180) * 2;
            agree += Math.cos(diff);
            count++;
          }
        }
        if (count < minOverlap) continue;
        const s = agree / count;
        if (s > best) best = s;
      }
    }
  }
  const periodRatio = a.periodPx > 0 && b.periodPx > 0 ? Math.min(a.periodPx, b.periodPx) / Math.max(a.periodPx, b.periodPx) : 0;
  // cos(2Δθ) averages ~0.95+ for one finger and well below for different fingers; stretch that band.
  const stretched = Math.max(0, (best - 0.7) / 0.3);
  return Math.round(1000 * stretched * stretched * periodRatio ** 2);
}
