/**
 * Error codes of the central receiver and the one place that maps them to HTTP status
 * codes (fastify lib/errors.js style). Codes are the identity; messages are for people and
 * never carry payload content, signatures or keys.
 */
import { ApplianceError, isApplianceError } from '@lmc/core/errors.ts';

export const CentralErrorCodes = {
  /** content-encoding is not gzip. */
  BatchNotGzip: 'BATCH_NOT_GZIP',
  /** content-type is not application/json. */
  BatchUnsupportedMediaType: 'BATCH_UNSUPPORTED_MEDIA_TYPE',
  /** Compressed or decompressed body over the configured limit. */
  BatchTooLarge: 'BATCH_TOO_LARGE',
  /** More records than the configured limit. */
  BatchTooManyRecords: 'BATCH_TOO_MANY_RECORDS',
  /** Body is not valid gzip or not valid JSON. */
  BatchCorrupt: 'BATCH_CORRUPT',
  /** Body does not match the batch schema. */
  BatchInvalid: 'BATCH_INVALID',
  /** Body deviceId differs from the x-device-id header. */
  BatchDeviceMismatch: 'BATCH_DEVICE_MISMATCH',
  /** No x-device-id / x-signature header. */
  AuthMissing: 'AUTH_MISSING',
  /** The attempt's x-attempt-at is outside the central's window (the Date header gives the central's clock). */
  BatchAttemptStale: 'BATCH_ATTEMPT_STALE',
  /** The attempt's nonce was seen before: a replayed request (the records themselves stay idempotent). */
  BatchReplayed: 'BATCH_REPLAYED',
  /**
   * The one answer to a device whose id is not enrolled (or revoked) or whose signature does not
   * verify: telling the two apart would let an outsider list the enrolled device ids.
   */
  DeviceAuthFailed: 'DEVICE_AUTH_FAILED',
  /**
   * Internal reasons behind DEVICE_AUTH_FAILED, kept in the rejected-batch log for auditors
   * (context.reason), never sent to the client.
   */
  DeviceUnknown: 'DEVICE_UNKNOWN',
  SignatureInvalid: 'SIGNATURE_INVALID',
  /** No valid staff session (or admin token) on a route that needs one. */
  AuthRequired: 'AUTH_REQUIRED',
  /** Signed in, but the role does not grant this route. */
  AccessDenied: 'ACCESS_DENIED',
  /** Wrong name or password, or the account is locked or disabled: one answer for all. */
  SignInFailed: 'SIGN_IN_FAILED',
  /** Too many password verifications in progress; retry shortly. */
  AuthBusy: 'AUTH_BUSY',
  /** Per-client rate limit exceeded (retry-after header says when). */
  RateLimited: 'RATE_LIMITED',
  /** A staff account with that user name exists. */
  StaffExists: 'STAFF_EXISTS',
  /** Unsuppressed statistics asked for by a role that may only see published tables. */
  StatsMicrodataForbidden: 'STATS_MICRODATA_FORBIDDEN',
  /** The grouping is too detailed for suppression to be verified safe; ask for fewer dimensions. */
  StatsTooDetailed: 'STATS_TOO_DETAILED',
  /** An admin route names a device that was never enrolled (or, for re-key, is revoked). */
  DeviceNotEnrolled: 'DEVICE_NOT_ENROLLED',
  /** Revoking a device that is revoked already. */
  DeviceAlreadyRevoked: 'DEVICE_ALREADY_REVOKED',
  /** A route without an access declaration (startup only, never an HTTP answer). */
  RouteAccessUndeclared: 'ROUTE_ACCESS_UNDECLARED',
  /** Query string or other request part fails its schema. */
  RequestInvalid: 'REQUEST_INVALID',
  RouteNotFound: 'ROUTE_NOT_FOUND',
  /** Device list or other configuration is invalid (startup only, never an HTTP answer). */
  ConfigInvalid: 'CONFIG_INVALID',
  Internal: 'INTERNAL',
} as const;

