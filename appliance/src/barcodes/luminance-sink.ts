/**
 * Collects grey rows of a W×H image into the plane zxing gets, box-averaged down to at most
 * `workingSide` pixels on the longest side as the rows arrive: the full-size image is never held,
 * so the memory is the output plane (≤ 2000×2000) and one row, whatever the image claims.
 */
import type { LuminancePlane } from '@lmc/firmware-bridge/escpos/decode-qr-png.ts';

/** Longest side handed to zxing: ~3 px a module is enough, a 12 MP photo is not needed. */
export const WORKING_SIDE = 2000;

export class LuminanceSink {
  /** Box size: 1 keeps the image as it is. */
  readonly factor: number;
  readonly outWidth: number;
  readonly outHeight: number;
  private readonly out: Uint8ClampedArray;
  private readonly sums: Uint32Array | undefined;

  constructor(
    readonly width: number,
    readonly height: number,
    workingSide = WORKING_SIDE,
  ) {
    this.factor = Math.max(1, Math.ceil(Math.max(width, height) / workingSide));
    this.outWidth = Math.ceil(width / this.factor);
    this.outHeight = Math.ceil(height / this.factor);
    this.out = new Uint8ClampedArray(this.outWidth * this.outHeight).fill(255);
    this.sums = this.factor > 1 ? new Uint32Array(this.outWidth * this.outHeight) : undefined;
  }

  /**
   * Grey values `lum[0..n)` of row `y`, pixel i at x = x0 + i·dx (dx > 1 for the passes of an
   * interlaced PNG). Every source pixel must be put exactly once.
   */
  putRow(y: number, lum: Uint8Array, n: number, x0 = 0, dx = 1): void {
    const f = this.factor;
    if (!this.sums) {
      const base = y * this.width;
      if (dx === 1) this.out.set(lum.subarray(0, n), base + x0);
      else for (let i = 0, x = base + x0; i < n; i++, x += dx) this.out[x] = lum[i] as number;
      return;
    }
    const sums = this.sums;
    const base = ((y / f) | 0) * this.outWidth;
    if (dx === 1 && x0 === 0) {
      for (let ox = 0, i = 0; i < n; ox++) {
        let s = 0;
        const end = Math.min(n, i + f);
        for (; i < end; i++) s += lum[i] as number;
        sums[base + ox] = (sums[base + ox] as number) + s;
      }
      return;
    }
    for (let i = 0, x = x0; i < n; i++, x += dx) {
      const k = base + ((x / f) | 0);
      sums[k] = (sums[k] as number) + (lum[i] as number);
    }
  }

  finish(): LuminancePlane {
    const { sums, factor: f, outWidth: ow, outHeight: oh, width, height } = this;
    if (sums) {
      for (let oy = 0; oy < oh; oy++) {
        const rows = Math.min(f, height - oy * f);
        for (let ox = 0; ox < ow; ox++) {
          const count = rows * Math.min(f, width - ox * f);
          this.out[oy * ow + ox] = Math.round((sums[oy * ow + ox] as number) / count);
        }
      }
    }
    return { data: this.out, width: ow, height: oh };
  }
}

/** ITU-R BT.601 luma in integers, composited over white paper for alpha a (0–255). */
export const luma = (r: number, g: number, b: number): number => ((299 * r + 587 * g + 114 * b + 500) / 1000) | 0;
export const overWhite = (y: number, a: number): number => ((y * a + 255 * (255 - a) + 127) / 255) | 0;
