import { PNG } from 'pngjs';
import { fingerprintError } from './fingerprint-errors.ts';
import type { GreyImage } from './fingerprint-reader.ts';

/** Check an image's shape before anything reads its pixels (bad input → FP_IMAGE_INVALID, never a crash). */
export function assertGreyImage(image: GreyImage): void {
  const { width, height, pixels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || pixels.length !== width * height) {
    throw fingerprintError('FP_IMAGE_INVALID', { width, height, pixelBytes: pixels.length });
  }
}

/** 8-bit grey image → PNG (colour type 0, 8-bit) for the technician view. */
export function greyImageToPng(image: GreyImage): Buffer {
  assertGreyImage(image);
  const png = new PNG({ width: image.width, height: image.height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
}

/** PNG → 8-bit grey (luma of RGB), for fixtures and round-trip tests. */
export function pngToGreyImage(png: Buffer): GreyImage {
  let decoded: PNG;
  try {
    decoded = PNG.sync.read(png);
  } catch (err) {
    throw fingerprintError('FP_IMAGE_INVALID', {}, { cause: err, detail: 'not a readable PNG' });
  }
  const { width, height, data } = decoded;
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    pixels[i] = Math.round(0.299 * (data[4 * i] ?? 0) + 0.587 * (data[4 * i + 1] ?? 0) + 0.114 * (data[4 * i + 2] ?? 0));
  }
  return { width, height, pixels };
}
