import { describe, expect, it } from 'vitest';
import { ApplianceError, type CodedErrorClass, type CodeOf, declareErrors, isApplianceError, mergeErrors, statusCodedErrors } from './errors.ts';

describe('declareErrors / mergeErrors: a layer declares its codes once, with their HTTP status', () => {
  const Store = declareErrors({
    STORE_DISK_FULL: { status: 507, messageKey: 'error.STORE_DISK_FULL' },
    NOT_FOUND: { status: 404 },
  });
  const Details = declareErrors({ DETAILS_INVALID: { status: 400, expose: ['field'] } });

  it('returns a frozen table of declarations that carry their own code', () => {
    expect(Store.STORE_DISK_FULL).toEqual({ code: 'STORE_DISK_FULL', status: 507, messageKey: 'error.STORE_DISK_FULL' });
    expect(Store.NOT_FOUND.code).toBe('NOT_FOUND');
    expect(Object.isFrozen(Store)).toBe(true);
    expect(Object.isFrozen(Store.NOT_FOUND)).toBe(true);
    expect(Object.isFrozen(Details.DETAILS_INVALID.expose)).toBe(true);
  });

  it('refuses a code that is not UPPER_SNAKE_CASE and a status that is not an HTTP error', () => {
    expect(() => declareErrors({ notFound: { status: 404 } })).toThrow(/UPPER_SNAKE_CASE/);
    expect(() => declareErrors({ OK: { status: 200 } })).toThrow(/not an HTTP error status/);
    expect(() => declareErrors({ ODD: { status: 404.5 } })).toThrow(/not an HTTP error status/);
  });

  it('merges layers into one table and throws on a code declared twice', () => {
    const all = mergeErrors(Store, Details);
    expect(Object.keys(all).sort()).toEqual(['DETAILS_INVALID', 'NOT_FOUND', 'STORE_DISK_FULL']);
    expect(all.DETAILS_INVALID).toBe(Details.DETAILS_INVALID);
    expect(() => mergeErrors(Store, declareErrors({ NOT_FOUND: { status: 410 } }))).toThrow(/NOT_FOUND is declared twice/);
  });

  it('narrows ApplianceError to a closed set at compile time, the same class at run time', () => {
    type Code = CodeOf<typeof Store> | CodeOf<typeof Details>;
    const Closed: CodedErrorClass<Code> = ApplianceError;
    const err = new Closed('NOT_FOUND', 'gone', { id: 'x' });
    // @ts-expect-error: a code no layer declares does not compile.
    const bogus = new Closed('NOT_DECLARED', 'x');
    expect(bogus).toBeInstanceOf(ApplianceError);
    expect(err).toBeInstanceOf(ApplianceError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'ApplianceError', code: 'NOT_FOUND', message: 'gone', context: { id: 'x' } });
    expect(isApplianceError(err, 'NOT_FOUND')).toBe(true);
    expect(isApplianceError(err, 'STORE_DISK_FULL')).toBe(false);
    expect(isApplianceError(new Error('NOT_FOUND'))).toBe(false);
  });

  it('statusCodedErrors: a layer constructor whose errors carry the declared status (for handlers that read statusCode)', () => {
    const storeError = statusCodedErrors(Store);
    const err = storeError('STORE_DISK_FULL', 'disk full', { free: 0 });
    expect(err).toBeInstanceOf(ApplianceError);
    expect({ code: err.code, statusCode: err.statusCode, message: err.message, context: err.context }).toEqual({ code: 'STORE_DISK_FULL', statusCode: 507, message: 'disk full', context: { free: 0 } });
    expect(storeError('NOT_FOUND', 'none').statusCode).toBe(404);
    // @ts-expect-error a code of another layer does not compile
    const undeclared = () => storeError('DETAILS_INVALID', 'x');
    expect(undeclared).toThrow(TypeError);
  });
});
