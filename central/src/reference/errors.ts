/**
 * Codes of the reference-data routes, declared once with their HTTP status. The error carries its status
 * (toHttpError in central/src/errors.ts honours a 4xx `statusCode`), so that file stays untouched.
 */
import { type CodeOf, declareErrors, statusCodedErrors } from '@lmc/core/errors.ts';

export const ReferenceErrors = declareErrors({
  /** x-timestamp missing, malformed or outside the skew window. The response's Date header gives the central's clock. */
  REFERENCE_CLOCK_SKEW: { status: 401 },
  REFERENCE_TABLE_UNKNOWN: { status: 404 },
  /** Rows fail the table's column rules (tables.ts) or its CHECK constraints. */
  REFERENCE_ROWS_INVALID: { status: 400 },
  /** A row refers to one that does not exist, or a delete would orphan rows (foreign keys). */
  REFERENCE_CONFLICT: { status: 409 },
});

export type ReferenceErrorCode = CodeOf<typeof ReferenceErrors>;

/** The names the call sites use. */
export const ReferenceErrorCodes = {
  ClockSkew: 'REFERENCE_CLOCK_SKEW',
  TableUnknown: 'REFERENCE_TABLE_UNKNOWN',
  RowsInvalid: 'REFERENCE_ROWS_INVALID',
  Conflict: 'REFERENCE_CONFLICT',
} as const satisfies Record<string, ReferenceErrorCode>;

export const referenceError = statusCodedErrors(ReferenceErrors);
