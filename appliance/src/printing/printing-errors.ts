import { declareErrors } from '@lmc/core/errors.ts';

/**
 * Codes of the printing layer (receipts, print jobs, the receipt catalogue), declared once with their
 * HTTP status. Printer faults are the firmware bridge's PRINTER_* codes (escpos-errors.ts).
 */
export const PrintingErrors = declareErrors({
  /** No receipt printer is configured on this appliance. */
  PRINTER_ABSENT: { status: 409, messageKey: 'printError.PRINTER_ABSENT' },
  /** A print job not in the status the action needs (e.g. reprint of a job that did not fail: a double press). */
  PRINT_JOB_CONFLICT: { status: 409, messageKey: 'error.PRINT_JOB_CONFLICT' },
  /** A request value the printing and documents routes cannot use (language, date, id). */
  INVALID_INPUT: { status: 400 },
  /** The receipt text catalogue (ui/src/i18n/receipt.*.json) is missing or lacks a key. */
  RECEIPT_CATALOGUE_INVALID: { status: 500 },
  /** The claims of a receipt QR cannot be encoded (a bug upstream, not the officer's input). */
  RECEIPT_CLAIMS_INVALID: { status: 500 },
});