export type CentralErrorCode = (typeof CentralErrorCodes)[keyof typeof CentralErrorCodes];

const STATUS: Record<CentralErrorCode, number> = {
  BATCH_NOT_GZIP: 415,
  BATCH_UNSUPPORTED_MEDIA_TYPE: 415,
  BATCH_TOO_LARGE: 413,
  BATCH_TOO_MANY_RECORDS: 413,
  BATCH_CORRUPT: 400,
  BATCH_INVALID: 400,
  BATCH_DEVICE_MISMATCH: 400,
  AUTH_MISSING: 401,
  BATCH_ATTEMPT_STALE: 401,
  BATCH_REPLAYED: 409,
  DEVICE_AUTH_FAILED: 401,
  DEVICE_UNKNOWN: 401,
  SIGNATURE_INVALID: 401,
  AUTH_REQUIRED: 401,
  ACCESS_DENIED: 403,
  SIGN_IN_FAILED: 401,
  AUTH_BUSY: 503,
  RATE_LIMITED: 429,
  STAFF_EXISTS: 409,
  STATS_MICRODATA_FORBIDDEN: 403,
  STATS_TOO_DETAILED: 422,
  DEVICE_NOT_ENROLLED: 404,
  DEVICE_ALREADY_REVOKED: 409,
  ROUTE_ACCESS_UNDECLARED: 500,
  REQUEST_INVALID: 400,
  ROUTE_NOT_FOUND: 404,
  CONFIG_INVALID: 500,
  INTERNAL: 500,
};

export function centralError(code: CentralErrorCode, message: string, context: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError(code, message, context);
}

/** Fastify's own error codes for bad input, translated into ours so clients see one vocabulary. */
const FASTIFY_CODES: Record<string, CentralErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: CentralErrorCodes.BatchTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: CentralErrorCodes.BatchUnsupportedMediaType,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: CentralErrorCodes.BatchCorrupt,
  FST_ERR_CTP_EMPTY_JSON_BODY: CentralErrorCodes.BatchInvalid,
  FST_ERR_CTP_INVALID_JSON_BODY: CentralErrorCodes.BatchCorrupt,
  FST_ERR_VALIDATION: CentralErrorCodes.RequestInvalid,
  FST_ERR_BAD_URL: CentralErrorCodes.RequestInvalid,
};

export interface HttpErrorBody {
  statusCode: number;
  code: string;
  message: string;
}

/**
 * The one mapping from any thrown thing to an HTTP answer. Unknown errors become a 500 with a
 * generic message (the details go to the log, not to the client).
 */
export function toHttpError(err: unknown): HttpErrorBody & { internal: boolean } {
  if (isApplianceError(err) && err.code in STATUS) {
    const code = err.code as CentralErrorCode;
    return { statusCode: STATUS[code], code, message: err.message, internal: STATUS[code] === 500 };
  }
  const e = err as { code?: unknown; statusCode?: unknown; validation?: unknown; validationContext?: unknown; message?: unknown };
  if (e && e.validation !== undefined) {
    // Schema failures on the batch body are BATCH_INVALID; elsewhere (query strings, headers) REQUEST_INVALID.
    const code = e.validationContext === 'body' ? CentralErrorCodes.BatchInvalid : CentralErrorCodes.RequestInvalid;
    return { statusCode: 400, code, message: String(e.message), internal: false };
  }
  if (e && typeof e.code === 'string' && e.code in FASTIFY_CODES) {
    const code = FASTIFY_CODES[e.code] as CentralErrorCode;
    return { statusCode: STATUS[code], code, message: String(e.message), internal: false };
  }
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { statusCode: e.statusCode, code: typeof e.code === 'string' ? e.code : 'BAD_REQUEST', message: String(e.message), internal: false };
  }
  return { statusCode: 500, code: CentralErrorCodes.Internal, message: 'Internal error', internal: true };
}
