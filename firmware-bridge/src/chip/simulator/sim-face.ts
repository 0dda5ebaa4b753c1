/**
 * A synthetic face photograph for simulated chips (no real person's image is ever shipped):
 * a head-and-shoulders silhouette with grain, encoded as baseline JPEG by jpeg-js. The grain sets
 * the size: ~15 KB at 240×320 like a real DG2, more for the 32 KB offset tests.
 */
import jpeg from 'jpeg-js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

export interface SyntheticFaceOptions {
  width?: number;
  height?: number;
  grain?: number;
  seed?: number;
}

/** The pixels of the JPEG 2000 fixtures (face-jp2.fixture.ts, made by make-face-jp2.ts): the JP2 in RGB, the J2K in grey. */
export const JP2_FACE_SOURCE = { width: 180, height: 240, grain: 3, seed: 7 } as const;
export const J2K_FACE_SOURCE = { width: 120, height: 160, grain: 3, seed: 7 } as const;

/** The synthetic face's pixels: RGBA, 8 bits per sample, row by row. */
export function syntheticFacePixels(opts: SyntheticFaceOptions = {}): { data: Buffer; width: number; height: number } {
  const width = opts.width ?? 240;
  const height = opts.height ?? 320;
  const grain = opts.grain ?? 14;
  const rand = rng(opts.seed ?? 7);
  const data = Buffer.alloc(width * height * 4);
  const cx = width / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const head = ((x - cx) / (width * 0.22)) ** 2 + ((y - height * 0.38) / (height * 0.2)) ** 2 <= 1;
      const body = y > height * 0.62 && Math.abs(x - cx) < width * (0.18 + (y - height * 0.62) / height);
      const base = head ? [196, 152, 120] : body ? [40, 52, 80] : [214, 222, 230];
      const n = (rand() - 0.5) * grain * 2;
      const i = (y * width + x) * 4;
      data[i] = Math.max(0, Math.min(255, (base[0] as number) + n));
      data[i + 1] = Math.max(0, Math.min(255, (base[1] as number) + n));
      data[i + 2] = Math.max(0, Math.min(255, (base[2] as number) + n));
      data[i + 3] = 255;
    }
  }
  return { data, width, height };
}

export function syntheticFace(opts: SyntheticFaceOptions & { quality?: number } = {}): Buffer {
  return Buffer.from(jpeg.encode(syntheticFacePixels(opts), opts.quality ?? 75).data);
}
