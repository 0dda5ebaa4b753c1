/**
 * Codes of the barcode layer (uploads read by POST /api/barcodes/decode and receipt photos) and their
 * HTTP status. Bad input is always a 4xx with a message that tells the officer what to do; only a busy
 * or restarting reader is a 503 (with Retry-After), never a 500.
 */
export const BarcodeErrorCodes = {
  /** Not a PNG or JPEG, truncated, damaged, or a variant the decoders do not read. */
  ImageInvalid: 'BARCODE_IMAGE_INVALID',
  /** Over the pixel cap (or a side over the side cap), refused from the header before any pixel is decoded. */
  ImageTooLarge: 'BARCODE_IMAGE_TOO_LARGE',
  /** The image decoded, but no readable QR code or PDF417 is in it. */
  NotFound: 'BARCODE_NOT_FOUND',
  /** The reader worked on this image for longer than its time limit and was stopped. */
  Timeout: 'BARCODE_TIMEOUT',
  /** The reader's queue is full (or the image waited too long in it): try again shortly. */
  Busy: 'BARCODE_BUSY',
  /** The reader worker is shut down or failed to start/crashed: try again shortly. */
  ReaderUnavailable: 'BARCODE_READER_UNAVAILABLE',
} as const;

/** Status per code; merged into http/error-handler.ts's STATUS_BY_CODE and the barcode routes' scoped table. */
export const BARCODE_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  BARCODE_IMAGE_INVALID: 400,
  BARCODE_IMAGE_TOO_LARGE: 413,
  BARCODE_NOT_FOUND: 422,
  // The same image would take as long again: the officer needs a closer, sharper photo, not a retry.
  BARCODE_TIMEOUT: 422,
  BARCODE_BUSY: 503,
  BARCODE_READER_UNAVAILABLE: 503,
};

/** Codes answered with 503 + Retry-After: a state of the appliance, not of the image. */
export const BARCODE_RETRYABLE_CODES: ReadonlySet<string> = new Set([BarcodeErrorCodes.Busy, BarcodeErrorCodes.ReaderUnavailable]);

/**
 * Upload limit of one barcode photo (route-level bodyLimit): a 12 MP phone JPEG is 2–6 MB. Larger than the
 * app's 256 KiB JSON limit, smaller than the 12 MiB the other image routes accept.
 */
export const BARCODE_UPLOAD_LIMIT = 8 * 1024 * 1024;
