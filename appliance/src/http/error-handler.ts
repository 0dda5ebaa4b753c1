import type { FastifyError, FastifyInstance } from 'fastify';
import { declarationOf } from '../error-table.ts';
import { isApplianceError, ApplianceErrors } from '../errors.ts';

/**
 * THE error handler of the appliance's server (fastify lib/errors.js style): the status of a coded
 * error is its declaration's (error-table.ts), never a table here or a plugin's own handler.
 */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  /** Members the code's declaration exposes from the error's context (`field`, `missing`, `lockedUntil`, ...). */
  [exposed: string]: unknown;
}

/** The answer to a coded error: status, code, message and the context members its declaration exposes. */
export function errorBody(code: string, message: string, context: Record<string, unknown>): ErrorBody {
  const declaration = declarationOf(code);
  const body: ErrorBody = { statusCode: declaration?.status ?? 500, code, message };
  for (const member of declaration?.expose ?? []) {
    if (context[member] !== undefined) body[member] = context[member];
  }
  return body;
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (isApplianceError(err)) {
      const body = errorBody(err.code, err.message, err.context);
      if (body.statusCode >= 500) request.log.error({ code: err.code }, err.message);
      // A busy worker or a rate limit says when to come back.
      const retryAfterS = err.context.retryAfterS;
      if (typeof retryAfterS === 'number' && Number.isFinite(retryAfterS)) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterS))));
      return reply.status(body.statusCode).send(body);
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const where = fe.validationContext ?? 'request';
      const detail = fe.validation
        .map((v) => `${where}${v.instancePath ? v.instancePath.replaceAll('/', '.') : ''} ${v.message ?? 'is invalid'}`)
        .slice(0, 3)
        .join('; ');
      return reply.status(400).send(errorBody(ApplianceErrors.BAD_REQUEST.code, detail, {}));
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      // Fastify's own refusals (body too large, bad JSON, unsupported content type): its FST_* code, its status.
      return reply
        .status(fe.statusCode)
        .send({ statusCode: fe.statusCode, code: fe.code ?? ApplianceErrors.BAD_REQUEST.code, message: fe.message } satisfies ErrorBody);
    }
    // Never echo internals: log them (no request bodies: they may hold personal data) and say something useful.
    request.log.error({ err: { message: err.message, name: err.name, stack: err.stack } }, 'unhandled error');
    return reply
      .status(500)
      .send(errorBody(ApplianceErrors.INTERNAL.code, "the appliance hit an unexpected error; the officer's data was not changed", {}));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody(ApplianceErrors.ROUTE_NOT_FOUND.code, `no route ${request.method} ${request.url}`, {})),
  );
}
