/**
 * Finds and reads a QR code (receipts, job offers) or a PDF417 symbol (identity documents,
 * e.g. driving licences and ID cards that carry AAMVA or national PDF417 data) in an uploaded
 * image with @zxing/library. Decoded text can be personal data: it is returned, never logged.
 */
import {
  BarcodeFormat,
  BinaryBitmap,
  DecodeHintType,
  GlobalHistogramBinarizer,
  HybridBinarizer,
  MultiFormatReader,
  RGBLuminanceSource,
} from '@zxing/library';
import { ApplianceError } from '../../../firmware-bridge/src/common/errors.ts';
import { BarcodeErrorCodes, decodeToLuminance, type Luminance, shrink } from './image-luminance.ts';
import { isJobOfferText, type JobOfferParse, parseJobOffer } from './job-offer.ts';
import { RECEIPT_QR_PREFIX } from '../printing/receipt-signature.ts';

export type BarcodeSymbology = 'QR_CODE' | 'PDF_417';
export type BarcodeKind = 'receipt' | 'job-offer' | 'identity-document' | 'text';

export interface DecodedBarcode {
  format: BarcodeSymbology;
  text: string;
}

export interface ClassifiedBarcode extends DecodedBarcode {
  kind: BarcodeKind;
  /** For kind identity-document: 'aamva' when the data follows AAMVA DL/ID (header `@` LF RS CR `ANSI `). */
  standard?: 'aamva' | 'unknown';
  jobOffer?: JobOfferParse;
}

const FORMATS: Record<number, BarcodeSymbology> = { [BarcodeFormat.QR_CODE]: 'QR_CODE', [BarcodeFormat.PDF_417]: 'PDF_417' };

export function decodeBarcodeImage(bytes: Buffer): DecodedBarcode {
  return decodeLuminance(decodeToLuminance(bytes));
}

export function decodeLuminance(img: Luminance): DecodedBarcode {
  const hints = new Map<DecodeHintType, unknown>([
    [DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.QR_CODE, BarcodeFormat.PDF_417]],
    [DecodeHintType.TRY_HARDER, true],
  ]);
  const reader = new MultiFormatReader();
  reader.setHints(hints);
  // zxing's finder-pattern search misses some symbols drawn with large modules (about 1 in 10 of our
  // receipts rendered at 5 dots a module, measured on random signatures); the same image at half or a
  // third of its size reads them. So: full size, then smaller; each with the hybrid binarizer (uneven
  // light in photos) and the global histogram one (small, sharp symbols).
  const scales = [img, ...[2, 3].filter((k) => Math.min(img.width, img.height) >= 100 * k).map((k) => shrink(img, k))];
  for (const scaled of scales) {
    const source = new RGBLuminanceSource(scaled.data, scaled.width, scaled.height);
    for (const binarizer of [new HybridBinarizer(source), new GlobalHistogramBinarizer(source)]) {
      try {
        const result = reader.decodeWithState(new BinaryBitmap(binarizer));
        const format = FORMATS[result.getBarcodeFormat()];
        if (format) return { format, text: result.getText() };
      } catch {
        // zxing throws NotFound/Checksum/Format exceptions for "nothing readable here": try the next way.
      }
    }
  }
  throw new ApplianceError(
    BarcodeErrorCodes.NotFound,
    'no readable QR code or PDF417 barcode was found in the image: hold the code flat, fill the frame and avoid glare',
    { width: img.width, height: img.height },
  );
}

export function classifyBarcode(decoded: DecodedBarcode, now: Date = new Date()): ClassifiedBarcode {
  const { text } = decoded;
  if (text.startsWith(`${RECEIPT_QR_PREFIX}.`)) return { ...decoded, kind: 'receipt' };
  if (isJobOfferText(text)) return { ...decoded, kind: 'job-offer', jobOffer: parseJobOffer(text, now) };
  if (decoded.format === 'PDF_417') {
    // AAMVA DL/ID Card Design Standard, header: "@" LF RS CR "ANSI " (compliance indicator and separators).
    return { ...decoded, kind: 'identity-document', standard: text.startsWith('@\n\x1e\rANSI ') ? 'aamva' : 'unknown' };
  }
  return { ...decoded, kind: 'text' };
}
