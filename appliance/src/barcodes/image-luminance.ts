/**
 * Uploaded photo or scan → 8-bit luminance plane for zxing. PNG via pngjs, JPEG via jpeg-js;
 * the format is taken from the magic bytes, not the Content-Type. Sizes are checked from the
 * header before decoding so a small file claiming a huge image cannot eat the appliance's
 * memory, and large photos are box-downscaled (zxing needs ~3 px a module, not 12 MP).
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { ApplianceError } from '../../../firmware-bridge/src/common/errors.ts';
import { type LuminancePlane, shrink } from '../../../firmware-bridge/src/escpos/decode-qr-png.ts';

export { shrink };

export const BarcodeErrorCodes = {
  ImageInvalid: 'BARCODE_IMAGE_INVALID',
  ImageTooLarge: 'BARCODE_IMAGE_TOO_LARGE',
  NotFound: 'BARCODE_NOT_FOUND',
} as const;

export type Luminance = LuminancePlane;

/** 40 megapixels: any phone photo; refuses decompression bombs. */
const MAX_PIXELS = 40_000_000;
/** Longest side handed to zxing. */
const MAX_SIDE = 2000;

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function sniffImage(bytes: Buffer): 'png' | 'jpeg' | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_MAGIC)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

const invalid = (message: string, context: Record<string, unknown> = {}) =>
  new ApplianceError(BarcodeErrorCodes.ImageInvalid, message, context);

export function decodeToLuminance(bytes: Buffer): Luminance {
  const kind = sniffImage(bytes);
  if (!kind) throw invalid('the upload is not a PNG or JPEG image', { bytes: bytes.length });
  let rgba: { data: Uint8Array; width: number; height: number };
  if (kind === 'png') {
    // IHDR is the first chunk (PNG spec §11.2.2): width and height at bytes 16–23.
    if (bytes.length < 33) throw invalid('the PNG image is truncated');
    const w = bytes.readUInt32BE(16);
    const h = bytes.readUInt32BE(20);
    if (w * h > MAX_PIXELS) throw tooLarge(w, h);
    try {
      rgba = PNG.sync.read(bytes);
    } catch (err) {
      throw invalid('the PNG image is damaged or truncated', { cause: (err as Error).message });
    }
  } else {
    try {
      rgba = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 512 });
    } catch (err) {
      const message = (err as Error).message ?? '';
      if (/maxResolutionInMP|maxMemoryUsage/i.test(message)) throw tooLarge(0, 0);
      throw invalid('the JPEG image is damaged or truncated', { cause: message });
    }
  }
  if (rgba.width < 1 || rgba.height < 1) throw invalid('the image is empty');
  return downscale(toGrey(rgba));
}

function tooLarge(w: number, h: number): ApplianceError {
  return new ApplianceError(BarcodeErrorCodes.ImageTooLarge, `the image is too large (at most ${MAX_PIXELS / 1e6} megapixels)`, {
    width: w,
    height: h,
  });
}

/** ITU-R BT.601 luma; transparent pixels count as white paper. */
function toGrey(img: { data: Uint8Array; width: number; height: number }): Luminance {
  const n = img.width * img.height;
  const data = new Uint8ClampedArray(n);
  for (let i = 0; i < n; i++) {
    const r = img.data[i * 4] ?? 255;
    const g = img.data[i * 4 + 1] ?? 255;
    const b = img.data[i * 4 + 2] ?? 255;
    const a = (img.data[i * 4 + 3] ?? 255) / 255;
    data[i] = Math.round((0.299 * r + 0.587 * g + 0.114 * b) * a + 255 * (1 - a));
  }
  return { data, width: img.width, height: img.height };
}

function downscale(img: Luminance): Luminance {
  const f = Math.ceil(Math.max(img.width, img.height) / MAX_SIDE);
  return f <= 1 ? img : shrink(img, f);
}
