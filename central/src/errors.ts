/**
 * The central's error codes, declared once, in one table (zwave-js style: one catalogue of codes per package),
 * each with the HTTP status of an answer carrying it, and the one place that maps anything thrown to an HTTP
 * answer (toHttpError, fastify lib/errors.js style). Codes are the identity; messages are for people and never
 * carry payload content, signatures or keys.
 */
import { type CodeOf, declareErrors, type ErrorDeclaration, isApplianceError, StatusCodedError } from '@lmc/core/errors.ts';

export const CentralErrors = declareErrors({
  // Batch receiver, device and staff authentication, statistics, configuration.
  /** content-encoding is not gzip. */
  BATCH_NOT_GZIP: { status: 415 },
  /** content-type is not application/json. */
  BATCH_UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  /** Compressed or decompressed body over the configured limit. */
  BATCH_TOO_LARGE: { status: 413 },
  /** More records than the configured limit. */
  BATCH_TOO_MANY_RECORDS: { status: 413 },
  /** Body is not valid gzip or not valid JSON. */
  BATCH_CORRUPT: { status: 400 },
  /** Body does not match the batch schema. */
  BATCH_INVALID: { status: 400 },
  /** Body deviceId differs from the x-device-id header. */
  BATCH_DEVICE_MISMATCH: { status: 400 },
  /** No x-device-id / x-signature header. */
  AUTH_MISSING: { status: 401 },
  /** The attempt's x-attempt-at is outside the central's window (the Date header gives the central's clock). */
  BATCH_ATTEMPT_STALE: { status: 401 },
  /** The attempt's nonce was seen before: a replayed request (the records themselves stay idempotent). */
  BATCH_REPLAYED: { status: 409 },
  /**
   * The one answer to a device whose id is not enrolled (or revoked) or whose signature does not
   * verify: telling the two apart would let an outsider list the enrolled device ids.
   */
  DEVICE_AUTH_FAILED: { status: 401 },
  /**
   * Internal reasons behind DEVICE_AUTH_FAILED, kept in the rejected-batch log for auditors
   * (context.reason), never sent to the client.
   */
  DEVICE_UNKNOWN: { status: 401 },
  SIGNATURE_INVALID: { status: 401 },
  /** No valid staff session (or admin token) on a route that needs one. */
  AUTH_REQUIRED: { status: 401 },
  /** Signed in, but the role does not grant this route. */
  ACCESS_DENIED: { status: 403 },
  /** Wrong name or password, or the account is locked or disabled: one answer for all. */
  SIGN_IN_FAILED: { status: 401 },
  /** Too many password verifications in progress; retry shortly. */
  AUTH_BUSY: { status: 503 },
  /** Per-client rate limit exceeded (retry-after header says when). */
  RATE_LIMITED: { status: 429 },
  /** A staff account with that user name exists. */
  STAFF_EXISTS: { status: 409 },
  /** Unsuppressed statistics asked for by a role that may only see published tables. */
  STATS_MICRODATA_FORBIDDEN: { status: 403 },
  /** The grouping is too detailed for suppression to be verified safe; ask for fewer dimensions. */
  STATS_TOO_DETAILED: { status: 422 },
  /** An admin route names a device that was never enrolled (or, for re-key, is revoked). */
  DEVICE_NOT_ENROLLED: { status: 404 },
  /** Revoking a device that is revoked already. */
  DEVICE_ALREADY_REVOKED: { status: 409 },
  /** A route without an access declaration (startup only, never an HTTP answer). */
  ROUTE_ACCESS_UNDECLARED: { status: 500 },
  /** Query string or other request part fails its schema. */
  REQUEST_INVALID: { status: 400 },
  ROUTE_NOT_FOUND: { status: 404 },
  /** Device list or other configuration is invalid (startup only, never an HTTP answer). */
  CONFIG_INVALID: { status: 500 },
  INTERNAL: { status: 500 },

  // Enrolment (enrolment/, routes/enrolment.ts).
  OFFICE_UNKNOWN: { status: 404 },
  /** The code does not exist, was already used, or expired: one answer for all three (no oracle). */
  ENROLMENT_CODE_INVALID: { status: 403 },
  /** The signature does not prove possession of the presented key. */
  ENROLMENT_PROOF_INVALID: { status: 401 },
  /** The public key is not an Ed25519 SPKI PEM. */
  ENROLMENT_KEY_INVALID: { status: 400 },
  /** The device id is already enrolled with another, unrevoked key. */
  ENROLMENT_DEVICE_EXISTS: { status: 409 },
  /** The identity to replace or decommission is not enrolled (or already revoked). */
  ENROLMENT_DEVICE_NOT_ENROLLED: { status: 404 },
  /** A decommission request outside the replay window. */
  ENROLMENT_REQUEST_EXPIRED: { status: 401 },

  // Person index, lookup and access-audit routes (persons/).
  /** No person with that id. */
  PERSON_NOT_FOUND: { status: 404 },
  /** No candidate link with that id. */
  CANDIDATE_NOT_FOUND: { status: 404 },
  /** The candidate link was accepted or rejected before. */
  CANDIDATE_DECIDED: { status: 409 },
  /** One of the two persons was merged into another since the candidate was made: review the survivor. */
  CANDIDATE_STALE: { status: 409 },
  /** Search terms too short or malformed. */
  PERSON_SEARCH_INVALID: { status: 400 },
  /** The lookup's k is not a 64-hex keyed hash. */
  LOOKUP_INVALID: { status: 400 },

  // CSCA routes (csca/).
  /** The body is neither a PEM bundle, a DER certificate nor an ICAO master list, or the master list's signature does not verify. */
  CSCA_LIST_INVALID: { status: 400 },
  /** The file parsed, but none of its certificates is a usable CSCA (every one refused: see the message). */
  CSCA_NONE_ACCEPTED: { status: 422 },
  /** No CSCA certificate with that fingerprint. */
  CSCA_NOT_FOUND: { status: 404 },
  /** CSCA rows are written by the CSCA routes only (they come from a checked certificate), not the generic reference edit. */
  CSCA_EDIT_REFUSED: { status: 400 },

  // Prints (prints/): refusals carry their status on the error (PrintError), for the print routes' handler.
  /** No forwarded print with that blob id (or no registration with that id holding templates). */
  PRINT_NOT_FOUND: { status: 404 },
  /** No registration with that id whose forwarded record holds the passport chip's face photo (issue #18). */
  FACE_NOT_FOUND: { status: 404 },
  /** The print was sealed under the appliance's data key only (appliance enrolled before the central had an encryption key). */
  PRINT_NOT_SEALED_TO_CENTRAL: { status: 409 },
  /** Sealed to a central encryption key this central no longer holds (a retired key was destroyed). */
  PRINT_KEY_UNKNOWN: { status: 409 },
  /** The print failed its integrity check (altered, or its place in the record does not match). */
  PRINT_DAMAGED: { status: 422 },
  /** This central has no encryption key configured: it cannot open or re-seal prints. */
  PRINT_KEYS_MISSING: { status: 503 },
  /** The requesting appliance published no encryption key at enrolment: enrol it again (re-key) to verify across offices. */
  PRINT_DEVICE_KEY_MISSING: { status: 409 },

  // Recruitment routes (recruitment/, #17).
  /** An employer or vacancy row breaks a recruitment rule (discrimination, missing terms of an open vacancy, vocabularies). */
  RECRUITMENT_TERMS_INVALID: { status: 400 },
  /** The x-content query hash of an events request is not the SHA-256 of its body. */
  RECRUITMENT_BODY_HASH_MISMATCH: { status: 400 },
  /** The events body is not { events: [...] } JSON. */
  RECRUITMENT_EVENTS_INVALID: { status: 400 },
  /** More events than MAX_EVENTS_PER_REQUEST. */
  RECRUITMENT_TOO_MANY_EVENTS: { status: 413 },
  /** No candidacy with that id. */
  CANDIDACY_NOT_FOUND: { status: 404 },
  /** No vacancy with that id. */
  VACANCY_NOT_FOUND: { status: 404 },
  /** The outcome change is not allowed from the candidacy's current status (e.g. departure before selection). */
  CANDIDACY_STATE_INVALID: { status: 409 },
  /** A contract was given for a candidacy that is not selected, or has bad terms. */
  CONTRACT_INVALID: { status: 400 },
  /** No cost report with that id. */
  COST_REPORT_NOT_FOUND: { status: 404 },
  /** Exchange-rate row malformed. */
  EXCHANGE_RATE_INVALID: { status: 400 },
  /** The grouping is not one the recruitment statistics offer. */
  RECRUITMENT_STATS_INVALID: { status: 400 },

  // Reference-data routes (reference/).
  /** x-timestamp missing, malformed or outside the skew window. The response's Date header gives the central's clock. */
  REFERENCE_CLOCK_SKEW: { status: 401 },
  REFERENCE_TABLE_UNKNOWN: { status: 404 },
  /** Rows fail the table's column rules (tables.ts) or its CHECK constraints. */
  REFERENCE_ROWS_INVALID: { status: 400 },
  /** A row refers to one that does not exist, or a delete would orphan rows (foreign keys). */
  REFERENCE_CONFLICT: { status: 409 },
});

