import { ApplianceError } from '@lmc/core/errors.ts';

/**
 * Codes of the receipt-printer layer. The officer-facing message says what to do at the
 * counter; the code is what software matches on.
 */
export const EscPosErrorCodes = {
  PaperOut: 'PRINTER_PAPER_OUT',
  CoverOpen: 'PRINTER_COVER_OPEN',
  Offline: 'PRINTER_OFFLINE',
  Timeout: 'PRINTER_TIMEOUT',
  NotOpen: 'PRINTER_NOT_OPEN',
  DocumentInvalid: 'RECEIPT_DOCUMENT_INVALID',
} as const;

export type EscPosErrorCode = (typeof EscPosErrorCodes)[keyof typeof EscPosErrorCodes];

/** `before`: refused, nothing was sent. `during`: the job was (partly) sent and did not finish. */
export type PrintPhase = 'before' | 'during';

export function documentInvalid(message: string, context: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError(EscPosErrorCodes.DocumentInvalid, `receipt cannot be printed: ${message}`, context);
}
