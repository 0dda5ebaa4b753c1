/**
 * Test support: one central for a test file, on a real, throwaway PostgreSQL cluster (`useCentralOnPg`) or on
 * in-memory PGlite (`useCentralOnPglite`): database opened, schema migrated, `prepare` run (seeds, staff), the app
 * built and ready; all of it closed after the file. Import only from tests: it registers vitest hooks.
 */
import { afterAll, beforeAll } from 'vitest';
import { type PgCluster, startPgCluster } from '../../tests/support/pg-cluster.ts';
import { type BuildOptions, build, type CentralApp } from '../src/app.ts';
import type { Db } from '../src/db/db.ts';
import type { StaffRole } from '../src/auth/staff-store.ts';
import { migrate } from '../src/db/migrations.ts';
import { createPgliteDb } from '../src/db/pglite-db.ts';
import { createPostgresDb } from '../src/db/postgres-db.ts';
import { addStaff, signIn } from './staff.ts';

export type CentralTestOptions = Omit<BuildOptions, 'db'>;
/** The build options, or a function giving them once the file's earlier hooks have run (keys, certificates made there). */
export type CentralTestOptionsLater = CentralTestOptions | (() => CentralTestOptions | Promise<CentralTestOptions>);

export interface CentralOnDb {
  readonly app: CentralApp;
  readonly db: Db;
}

export interface CentralOnPg extends CentralOnDb {
  readonly cluster: PgCluster;
}

const ready = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new Error(`the central's ${what} is not started (use it inside a test or hook)`);
  return v;
};

/** Database start, migrations and seeds: minutes on a loaded two-core machine (in-memory PGlite is the slower). */
const SETUP_TIMEOUT_MS = 180_000;

function useCentralOn(open: () => Promise<Db>, options: CentralTestOptionsLater, prepare?: (db: Db) => Promise<void>, stop?: () => Promise<void>): CentralOnDb {
  let db: Db | undefined;
  let app: CentralApp | undefined;
  beforeAll(async () => {
    db = await open();
    await migrate(db);
    await prepare?.(db);
    app = build({ ...(typeof options === 'function' ? await options() : options), db });
    await app.ready();
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await stop?.();
  });
  return {
    get app() {
      return ready(app, 'app');
    },
    get db() {
      return ready(db, 'database');
    },
  };
}

export function useCentralOnPg(options: CentralTestOptionsLater, prepare?: (db: Db) => Promise<void>): CentralOnPg {
  let cluster: PgCluster | undefined;
  const central = useCentralOn(
    async () => {
      cluster = await startPgCluster();
      return createPostgresDb(cluster.url);
    },
    options,
    prepare,
    async () => cluster?.stop(),
  );
  return {
    get app() {
      return central.app;
    },
    get db() {
      return central.db;
    },
    get cluster() {
      return ready(cluster, 'cluster');
    },
  };
}

/** The same on in-memory PGlite: for tests of the embedded driver, or that need no server. */
export function useCentralOnPglite(options: CentralTestOptionsLater, prepare?: (db: Db) => Promise<void>): CentralOnDb {
  return useCentralOn(() => createPgliteDb(), options, prepare);
}

/**
 * Staff accounts made and signed in once the file's central is up (a hook registered after the central's):
 * `sessions.admin` is then the Cookie header value of the account given as `admin: [username, role]`.
 */
export function useStaffSessions<K extends string>(central: CentralOnDb, accounts: Record<K, readonly [username: string, role: StaffRole]>): Readonly<Record<K, string>> {
  const sessions = {} as Record<K, string>;
  beforeAll(async () => {
    for (const [key, [username, role]] of Object.entries(accounts) as [K, readonly [string, StaffRole]][]) {
      await addStaff(central.db, username, role);
      sessions[key] = await signIn(central.app, username);
    }
  });
  return sessions;
}
