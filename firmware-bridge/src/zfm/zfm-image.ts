import { fingerprintError } from '../fingerprint/fingerprint-errors.ts';
import type { GreyImage } from '../fingerprint/fingerprint-reader.ts';

/**
 * R30x image format (datasheet "UpImage"): 256 × 288 pixels at ~500 dpi, uploaded with 4 bits per
 * pixel, two pixels per byte, the left pixel in the high nibble: 256 × 288 / 2 = 36,864 bytes.
 */
export const ZFM_IMAGE_WIDTH = 256;
export const ZFM_IMAGE_HEIGHT = 288;
export const ZFM_IMAGE_DPI = 500;
export const ZFM_IMAGE_BYTES = (ZFM_IMAGE_WIDTH * ZFM_IMAGE_HEIGHT) / 2;

/** 4-bit → 8-bit by nibble replication (0x0 → 0x00, 0xF → 0xFF) so white stays white. */
export function unpackImage4bpp(packed: Uint8Array): GreyImage {
  if (packed.length !== ZFM_IMAGE_BYTES) {
    throw fingerprintError('FP_IMAGE_TRANSFER', { expected: ZFM_IMAGE_BYTES, received: packed.length });
  }
  const pixels = new Uint8Array(ZFM_IMAGE_WIDTH * ZFM_IMAGE_HEIGHT);
  for (let i = 0; i < packed.length; i++) {
    const b = packed[i] ?? 0;
    pixels[2 * i] = (b >>> 4) * 17;
    pixels[2 * i + 1] = (b & 0x0f) * 17;
  }
  return { width: ZFM_IMAGE_WIDTH, height: ZFM_IMAGE_HEIGHT, pixels };
}

/** 8-bit → 4-bit with rounding (what the module's firmware does before UpImage). */
export function packImage4bpp(image: GreyImage): Uint8Array {
  if (image.width !== ZFM_IMAGE_WIDTH || image.height !== ZFM_IMAGE_HEIGHT || image.pixels.length !== ZFM_IMAGE_WIDTH * ZFM_IMAGE_HEIGHT) {
    throw fingerprintError('FP_IMAGE_INVALID', { width: image.width, height: image.height });
  }
  const out = new Uint8Array(ZFM_IMAGE_BYTES);
  for (let i = 0; i < out.length; i++) {
    const hi = Math.round((image.pixels[2 * i] ?? 0) / 17);
    const lo = Math.round((image.pixels[2 * i + 1] ?? 0) / 17);
    out[i] = (hi << 4) | lo;
  }
  return out;
}
