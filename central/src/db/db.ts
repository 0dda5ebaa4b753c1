/**
 * The one database seam of the central receiver: parameterised SQL strings ($1, $2 …), so the
 * same query code runs on real PostgreSQL (`postgres` package) and embedded PGlite.
 * Rows come back as plain objects; cast counts to int in SQL (int8 arrives as a string from
 * `postgres` and as a number from PGlite).
 */
/** Uint8Array (Buffer) binds as bytea on both drivers. */
export type DbParam = string | number | boolean | null | Uint8Array;

/** How a statement is sent; drivers that have no use for an option ignore it. */
export interface QueryOptions {
  /**
   * A named prepared statement, kept per connection (`postgres`): later runs skip parsing and planning and take one
   * round trip instead of two. Only for fixed statement texts on hot paths (ingest); each text is one cached statement.
   */
  prepare?: boolean;
}

export interface Queryable {
  /** One statement with parameters. */
  query<T extends object = Record<string, unknown>>(text: string, params?: readonly DbParam[], options?: QueryOptions): Promise<T[]>;
  /** Several statements, no parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface Db extends Queryable {
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R>;
  close(): Promise<void>;
  /** 'postgres' or 'pglite', for logs. */
  readonly driver: string;
}
