/**
 * Test support: one central on a real, throwaway PostgreSQL cluster for a test file: cluster started, schema
 * migrated, `prepare` run (seeds, staff), the app built and ready; all of it closed after the file.
 * Import only from tests: it registers vitest hooks.
 */
import { afterAll, beforeAll } from 'vitest';
import { type PgCluster, startPgCluster } from '../../tests/support/pg-cluster.ts';
import { type BuildOptions, build, type CentralApp } from '../src/app.ts';
import type { Db } from '../src/db/db.ts';
import { migrate } from '../src/db/migrations.ts';
import { createPostgresDb } from '../src/db/postgres-db.ts';

export interface CentralOnPg {
  readonly app: CentralApp;
  readonly db: Db;
  readonly cluster: PgCluster;
}

export function useCentralOnPg(options: Omit<BuildOptions, 'db'>, prepare?: (db: Db) => Promise<void>): CentralOnPg {
  let cluster: PgCluster | undefined;
  let db: Db | undefined;
  let app: CentralApp | undefined;
  beforeAll(async () => {
    cluster = await startPgCluster();
    db = createPostgresDb(cluster.url);
    await migrate(db);
    await prepare?.(db);
    app = build({ ...options, db });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await cluster?.stop();
  });
  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`the central's ${what} is not started (use it inside a test or hook)`);
    return v;
  };
  return {
    get app() {
      return ready(app, 'app');
    },
    get db() {
      return ready(db, 'database');
    },
    get cluster() {
      return ready(cluster, 'cluster');
    },
  };
}
