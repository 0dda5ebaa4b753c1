/**
 * Loading the shipped reference data (seed/*.json; seed/demo/*.json only when asked) through the
 * same path as admin edits, so every row reaches the devices through the feed. Idempotent: rows
 * already exactly so are skipped and cost the devices nothing.
 *
 * File format: `{ "table": "<tables.ts name>", "source": "where the data comes from", "rows": [...] }`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/db.ts';
import { applyEditsIn } from './admin.ts';
import { CentralErrors, centralError } from '../errors.ts';
import { referenceHead } from './feed.ts';
import { REFERENCE_TABLES, type ReferenceTableName } from '@lmc/protocol/reference-tables.ts';
import { installRoot } from '@lmc/core/runtime-paths.ts';

export const SEED_DIR = join(installRoot(import.meta.url), 'central', 'src', 'reference', 'seed');

export interface SeedFile {
  table: ReferenceTableName;
  source: string;
  rows: Record<string, unknown>[];
}

export interface SeedOptions {
  /** Also load seed/demo/ (fictional employers, vacancies and officers). */
  demo?: boolean;
  dir?: string;
}

export interface SeedResult {
  tables: Array<{ table: string; upserted: number; unchanged: number }>;
  version: number;
}

async function readSeedFile(path: string): Promise<SeedFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<SeedFile>;
  if (!parsed || !Array.isArray(parsed.rows) || typeof parsed.table !== 'string') {
    throw centralError(CentralErrors.REFERENCE_ROWS_INVALID.code, `Seed file ${path} needs "table" and "rows"`, { path });
  }
  return parsed as SeedFile;
}

/** The seed files that exist, in dependency order (tables.ts), core before demo. */
export async function readSeed(options: SeedOptions = {}): Promise<SeedFile[]> {
  const dir = options.dir ?? SEED_DIR;
  const dirs = options.demo ? [dir, join(dir, 'demo')] : [dir];
  const files: SeedFile[] = [];
  for (const def of REFERENCE_TABLES) {
    for (const d of dirs) {
      const f = await readSeedFile(join(d, `${def.name}.json`));
      if (f) {
        if (f.table !== def.name) throw centralError(CentralErrors.REFERENCE_ROWS_INVALID.code, `${d}/${def.name}.json says table ${f.table}`);
        files.push(f);
      }
    }
  }
  return files;
}

/** Upserts every seed row in one transaction (all or nothing). Never deletes. */
export async function loadReferenceSeed(db: Db, options: SeedOptions = {}): Promise<SeedResult> {
  const files = await readSeed(options);
  const tables = await db.transaction(async (tx) => {
    const out: SeedResult['tables'] = [];
    for (const f of files) {
      const r = await applyEditsIn(tx, f.table, { upsert: f.rows });
      out.push({ table: r.table, upserted: r.upserted, unchanged: r.unchanged });
    }
    return out;
  });
  return { tables, version: await referenceHead(db) };
}
