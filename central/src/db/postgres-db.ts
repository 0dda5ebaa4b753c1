/** Db over real PostgreSQL through the `postgres` package (porsager), using sql.unsafe for parameterised text. */
import postgres from 'postgres';
import type { Db, DbParam, Queryable, QueryOptions } from './db.ts';

type Unsafe = (text: string, params?: never[], options?: { prepare?: boolean }) => postgres.PendingQuery<postgres.Row[]>;

function queryable(unsafe: Unsafe): Queryable {
  return {
    async query<T extends object>(text: string, params: readonly DbParam[] = [], options?: QueryOptions): Promise<T[]> {
      const rows = await (options?.prepare ? unsafe(text, params as never[], { prepare: true }) : unsafe(text, params as never[]));
      return [...rows] as T[];
    },
    async exec(text: string): Promise<void> {
      // .simple(): the simple query protocol, which accepts several statements in one string.
      await unsafe(text).simple();
    },
  };
}

export interface PostgresDbOptions {
  /** Pool size; defaults to 10. */
  max?: number;
}

export function createPostgresDb(url: string, options: PostgresDbOptions = {}): Db {
  const sql = postgres(url, { max: options.max ?? 10, onnotice: () => undefined });
  const base = queryable(sql.unsafe.bind(sql) as Unsafe);
  return {
    driver: 'postgres',
    ...base,
    async transaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R> {
      const result = await sql.begin((tx) => fn(queryable(tx.unsafe.bind(tx) as Unsafe)));
      return result as R;
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
