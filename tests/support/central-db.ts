/**
 * Test support for a file run against the central's database: a scratch folder, a throwaway PostgreSQL cluster
 * with the central's schema, and clean-ups run after the file's tests (newest first), before the database and the
 * cluster go. Registers vitest hooks: import only from tests. `db` and `cluster` are there from the first hook on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Db } from '@lmc/central/db/db.ts';
import { migrate } from '@lmc/central/db/migrations.ts';
import { createPostgresDb } from '@lmc/central/db/postgres-db.ts';
import { type PgCluster, startPgCluster } from './pg-cluster.ts';

export interface CentralDbForTests {
  /** Scratch folder for the file (appliances' data, files handed to a central), removed after it. */
  readonly root: string;
  readonly db: Db;
  readonly cluster: PgCluster;
  /** Runs `fn` after the file's tests and its own afterAll hooks, newest first, before the database closes. */
  cleanup(fn: () => Promise<void> | void): void;
}

export function useCentralDb(prefix: string, options: { maxConnections?: number } = {}): CentralDbForTests {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const cleanups: Array<() => Promise<void> | void> = [];
  let cluster: PgCluster | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    cluster = await startPgCluster();
    db = createPostgresDb(cluster.url, options.maxConnections ? { max: options.maxConnections } : {});
    await migrate(db);
  }, 60_000);
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await db?.close();
    await cluster?.stop();
    rmSync(root, { recursive: true, force: true });
  });
  return { root, db: started('database', () => db), cluster: started('cluster', () => cluster), cleanup: (fn) => void cleanups.push(fn) };
}

/** A stand-in for what a beforeAll hook makes: each member read from it, once it is there. */
function started<T extends object>(what: string, get: () => T | undefined): T {
  const ready = (): T => {
    const value = get();
    if (value === undefined) throw new Error(`the ${what} is not started (use it inside a test or hook)`);
    return value;
  };
  return new Proxy({} as T, {
    get(_target, key) {
      const member = Reflect.get(ready(), key);
      return typeof member === 'function' ? member.bind(ready()) : member;
    },
    has: (_target, key) => Reflect.has(ready(), key),
  });
}
