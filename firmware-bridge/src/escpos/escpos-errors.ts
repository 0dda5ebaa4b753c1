import { type CodeOf, declareErrors } from '@lmc/core/errors.ts';
import { ApplianceError } from '../errors.ts';

/**
 * Codes of the receipt-printer layer, declared once with their HTTP status. The officer-facing
 * message says what to do at the counter; the code is what software matches on. Printer faults
 * end up on the print job (the UI's printError.* texts), not in an HTTP answer.
 */
export const EscPosErrors = declareErrors({
  PRINTER_PAPER_OUT: { status: 409, messageKey: 'printError.PRINTER_PAPER_OUT' },
  PRINTER_COVER_OPEN: { status: 409, messageKey: 'printError.PRINTER_COVER_OPEN' },
  PRINTER_OFFLINE: { status: 503, messageKey: 'printError.PRINTER_OFFLINE' },
  PRINTER_TIMEOUT: { status: 503, messageKey: 'printError.PRINTER_TIMEOUT' },
  PRINTER_NOT_OPEN: { status: 503, messageKey: 'printError.PRINTER_NOT_OPEN' },
  RECEIPT_DOCUMENT_INVALID: { status: 500 },
  /** No readable QR code / PDF417 in an image (decode-qr-png.ts; the appliance's uploads too). */
  BARCODE_NOT_FOUND: { status: 422 },
});

export type EscPosErrorCode = CodeOf<typeof EscPosErrors>;

/** `before`: refused, nothing was sent. `during`: the job was (partly) sent and did not finish. */
export type PrintPhase = 'before' | 'during';

export function documentInvalid(message: string, context: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError(EscPosErrors.RECEIPT_DOCUMENT_INVALID.code, `receipt cannot be printed: ${message}`, context);
}
