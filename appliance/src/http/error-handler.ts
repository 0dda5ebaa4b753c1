import type { FastifyError, FastifyInstance } from 'fastify';
import { isApplianceError } from '@lmc/core/errors.ts';
import { AUTH_STATUS_BY_CODE } from '../auth/auth-errors.ts';
import { BARCODE_STATUS_BY_CODE } from '../barcodes/barcode-errors.ts';
import { FINGERPRINT_STATUS_BY_CODE } from '../fingerprints/fingerprint-errors.ts';
import { DETAILS_STATUS_BY_CODE } from '../registrations-details/details-errors.ts';

/** One place that maps error codes to HTTP status codes (fastify lib/errors.js style). */
const STATUS_BY_CODE: Record<string, number> = {
  NOT_FOUND: 404,
  INVALID_STATE: 409,
  STORE_CONFLICT: 409,
  STORE_DISK_FULL: 507,
  STORE_INVALID_CURSOR: 400,
  STORE_INVALID_INPUT: 400,
  STORE_BUSY: 503,
  STORE_CLOSED: 503,
  STORE_IO_ERROR: 503,
  STORE_READ_ONLY: 507,
  STORE_AUDIT_IMMUTABLE: 409,
  UNSUPPORTED_MEDIA_TYPE: 415,
  MRZ_UNRECOGNISED_FORMAT: 400,
  MRZ_INVALID_CHARACTERS: 400,
  SCAN_NOT_FOUND: 404,
  DEVICE_NOT_CONNECTED: 503,
  DEVICE_BUSY: 409,
  NOT_SIMULATED: 409,
  ...AUTH_STATUS_BY_CODE,
  ...BARCODE_STATUS_BY_CODE,
  ...FINGERPRINT_STATUS_BY_CODE,
  ...DETAILS_STATUS_BY_CODE,
};

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
}

export function statusForCode(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (isApplianceError(err)) {
      const statusCode = statusForCode(err.code);
      if (statusCode >= 500) request.log.error({ code: err.code }, err.message);
      // A busy worker or a rate limit says when to come back.
      const retryAfterS = err.context.retryAfterS;
      if (typeof retryAfterS === 'number' && Number.isFinite(retryAfterS)) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterS))));
      return reply.status(statusCode).send({ statusCode, code: err.code, message: err.message } satisfies ErrorBody);
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const where = fe.validationContext ?? 'request';
      const detail = fe.validation
        .map((v) => `${where}${v.instancePath ? v.instancePath.replaceAll('/', '.') : ''} ${v.message ?? 'is invalid'}`)
        .slice(0, 3)
        .join('; ');
      return reply.status(400).send({ statusCode: 400, code: 'BAD_REQUEST', message: detail } satisfies ErrorBody);
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply
        .status(fe.statusCode)
        .send({ statusCode: fe.statusCode, code: fe.code ?? 'BAD_REQUEST', message: fe.message } satisfies ErrorBody);
    }
    // Never echo internals: log them (no request bodies: they may hold personal data) and say something useful.
    request.log.error({ err: { message: err.message, name: err.name, stack: err.stack } }, 'unhandled error');
    return reply
      .status(500)
      .send({ statusCode: 500, code: 'INTERNAL', message: 'the appliance hit an unexpected error; the officer\'s data was not changed' } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ statusCode: 404, code: 'ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url}` } satisfies ErrorBody),
  );
}
