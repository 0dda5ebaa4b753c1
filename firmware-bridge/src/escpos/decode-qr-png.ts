/**
 * The one zxing reading ladder of the project: the simulator's tests and the provisioning self-test
 * read rendered receipts with `decodeQrFromPng`, the appliance's upload routes (appliance/src/barcodes/)
 * read photos with `readBarcode`. It lives at the device layer because the appliance depends on
 * firmware-bridge, never the other way round.
 *
 * Why a ladder and not one zxing call (measured with @zxing/library 0.21, see barcodes tests):
 * - zxing's QR finder-pattern search misses about 1 in 10 receipts drawn at 5 dots a module; the
 *   same image at ½ or ⅓ size reads them. So: full size, then smaller.
 * - HybridBinarizer suits uneven light in photos, GlobalHistogramBinarizer small sharp symbols: both.
 * - QR reads at any rotation on its own (three finder patterns fix the orientation, ISO/IEC 18004
 *   §6.3.3). zxing-js's PDF417 detector only tries 0° and 180° and tolerates ~5° of skew, so for
 *   PDF417 the ladder also tries quarter turns and a ±10° deskew.
 * Limits: under ~2 pixels a module, blur wider than ~⅓ of a module (Gaussian σ), or PDF417 skewed by
 * more than ~15° off a tried angle, nothing is found and the caller gets "not found".
 */
import { BarcodeFormat, BinaryBitmap, DecodeHintType, GlobalHistogramBinarizer, HybridBinarizer, MultiFormatReader, RGBLuminanceSource } from '@zxing/library';
import { PNG } from 'pngjs';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';

export type BarcodeSymbology = 'QR_CODE' | 'PDF_417';

/** 8-bit luminance, row-major, 0 = black. */
export interface LuminancePlane {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

export interface ReadBarcode {
  format: BarcodeSymbology;
  text: string;
}

export const QR_NOT_FOUND = FirmwareBridgeErrors.BARCODE_NOT_FOUND.code;

const ZXING_FORMAT: Record<BarcodeSymbology, BarcodeFormat> = { QR_CODE: BarcodeFormat.QR_CODE, PDF_417: BarcodeFormat.PDF_417 };
const OUR_FORMAT: Record<number, BarcodeSymbology> = { [BarcodeFormat.QR_CODE]: 'QR_CODE', [BarcodeFormat.PDF_417]: 'PDF_417' };

/** Small skews tried for PDF417 after the quarter turns (degrees, clockwise). */
const PDF417_DESKEW = [10, -10];

/** Finds and reads one symbol of the given formats; undefined when none is readable. */
export function readBarcode(img: LuminancePlane, formats: readonly BarcodeSymbology[] = ['QR_CODE', 'PDF_417']): ReadBarcode | undefined {
  const reader = new MultiFormatReader();
  reader.setHints(
    new Map<DecodeHintType, unknown>([
      [DecodeHintType.POSSIBLE_FORMATS, formats.map((f) => ZXING_FORMAT[f])],
      [DecodeHintType.TRY_HARDER, true],
    ]),
  );
  const found = readAtScales(reader, img);
  if (found || !formats.includes('PDF_417')) return found;
  // Only PDF417 is left to find: one PDF417 reader for the turned images (QR would have been read above).
  const pdf = new MultiFormatReader();
  pdf.setHints(
    new Map<DecodeHintType, unknown>([
      [DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.PDF_417]],
      [DecodeHintType.TRY_HARDER, true],
    ]),
  );
  for (const turned of [rotateQuarter(img), ...PDF417_DESKEW.map((d) => rotateSmall(img, d))]) {
    const hit = readAtScales(pdf, turned);
    if (hit) return hit;
  }
  return undefined;
}

function readAtScales(reader: MultiFormatReader, img: LuminancePlane): ReadBarcode | undefined {
  const scales = [img, ...[2, 3].filter((k) => Math.min(img.width, img.height) >= 100 * k).map((k) => shrink(img, k))];
  for (const scaled of scales) {
    const source = new RGBLuminanceSource(scaled.data, scaled.width, scaled.height);
    for (const binarizer of [new HybridBinarizer(source), new GlobalHistogramBinarizer(source)]) {
      try {
        const result = reader.decodeWithState(new BinaryBitmap(binarizer));
        const format = OUR_FORMAT[result.getBarcodeFormat()];
        if (format) return { format, text: result.getText() };
      } catch {
        // zxing throws NotFound/Checksum/Format exceptions for "nothing readable here": try the next way.
      }
    }
  }
  return undefined;
}

/** k×k box average (k ≥ 1). */
export function shrink(img: LuminancePlane, k: number): LuminancePlane {
  const width = Math.floor(img.width / k);
  const height = Math.floor(img.height / k);
  const data = new Uint8ClampedArray(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) sum += img.data[(y * k + dy) * img.width + x * k + dx] ?? 255;
      data[y * width + x] = sum / (k * k);
    }
  }
  return { data, width, height };
}

/** 90° clockwise, exact (180° and 270° are covered by zxing's own 180° try). */
function rotateQuarter(img: LuminancePlane): LuminancePlane {
  const { width: w, height: h } = img;
  const data = new Uint8ClampedArray(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[x * h + (h - 1 - y)] = img.data[y * w + x] ?? 255;
  return { data, width: h, height: w };
}

/** Small rotation about the centre, same canvas, nearest neighbour (enough for zxing; outside is paper). */
function rotateSmall(img: LuminancePlane, degrees: number): LuminancePlane {
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const { width: w, height: h } = img;
  const data = new Uint8ClampedArray(w * h);
  const cx = w / 2;
  const cy = h / 2;
  for (let y = 0; y < h; y++) {
    const dy = y - cy;
    for (let x = 0; x < w; x++) {
      const dx = x - cx;
      const sx = Math.round(cx + dx * cos + dy * sin);
      const sy = Math.round(cy - dx * sin + dy * cos);
      data[y * w + x] = sx < 0 || sy < 0 || sx >= w || sy >= h ? 255 : (img.data[sy * w + sx] ?? 255);
    }
  }
  return { data, width: w, height: h };
}

/**
 * Test and self-test support: reads the QR code in a rendered receipt PNG the way a verifier's phone
 * would see the paper. Throws a coded error when no readable QR is there.
 */
export function decodeQrFromPng(png: Buffer): string {
  const image = PNG.sync.read(png);
  const luminance = new Uint8ClampedArray(image.width * image.height);
  // The simulator renders black on white, opaque: the red channel is the luminance.
  for (let i = 0; i < luminance.length; i++) luminance[i] = image.data[i * 4] ?? 255;
  const hit = readBarcode({ data: luminance, width: image.width, height: image.height }, ['QR_CODE']);
  if (!hit) throw new ApplianceError(QR_NOT_FOUND, 'no readable QR code in the image', { width: image.width, height: image.height });
  return hit.text;
}
