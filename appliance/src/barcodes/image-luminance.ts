/**
 * Uploaded photo or scan → 8-bit luminance plane for zxing. The format is taken from the magic bytes,
 * not the Content-Type, and the size from the header (image-header.ts) before any pixel is decoded, so
 * a small file claiming a huge image is refused (or, under the cap, read a row at a time) instead of
 * eating the appliance's memory. Images larger than 2000 px a side are box-downscaled while decoding
 * (zxing needs ~3 px a module, not 12 MP).
 *
 * PNG: our own scanline decoder (png-luminance.ts), never a full RGBA image. JPEG: jpeg-js (whole
 * image, bounded by the pixel cap and jpeg-js's own memory cap), then grey + downscale in one pass.
 *
 * `readLuminance` (streaming inflate) is what the reader worker runs; `decodeToLuminance` is the
 * synchronous in-process variant for trusted images (tests, the benchmark, rendered receipts).
 */
import jpeg from 'jpeg-js';
import type { LuminancePlane } from '@lmc/firmware-bridge/escpos/decode-qr-png.ts';
import { shrink } from '@lmc/firmware-bridge/escpos/decode-qr-png.ts';
import { imageInvalid, imageTooLarge, jpegDecodeBytes, type JpegHeader, MAX_PIXELS, readImageHeader, sniffImage } from './image-header.ts';
import { LuminanceSink, luma, WORKING_SIDE } from './luminance-sink.ts';
import { pngLuminanceSync, readPngLuminance } from './png-luminance.ts';

export { shrink, sniffImage, MAX_PIXELS, WORKING_SIDE };

export type Luminance = LuminancePlane;

/**
 * jpeg-js keeps every DCT block (256 B per 64 pixels and component) plus the colour image: ~160 MB for
 * a 12 MP 4:2:0 phone photo, ~250 MB for 12 MP 4:4:4. Frames needing more (over ~23 MP at 4:2:0) are
 * refused from the header (jpegDecodeBytes) before jpeg-js allocates anything; jpeg-js's own cap
 * stays as a backstop.
 */
export const JPEG_MAX_DECODE_MB = 320;

/** In-process, synchronous. */
export function decodeToLuminance(bytes: Uint8Array): Luminance {
  const header = readImageHeader(bytes);
  return header.format === 'png' ? pngLuminanceSync(bytes, header) : jpegLuminance(bytes, header);
}

/** For the reader worker: PNG rows stream out of zlib, so memory stays flat whatever the header claims. */
export async function readLuminance(bytes: Uint8Array): Promise<Luminance> {
  const header = readImageHeader(bytes);
  return header.format === 'png' ? readPngLuminance(bytes, header) : jpegLuminance(bytes, header);
}

function jpegLuminance(bytes: Uint8Array, header: JpegHeader): Luminance {
  if (jpegDecodeBytes(header) > JPEG_MAX_DECODE_MB * 1024 * 1024) throw imageTooLarge(header.width, header.height);
  let rgb: { data: Uint8Array; width: number; height: number };
  try {
    rgb = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: MAX_PIXELS / 1e6,
      maxMemoryUsageInMB: JPEG_MAX_DECODE_MB + 16,
    });
  } catch (err) {
    const message = (err as Error).message ?? '';
    if (/maxResolutionInMP|maxMemoryUsage|allocate enough memory/i.test(message)) throw imageTooLarge(header.width, header.height);
    throw imageInvalid('the JPEG image is damaged or truncated', { cause: message });
  }
  const { data, width, height } = rgb;
  if (width < 1 || height < 1) throw imageInvalid('the image is empty');
  const sink = new LuminanceSink(width, height);
  const row = new Uint8Array(width);
  for (let y = 0, j = 0; y < height; y++) {
    for (let x = 0; x < width; x++, j += 3) row[x] = luma(data[j] as number, data[j + 1] as number, data[j + 2] as number);
    sink.putRow(y, row, width);
  }
  return sink.finish();
}
