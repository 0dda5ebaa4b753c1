import type { Store } from '../store/index.ts';
/**
 * For demonstrations and training with no central configured: fill the appliance's empty reference copy from
 * the central's shipped seed files (central/src/reference/seed/, plus seed/demo/: fictional employers and
 * vacancies, marked demo), so the details step has districts, occupations and employers to pick from.
 *
 * Applied as one page of the feed through the same applier a pull uses (reference/apply.ts), under its own
 * epoch: when a central is configured later, its first page carries another epoch, so the appliance empties
 * the seeded copy and loads the central's (reference-sync.ts). Never runs over a copy that has data.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Logger } from '@lmc/core/logger.ts';
import type { ReferenceChange, ReferencePage } from '@lmc/protocol/reference-feed.ts';
import { REFERENCE_TABLES } from '@lmc/protocol/reference-tables.ts';
import { createReferenceApplier } from '../reference/apply.ts';
import { installRoot } from '@lmc/core/runtime-paths.ts';

export const LOCAL_SEED_EPOCH = 'local-seed.no-central';
const SEED_DIR = join(installRoot(import.meta.url), 'central', 'src', 'reference', 'seed');

function readRows(path: string): Record<string, unknown>[] {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { rows?: unknown };
    return Array.isArray(parsed.rows) ? (parsed.rows as Record<string, unknown>[]) : [];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The seed files as one feed page, tables in dependency order (tables.ts), core rows before demo rows. */
export function seedPage(options: { dir?: string; demo?: boolean; now?: Date } = {}): ReferencePage {
  const dir = options.dir ?? SEED_DIR;
  const changes: ReferenceChange[] = [];
  for (const def of REFERENCE_TABLES) {
    for (const d of options.demo === false ? [dir] : [dir, join(dir, 'demo')]) {
      for (const row of readRows(join(d, `${def.name}.json`))) {
        changes.push({ table: def.name, op: 'upsert', key: String(row[def.key]), version: changes.length + 1, row });
      }
    }
  }
  return {
    epoch: LOCAL_SEED_EPOCH,
    fromVersion: 0,
    toVersion: changes.length,
    headVersion: changes.length,
    complete: true,
    changes,
    serverTime: (options.now ?? new Date()).toISOString(),
  };
}

/**
 * Seeds the local reference copy when it was never filled (version 0, no rows). Returns the rows applied (0
 * when it had data already). Logged loudly: the data is a shipped snapshot with fictional employers.
 */
export function seedLocalReferenceIfEmpty(db: Database, logger: Logger, options: { dir?: string; now?: Date } = {}): number {
  const applier = createReferenceApplier(db);
  const state = applier.state();
  const rows = db.prepare('SELECT (SELECT count(*) FROM ref_provinces) + (SELECT count(*) FROM ref_districts) + (SELECT count(*) FROM ref_occupations) AS n').pluck().get() as number;
  if (state.version !== 0 || rows > 0) return 0;
  const page = seedPage(options);
  const result = applier.applyPage(page, { reset: false, expectedVersion: 0, now: options.now ?? new Date() });
  logger.warn(
    { rows: result.applied, epoch: LOCAL_SEED_EPOCH, source: 'central/src/reference/seed (+ demo: fictional employers and vacancies)' },
    'NO CENTRAL CONFIGURED: reference data seeded from the shipped seed files for demonstration; it is replaced by the central\u2019s at the first pull once central.url is set',
  );
  return result.applied;
}

/** start.ts: with no central configured, seed the store's reference copy (demos and training). */
export function seedDemoReferenceWithoutCentral(store: Pick<Store, 'connection'>, logger: Logger): number {
  return seedLocalReferenceIfEmpty(store.connection, logger);
}
