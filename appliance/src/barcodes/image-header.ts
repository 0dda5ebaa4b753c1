/**
 * Image dimensions from the header alone (PNG IHDR, JPEG SOFn), read before a single pixel is
 * decoded: a 48 KB PNG can claim 6000×6000 (a decompression bomb), so the size decision must not
 * depend on the size of the file.
 */
import { ApplianceError, ApplianceErrors } from '../errors.ts';

/** Hard cap: any phone photo (12–24 MP, 48 MP binned to 12) fits; more is refused from the header. */
export const MAX_PIXELS = 40_000_000;
/** Hard cap on either side (a 40 MP strip 40 000 000 × 1 would need a 320 MB scanline). */
export const MAX_IMAGE_SIDE = 20_000;

export type ImageFormat = 'png' | 'jpeg';

export interface PngHeader {
  format: 'png';
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

export interface JpegHeader {
  format: 'jpeg';
  width: number;
  height: number;
  /** SOF marker (0xC0 baseline, 0xC2 progressive, …). */
  sof: number;
  /** Sampling factors of each component (4:2:0 colour: Y 2×2, Cb and Cr 1×1). */
  components: { h: number; v: number }[];
}

export type ImageHeader = PngHeader | JpegHeader;

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function sniffImage(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).equals(PNG_MAGIC)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

export const imageInvalid = (message: string, context: Record<string, unknown> = {}): ApplianceError =>
  new ApplianceError(ApplianceErrors.BARCODE_IMAGE_INVALID.code, message, context);

export function imageTooLarge(width: number, height: number): ApplianceError {
  return new ApplianceError(
    ApplianceErrors.BARCODE_IMAGE_TOO_LARGE.code,
    `the image is too large (${width}×${height}); send at most ${MAX_PIXELS / 1e6} megapixels and ${MAX_IMAGE_SIDE} pixels a side`,
    { width, height },
  );
}

/** PNG spec §11.2.2: the allowed bit depths of each colour type. */
const PNG_DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/**
 * Reads and checks the header; throws BARCODE_IMAGE_INVALID for anything that is not a readable PNG/JPEG
 * header and BARCODE_IMAGE_TOO_LARGE above the caps. Never touches the pixel data.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const kind = sniffImage(bytes);
  if (!kind) throw imageInvalid('the upload is not a PNG or JPEG image', { bytes: bytes.length });
  const header = kind === 'png' ? pngHeader(bytes) : jpegHeader(bytes);
  const { width, height } = header;
  if (width < 1 || height < 1) throw imageInvalid('the image is empty (zero width or height)');
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_PIXELS) throw imageTooLarge(width, height);
  return header;
}

function pngHeader(bytes: Uint8Array): PngHeader {
  // Signature (8), then the IHDR chunk first (§5.6): length 13, type, width, height, depth, colour, compression, filter, interlace.
  if (bytes.length < 33) throw imageInvalid('the PNG image is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(bytes[12] ?? 0, bytes[13] ?? 0, bytes[14] ?? 0, bytes[15] ?? 0);
  if (view.getUint32(8) !== 13 || type !== 'IHDR') throw imageInvalid('the PNG image is damaged (no IHDR header first)');
  const header: PngHeader = {
    format: 'png',
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24] ?? 0,
    colorType: bytes[25] ?? 0,
    interlace: bytes[28] ?? 0,
  };
  if (!PNG_DEPTHS[header.colorType]?.includes(header.bitDepth) || bytes[26] !== 0 || bytes[27] !== 0 || header.interlace > 1) {
    throw imageInvalid('the PNG image is damaged (invalid header: colour type, bit depth or method)', {
      colorType: header.colorType,
      bitDepth: header.bitDepth,
    });
  }
  return header;
}

/** SOFn markers: C0–CF except C4 (DHT), C8 (JPG extension), CC (DAC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpegHeader(bytes: Uint8Array): JpegHeader {
  let i = 2; // after SOI
  for (;;) {
    // Markers are 0xFF then a code; any number of 0xFF fill bytes may come before the code (T.81 §B.1.1.2).
    while (i < bytes.length && bytes[i] !== 0xff) i++; // tolerate junk between segments like the decoder does
    while (i < bytes.length && bytes[i] === 0xff) i++;
    if (i >= bytes.length) throw imageInvalid('the JPEG image is damaged or truncated (no frame header)');
    const marker = bytes[i++] as number;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // standalone: TEM, RSTn
    if (marker === 0xd9 || marker === 0xda) throw imageInvalid('the JPEG image is damaged (no frame header before the image data)');
    if (i + 2 > bytes.length) throw imageInvalid('the JPEG image is damaged or truncated (no frame header)');
    const length = ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
    if (length < 2) throw imageInvalid('the JPEG image is damaged (bad segment length)');
    if (isSof(marker)) {
      if (i + 8 > bytes.length) throw imageInvalid('the JPEG image is truncated (frame header)');
      const height = ((bytes[i + 3] as number) << 8) | (bytes[i + 4] as number);
      const width = ((bytes[i + 5] as number) << 8) | (bytes[i + 6] as number);
      if (height === 0) throw imageInvalid('the JPEG image gives its height later (DNL marker): not supported');
      const count = bytes[i + 7] as number;
      if (count < 1 || count > 4 || i + 8 + 3 * count > bytes.length) throw imageInvalid('the JPEG image is damaged (frame header components)');
      const components = Array.from({ length: count }, (_, k) => {
        const hv = bytes[i + 9 + 3 * k] as number;
        return { h: hv >> 4, v: hv & 15 };
      });
      if (components.some((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4)) throw imageInvalid('the JPEG image is damaged (sampling factors)');
      return { format: 'jpeg', width, height, sof: marker, components };
    }
    i += length;
  }
}

/**
 * Bytes jpeg-js will allocate for this frame (lib/decoder.js: an Int32Array(64) per DCT block of each
 * component, the upsampled component lines, the interleaved samples and the RGB output), known from the
 * header: a tiny JPEG can claim 36 MP and cost 500 MB of blocks before its first scan is read.
 */
export function jpegDecodeBytes(h: JpegHeader): number {
  const maxH = Math.max(...h.components.map((c) => c.h));
  const maxV = Math.max(...h.components.map((c) => c.v));
  const mcusPerLine = Math.ceil(h.width / 8 / maxH);
  const mcusPerColumn = Math.ceil(h.height / 8 / maxV);
  let bytes = h.width * h.height * (h.components.length + 3);
  for (const c of h.components) {
    const blocksPerColumn = Math.ceil((Math.ceil(h.height / 8) * c.v) / maxV);
    const samplesPerLine = Math.ceil((Math.ceil(h.width / 8) * c.h) / maxH) * 8;
    bytes += mcusPerLine * c.h * mcusPerColumn * c.v * 256 + samplesPerLine * blocksPerColumn * 8;
  }
  return bytes;
}
