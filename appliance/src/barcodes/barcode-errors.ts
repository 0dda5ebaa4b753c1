import { declareErrors } from '@lmc/core/errors.ts';

/**
 * Codes of the barcode layer (uploads read by POST /api/barcodes/decode and receipt photos), declared once
 * with their HTTP status. Bad input is always a 4xx with a message that tells the officer what to do; only
 * a busy or restarting reader is a 503 (with Retry-After from `context.retryAfterS`), never a 500.
 */
export const BarcodeErrors = declareErrors({
  /** Not a PNG or JPEG, truncated, damaged, or a variant the decoders do not read. */
  BARCODE_IMAGE_INVALID: { status: 400 },
  /** Over the pixel cap (or a side over the side cap), refused from the header before any pixel is decoded. */
  BARCODE_IMAGE_TOO_LARGE: { status: 413 },
  /** The reader worked on this image for longer than its time limit and was stopped. The same image would take
   * as long again: the officer needs a closer, sharper photo, not a retry. */
  BARCODE_TIMEOUT: { status: 422 },
  /** The reader's queue is full (or the image waited too long in it): try again shortly. */
  BARCODE_BUSY: { status: 503 },
  /** The reader worker is shut down or failed to start/crashed: try again shortly. */
  BARCODE_READER_UNAVAILABLE: { status: 503 },
});

/**
 * Upload limit of one barcode photo (route-level bodyLimit): a 12 MP phone JPEG is 2–6 MB. Larger than the
 * app's 256 KiB JSON limit, smaller than the 12 MiB the other image routes accept.
 */
export const BARCODE_UPLOAD_LIMIT = 8 * 1024 * 1024;
