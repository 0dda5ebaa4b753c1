/**
 * Db over PGlite (in-process PostgreSQL compiled to WebAssembly): the embedded default when no
 * DATABASE_URL is set. One connection, so transactions are serialised by PGlite itself.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Db, DbParam, Queryable } from './db.ts';

interface PgliteLike {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(text: string): Promise<unknown>;
}

function queryable(pg: PgliteLike): Queryable {
  return {
    async query<T extends object>(text: string, params: readonly DbParam[] = []): Promise<T[]> {
      return (await pg.query<T>(text, [...params])).rows;
    },
    async exec(text: string): Promise<void> {
      await pg.exec(text);
    },
  };
}

/** dataDir undefined = in memory (tests). */
export async function createPgliteDb(dataDir?: string): Promise<Db> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir);
  return {
    driver: 'pglite',
    ...queryable(pg),
    transaction: <R>(fn: (tx: Queryable) => Promise<R>) => pg.transaction((tx) => fn(queryable(tx))),
    async close() {
      await pg.close();
    },
  };
}
