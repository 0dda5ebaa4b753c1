/**
 * Refusals of the prints feature (central/src/prints/). Their codes are declared with the central's others (../errors.ts);
 * the error carries its status (toHttpError honours it as every declared code's).
 */
import { StatusCodedError } from '@lmc/core/errors.ts';
import { type CentralErrorCode, CentralErrors } from '../errors.ts';

/** The prints feature's codes. */
export type PrintErrorCode = Extract<CentralErrorCode, `PRINT_${string}` | 'FACE_NOT_FOUND'>;

/** A class of its own (not just centralError) so that the routes can tell a print refusal with `instanceof`. */
export class PrintError extends StatusCodedError<PrintErrorCode> {
  constructor(code: PrintErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(CentralErrors, code, message, context);
  }
}
