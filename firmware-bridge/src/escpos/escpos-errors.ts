import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';

/** `before`: refused, nothing was sent. `during`: the job was (partly) sent and did not finish. */
export type PrintPhase = 'before' | 'during';

export function documentInvalid(message: string, context: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError(FirmwareBridgeErrors.RECEIPT_DOCUMENT_INVALID.code, `receipt cannot be printed: ${message}`, context);
}
