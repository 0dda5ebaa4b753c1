import type { TSchema } from '@sinclair/typebox';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import type { Access } from './access.ts';
import { ErrorSchema } from './schemas.ts';

type Responses = Readonly<Record<number, TSchema>>;

/**
 * What every route of one module repeats in its options: who may call it (`config.access`, access.ts: deny by
 * default) and, in its OpenAPI schema, the module's tags and the error answers it can give. Made once per module,
 *
 *   const route = routeOptions({ tags: ['auth'], errors });
 *   app.get('/api/officers', route('supervisor', { summary: 'Officers', response: { 200: Officers } }), handler);
 *
 * gives `{ config: { access: 'supervisor' }, schema: { tags: ['auth'], summary, response: { 200: Officers, ...errors } } }`.
 * The route's own schema comes after the module's tags (a route may name others); its answers before the errors
 * (none where the module's routes each list their own).
 */
export function routeOptions<E extends Responses = Record<never, TSchema>>(defaults: { tags: readonly string[]; errors?: E }) {
  return <S extends { response: Responses }>(access: Access, schema: S) => ({
    config: { access },
    schema: { tags: [...defaults.tags], ...schema, response: { ...schema.response, ...defaults.errors } },
  });
}

/** The controls of a simulated device (tag simulator): 409 NOT_SIMULATED where the device is real hardware. */
export const simulatorRoute = routeOptions({ tags: ['simulator'], errors: { 409: ErrorSchema } });

/** The device's simulator, or 409 NOT_SIMULATED with `realHardware` (what to do with the real device instead). */
export function simulatorOf<T>(simulator: T | undefined, realHardware: string): T {
  if (!simulator) throw new ApplianceError(ApplianceErrors.NOT_SIMULATED.code, realHardware);
  return simulator;
}

/** `value`, or 404 NOT_FOUND with `message` (and `context`) when there is none. */
export function orNotFound<T>(value: T | null | undefined, message: string, context?: Record<string, unknown>): T {
  if (value === null || value === undefined) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, message, context);
  return value;
}
