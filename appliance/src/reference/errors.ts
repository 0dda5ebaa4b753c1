/**
 * Codes of the appliance's reference-data layer and their HTTP status codes. The query routes only
 * read local tables, so they fail only as the store fails; these codes are about pulling.
 */
export const ReferenceErrorCodes = {
  /** The central's page failed validation (envelope, version order, a row's columns): nothing applied. */
  PageInvalid: 'REFERENCE_PAGE_INVALID',
  /** The local version moved between asking for a page and applying it (a second writer): retried. */
  VersionMoved: 'REFERENCE_VERSION_MOVED',
  /** central.url is not a usable http(s) URL. */
  CentralUrlInvalid: 'REFERENCE_CENTRAL_URL_INVALID',
} as const;

export type ReferenceErrorCode = (typeof ReferenceErrorCodes)[keyof typeof ReferenceErrorCodes];

export const REFERENCE_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  REFERENCE_PAGE_INVALID: 502,
  REFERENCE_VERSION_MOVED: 409,
};
