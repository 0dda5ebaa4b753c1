import type { GreyImage } from './fingerprint-reader.ts';

/** Grey-level and gradient statistics of one window of a fingerprint image. */
export interface WindowTensor {
  readonly mean: number;
  /** Grey-level standard deviation (contrast). */
  readonly std: number;
  /** Gradient structure tensor sums (central differences; pixels on the image border contribute no gradient). */
  readonly gxx: number;
  readonly gyy: number;
  readonly gxy: number;
  /** Orientation coherence (Bazen & Gerez 2002): 1 for clean parallel ridges, near 0 for noise or a blank window. */
  readonly coherence: number;
}

/**
 * The statistics of the window [x0, x1) × [y0, y1): shared by the quality score (quality.ts) and the simulator's
 * orientation field (zfm/zfm-sim-template.ts).
 */
export function windowTensor(image: GreyImage, x0: number, y0: number, x1: number, y1: number): WindowTensor {
  const { width: W, height: H, pixels } = image;
  let sum = 0;
  let sum2 = 0;
  let gxx = 0;
  let gyy = 0;
  let gxy = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = y * W + x;
      const v = pixels[i] ?? 0;
      sum += v;
      sum2 += v * v;
      n++;
      if (x === 0 || y === 0 || x === W - 1 || y === H - 1) continue;
      const gx = (pixels[i + 1] ?? 0) - (pixels[i - 1] ?? 0);
      const gy = (pixels[i + W] ?? 0) - (pixels[i - W] ?? 0);
      gxx += gx * gx;
      gyy += gy * gy;
      gxy += gx * gy;
    }
  }
  const mean = sum / n;
  const std = Math.sqrt(Math.max(0, sum2 / n - mean * mean));
  const energy = gxx + gyy;
  const coherence = energy > 0 ? Math.sqrt((gxx - gyy) ** 2 + 4 * gxy * gxy) / energy : 0;
  return { mean, std, gxx, gyy, gxy, coherence };
}
