/**
 * Codes of the reference-data routes. central/src/errors.ts maps its own codes; these carry their
 * HTTP status on the error (toHttpError honours a 4xx `statusCode`), so that file stays untouched.
 */
import { ApplianceError } from '@lmc/core/errors.ts';

export const ReferenceErrorCodes = {
  /** x-timestamp missing, malformed or outside the skew window. The response's Date header gives the central's clock. */
  ClockSkew: 'REFERENCE_CLOCK_SKEW',
  TableUnknown: 'REFERENCE_TABLE_UNKNOWN',
  /** Rows fail the table's column rules (tables.ts) or its CHECK constraints. */
  RowsInvalid: 'REFERENCE_ROWS_INVALID',
  /** A row refers to one that does not exist, or a delete would orphan rows (foreign keys). */
  Conflict: 'REFERENCE_CONFLICT',
} as const;

export type ReferenceErrorCode = (typeof ReferenceErrorCodes)[keyof typeof ReferenceErrorCodes];

export const REFERENCE_STATUS: Record<ReferenceErrorCode, number> = {
  REFERENCE_CLOCK_SKEW: 401,
  REFERENCE_TABLE_UNKNOWN: 404,
  REFERENCE_ROWS_INVALID: 400,
  REFERENCE_CONFLICT: 409,
};

export class ReferenceDataError extends ApplianceError {
  readonly statusCode: number;
  constructor(code: ReferenceErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.statusCode = REFERENCE_STATUS[code];
  }
}

export function referenceError(code: ReferenceErrorCode, message: string, context: Record<string, unknown> = {}): ReferenceDataError {
  return new ReferenceDataError(code, message, context);
}
