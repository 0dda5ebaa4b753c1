/**
 * Finds and reads a QR code (receipts, job offers) or a PDF417 symbol (identity documents,
 * e.g. driving licences and ID cards that carry AAMVA or national PDF417 data) in an uploaded
 * image with @zxing/library. Decoded text can be personal data: it is returned, never logged.
 *
 * `decodeBarcodeImage` runs on the calling thread: for trusted images (tests, the benchmark, rendered
 * receipts). Uploads go through barcode-reader.ts, which runs the same steps in a worker thread with a
 * bounded queue and a time limit.
 */
import { ApplianceError } from '../errors.ts';
import { type BarcodeSymbology, readBarcode } from '@lmc/firmware-bridge/escpos/decode-qr-png.ts';
import { FirmwareBridgeErrors } from '@lmc/firmware-bridge/errors.ts';
import { decodeToLuminance, type Luminance } from './image-luminance.ts';
import { isJobOfferText, type JobOfferParse, parseJobOffer } from './job-offer.ts';
import { RECEIPT_QR_PREFIX } from '../printing/receipt-signature.ts';

export type { BarcodeSymbology };
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

export function decodeBarcodeImage(bytes: Uint8Array): DecodedBarcode {
  return decodeLuminance(decodeToLuminance(bytes));
}

/**
 * The shared zxing ladder (firmware-bridge/src/escpos/decode-qr-png.ts: several scales and
 * binarizers, quarter turns and ±10° deskew for PDF417) with this layer's coded error.
 */
export function decodeLuminance(img: Luminance): DecodedBarcode {
  const hit = readBarcode(img, ['QR_CODE', 'PDF_417']);
  if (hit) return hit;
  throw new ApplianceError(
    FirmwareBridgeErrors.BARCODE_NOT_FOUND.code,
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
