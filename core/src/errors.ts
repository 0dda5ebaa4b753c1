/**
 * Coded errors for every layer (zwave-js ZWaveError style). Code is the identity;
 * the message is for people. Context must never carry biometric data or keys.
 *
 * Each layer declares its codes ONCE, with the HTTP status of an answer carrying the code
 * (@fastify/error style, but a table per layer instead of a class per code):
 *
 *   export const StoreErrors = declareErrors({ STORE_DISK_FULL: { status: 507 }, ... });
 *
 * The declaration is the only place a code's status lives. A package merges its layers' tables
 * (mergeErrors) into one closed set and narrows ApplianceError to it (see appliance/src/errors.ts,
 * firmware-bridge/src/errors.ts); the server's one error handler reads the status from that set.
 */

/** What a layer says about one of its codes. */
export interface ErrorSpec {
  /** HTTP status of an answer carrying this code (500 for faults and start-up-only codes). */
  readonly status: number;
  /** Key of the officer-facing text in the UI catalogues (ui/src/i18n/*.json), where the UI has one. */
  readonly messageKey?: string;
  /**
   * Context members also sent in the HTTP body, besides statusCode, code and message (e.g. `field`,
   * `missing`, `retryAfterS`). Everything else in the context stays in the logs.
   */
  readonly expose?: readonly string[];
}

/** One declared code: its spec and the code itself. */
export type ErrorDeclaration<C extends string = string> = ErrorSpec & { readonly code: C };

/** A layer's table (or a package's merged table): code → declaration. */
export type ErrorTable<C extends string = string> = { readonly [K in C]: ErrorDeclaration<K> };

/** The codes of a table: `CodeOf<typeof StoreErrors>`. */
export type CodeOf<T> = keyof T & string;

type Declared<D extends Record<string, ErrorSpec>> = { readonly [K in keyof D & string]: Readonly<D[K]> & { readonly code: K } };

const CODE_RE = /^[A-Z][A-Z0-9_]*$/;

/** Declares a layer's codes with their HTTP status (and UI message key). Checked and frozen. */
export function declareErrors<const D extends Record<string, ErrorSpec>>(specs: D): Declared<D> {
  const table: Record<string, ErrorDeclaration> = {};
  for (const [code, spec] of Object.entries(specs)) {
    if (!CODE_RE.test(code)) throw new TypeError(`error code ${code} is not UPPER_SNAKE_CASE`);
    if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) {
      throw new TypeError(`error code ${code}: status ${spec.status} is not an HTTP error status (400-599)`);
    }
    table[code] = Object.freeze({ ...spec, ...(spec.expose ? { expose: Object.freeze([...spec.expose]) } : {}), code });
  }
  return Object.freeze(table) as Declared<D>;
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Merges layer tables into one. A code declared by two layers is a programming error: it throws. */
export function mergeErrors<const T extends readonly ErrorTable<string>[]>(...tables: T): UnionToIntersection<T[number]> {
  const merged: Record<string, ErrorDeclaration> = {};
  for (const table of tables) {
    for (const [code, declaration] of Object.entries(table) as [string, ErrorDeclaration][]) {
      if (Object.hasOwn(merged, code)) throw new TypeError(`error code ${code} is declared twice`);
      merged[code] = declaration;
    }
  }
  return Object.freeze(merged) as UnionToIntersection<T[number]>;
}

export class ApplianceError<C extends string = string> extends Error {
  override readonly name = 'ApplianceError';
  constructor(
    readonly code: C,
    message: string,
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * ApplianceError narrowed to one package's closed set of codes: the appliance and the firmware bridge
 * construct their errors through this type, so an undeclared code does not compile.
 */
export interface CodedErrorClass<C extends string> {
  new (code: C, message: string, context?: Record<string, unknown>, options?: { cause?: unknown }): ApplianceError<C>;
  readonly prototype: ApplianceError<C>;
}

export function isApplianceError(err: unknown, code?: string): err is ApplianceError {
  return err instanceof ApplianceError && (code === undefined || err.code === code);
}

/**
 * An ApplianceError that carries its declared HTTP status as `statusCode`, for a server whose one error handler
 * honours a thrown error's status (the central's toHttpError) instead of reading a merged table.
 */
export class StatusCodedError<C extends string = string> extends ApplianceError<C> {
  readonly statusCode: number;
  constructor(table: ErrorTable<C>, code: C, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.statusCode = table[code].status;
  }
}

/** A layer's error constructor, typed to its codes: `export const personError = statusCodedErrors(PersonErrors)`. */
export function statusCodedErrors<C extends string>(table: ErrorTable<C>) {
  return (code: C, message: string, context: Record<string, unknown> = {}): StatusCodedError<C> => new StatusCodedError(table, code, message, context);
}

/** The type guard narrowed to a closed set (an error of that package carries one of its codes). */
export type CodedErrorGuard<C extends string> = (err: unknown, code?: C) => err is ApplianceError<C>;
