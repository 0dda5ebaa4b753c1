import { declareErrors } from '@lmc/core/errors.ts';

/** Codes of the documents layer (registration slip, reports), declared once with their HTTP status. */
export const DocumentErrors = declareErrors({
  /** The document photo is not a JPEG or PNG, or is damaged. */
  DOCUMENT_PHOTO_INVALID: { status: 400 },
  /** The document photo is over MAX_DOCUMENT_PHOTO_BYTES. */
  DOCUMENT_PHOTO_TOO_LARGE: { status: 413 },
});