export type CentralErrorCode = CodeOf<typeof CentralErrors>;

/** The names the receiver's call sites use. */
export const CentralErrorCodes = {
  BatchNotGzip: 'BATCH_NOT_GZIP',
  BatchUnsupportedMediaType: 'BATCH_UNSUPPORTED_MEDIA_TYPE',
  BatchTooLarge: 'BATCH_TOO_LARGE',
  BatchTooManyRecords: 'BATCH_TOO_MANY_RECORDS',
  BatchCorrupt: 'BATCH_CORRUPT',
  BatchInvalid: 'BATCH_INVALID',
  BatchDeviceMismatch: 'BATCH_DEVICE_MISMATCH',
  AuthMissing: 'AUTH_MISSING',
  BatchAttemptStale: 'BATCH_ATTEMPT_STALE',
  BatchReplayed: 'BATCH_REPLAYED',
  DeviceAuthFailed: 'DEVICE_AUTH_FAILED',
  DeviceUnknown: 'DEVICE_UNKNOWN',
  SignatureInvalid: 'SIGNATURE_INVALID',
  AuthRequired: 'AUTH_REQUIRED',
  AccessDenied: 'ACCESS_DENIED',
  SignInFailed: 'SIGN_IN_FAILED',
  AuthBusy: 'AUTH_BUSY',
  RateLimited: 'RATE_LIMITED',
  StaffExists: 'STAFF_EXISTS',
  StatsMicrodataForbidden: 'STATS_MICRODATA_FORBIDDEN',
  StatsTooDetailed: 'STATS_TOO_DETAILED',
  DeviceNotEnrolled: 'DEVICE_NOT_ENROLLED',
  DeviceAlreadyRevoked: 'DEVICE_ALREADY_REVOKED',
  RouteAccessUndeclared: 'ROUTE_ACCESS_UNDECLARED',
  RequestInvalid: 'REQUEST_INVALID',
  RouteNotFound: 'ROUTE_NOT_FOUND',
  ConfigInvalid: 'CONFIG_INVALID',
  Internal: 'INTERNAL',
} as const satisfies Record<string, CentralErrorCode>;

