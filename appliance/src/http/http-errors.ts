import { declareErrors } from '@lmc/core/errors.ts';

/** Codes of the HTTP layer itself (error-handler.ts and the request parsers), declared once with their HTTP status. */
export const HttpErrors = declareErrors({
  /** A request that fails its schema; `field` names the member to fix where one is known. */
  BAD_REQUEST: { status: 400, messageKey: 'error.BAD_REQUEST', expose: ['field'] },
  /** A body under a content type the route does not read. */
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  ROUTE_NOT_FOUND: { status: 404 },
  /** Anything uncoded: logged, never echoed. */
  INTERNAL: { status: 500 },
});

