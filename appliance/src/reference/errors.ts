import { type CodeOf, declareErrors } from '@lmc/core/errors.ts';

/**
 * Codes of the appliance's reference-data layer, declared once with their HTTP status. The query routes
 * only read local tables, so they fail only as the store fails; these codes are about pulling.
 */
export const ReferenceErrors = declareErrors({
  /** The central's page failed validation (envelope, version order, a row's columns): nothing applied. */
  REFERENCE_PAGE_INVALID: { status: 502 },
  /** The local version moved between asking for a page and applying it (a second writer): retried. */
  REFERENCE_VERSION_MOVED: { status: 409 },
  /** central.url is not a usable http(s) URL (start-up only). */
  REFERENCE_CENTRAL_URL_INVALID: { status: 500 },
});

export type ReferenceErrorCode = CodeOf<typeof ReferenceErrors>;