/** The declaration of a code, or undefined for a code the central does not declare. */
function declarationOf(code: string): ErrorDeclaration | undefined {
  return Object.hasOwn(CentralErrors, code) ? (CentralErrors as Record<string, ErrorDeclaration>)[code] : undefined;
}

/** The central's one error constructor: a coded error that carries its declared status (`statusCode`). */
export function centralError(code: CentralErrorCode, message: string, context: Record<string, unknown> = {}): StatusCodedError<CentralErrorCode> {
  return new StatusCodedError(CentralErrors, code, message, context);
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
  const declared = isApplianceError(err) ? declarationOf(err.code) : undefined;
  if (declared) return { statusCode: declared.status, code: declared.code, message: (err as Error).message, internal: declared.status === 500 };
  const e = err as { code?: unknown; statusCode?: unknown; validation?: unknown; validationContext?: unknown; message?: unknown };
  if (e && e.validation !== undefined) {
    // Schema failures on the batch body are BATCH_INVALID; elsewhere (query strings, headers) REQUEST_INVALID.
    const code = e.validationContext === 'body' ? CentralErrorCodes.BatchInvalid : CentralErrorCodes.RequestInvalid;
    return { statusCode: 400, code, message: String(e.message), internal: false };
  }
  if (e && typeof e.code === 'string' && e.code in FASTIFY_CODES) {
    const code = FASTIFY_CODES[e.code] as CentralErrorCode;
    return { statusCode: CentralErrors[code].status, code, message: String(e.message), internal: false };
  }
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { statusCode: e.statusCode, code: typeof e.code === 'string' ? e.code : 'BAD_REQUEST', message: String(e.message), internal: false };
  }
  return { statusCode: 500, code: CentralErrorCodes.Internal, message: 'Internal error', internal: true };
}
