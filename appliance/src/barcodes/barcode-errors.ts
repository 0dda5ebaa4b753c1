/**
 * Upload limit of one barcode photo (route-level bodyLimit): a 12 MP phone JPEG is 2–6 MB. Larger than the
 * app's 256 KiB JSON limit, smaller than the 12 MiB the other image routes accept.
 */
export const BARCODE_UPLOAD_LIMIT = 8 * 1024 * 1024;
