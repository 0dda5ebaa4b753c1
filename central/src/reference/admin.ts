/**
 * Changing reference data at the centre: upserts and deletes of whole rows, one table per call,
 * all-or-nothing in one transaction. The triggers (schema.ts) turn every effective change into a
 * feed entry; an upsert that changes nothing is skipped, so re-running a seed costs the devices
 * nothing.
 */
import type { Db, DbParam, Queryable } from '../db/db.ts';
import { CentralErrors, centralError } from '../errors.ts';
import { referenceHead } from './feed.ts';
import { afterReferenceEdits, prepareReferenceRows } from '../recruitment/reference-rules.ts';
import { projectRow, referenceTable, type ColumnDef, type ReferenceTableDef } from '@lmc/protocol/reference-tables.ts';

export const MAX_ROWS_PER_EDIT = 5000;

export interface ReferenceEdits {
  /** Whole rows (every declared column of tables.ts; nullable ones may be omitted). */
  upsert?: readonly unknown[];
  /** Keys to delete; an unknown key is not an error (already gone). */
  delete?: readonly string[];
}

export interface ReferenceEditResult {
  table: string;
  /** Rows inserted or changed. */
  upserted: number;
  /** Rows sent that were already exactly so. */
  unchanged: number;
  deleted: number;
  /** Feed head after the edit. */
  version: number;
}

function tableDef(table: string): ReferenceTableDef {
  const def = referenceTable(table);
  if (!def) throw centralError(CentralErrors.REFERENCE_TABLE_UNKNOWN.code, `No reference table '${table}'`, { table });
  return def;
}

/** Placeholder with the cast that makes the value's type explicit to both drivers. */
function placeholder(c: ColumnDef, i: number): string {
  switch (c.type) {
    case 'text':
      return `$${i}::text`;
    case 'integer':
      return `$${i}::integer`;
    case 'boolean':
      return `$${i}::boolean`;
    case 'date':
      return `$${i}::date`;
    case 'text[]':
      // Arrays travel as JSON text: the Db seam takes scalars only.
      return `ARRAY(SELECT jsonb_array_elements_text($${i}::text::jsonb))`;
  }
}

function param(c: ColumnDef, v: unknown): DbParam {
  if (v === null || v === undefined) return null;
  if (c.type === 'text[]') return JSON.stringify(v);
  return v as DbParam;
}

function upsertSql(def: ReferenceTableDef): string {
  const cols = def.columns.map((c) => c.name);
  const values = def.columns.map((c, i) => placeholder(c, i + 1));
  const rest = cols.filter((c) => c !== def.key);
  return `INSERT INTO ${def.sqlTable} (${cols.join(', ')}) VALUES (${values.join(', ')})
    ON CONFLICT (${def.key}) DO UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
    WHERE (${rest.map((c) => `${def.sqlTable}.${c}`).join(', ')}) IS DISTINCT FROM (${rest.map((c) => `EXCLUDED.${c}`).join(', ')})
    RETURNING 1 AS changed`;
}

/** PostgreSQL SQLSTATEs (Appendix A) that mean "the data is wrong", not "the server is". */
function mapPgError(err: unknown, table: string): unknown {
  const code = (err as { code?: unknown }).code;
  const detail = String((err as { message?: unknown }).message ?? '').slice(0, 300);
  if (code === '23503') return centralError(CentralErrors.REFERENCE_CONFLICT.code, `${table}: ${detail}`, { table });
  if (code === '23514' || code === '23502' || code === '22P02' || code === '22007' || code === '22008' || code === '22003') {
    return centralError(CentralErrors.REFERENCE_ROWS_INVALID.code, `${table}: ${detail}`, { table });
  }
  return err;
}

/** validate every row first, so a bad request touches nothing. */
function validate(def: ReferenceTableDef, edits: ReferenceEdits): { rows: Record<string, unknown>[]; keys: string[] } {
  const upsert = edits.upsert ?? [];
  const keys = edits.delete ?? [];
  if (upsert.length + keys.length > MAX_ROWS_PER_EDIT) {
    throw centralError(CentralErrors.REFERENCE_ROWS_INVALID.code, `At most ${MAX_ROWS_PER_EDIT} rows per edit`, { table: def.name });
  }
  const rows: Record<string, unknown>[] = [];
  const problems: string[] = [];
  upsert.forEach((r, i) => {
    const p = projectRow(def, r);
    if ('problems' in p) problems.push(...p.problems.map((m) => `upsert[${i}]: ${m}`));
    else rows.push(p.row);
  });
  keys.forEach((k, i) => {
    if (typeof k !== 'string' || k.length === 0 || k.length > 64) problems.push(`delete[${i}]: must be a key string`);
  });
  if (problems.length > 0) {
    throw centralError(CentralErrors.REFERENCE_ROWS_INVALID.code, problems.slice(0, 5).join('; '), { table: def.name, problems: problems.length });
  }
  return { rows, keys: [...keys] };
}

/** Apply edits inside a transaction the caller owns (seed.ts loads every table in one). */
export async function applyEditsIn(tx: Queryable, table: string, edits: ReferenceEdits): Promise<Omit<ReferenceEditResult, 'version'>> {
  const def = tableDef(table);
  const { rows, keys } = validate(def, edits);
  const sql = upsertSql(def);
  let upserted = 0;
  let deleted = 0;
  // Recruitment rules (#17) on employers and vacancies: refused terms, derived flags and places.
  await prepareReferenceRows(tx, def.name, rows);
  try {
    for (const row of rows) {
      const out = await tx.query(sql, def.columns.map((c) => param(c, row[c.name])));
      upserted += out.length;
    }
    for (const key of keys) {
      deleted += (await tx.query(`DELETE FROM ${def.sqlTable} WHERE ${def.key} = $1 RETURNING 1 AS gone`, [key])).length;
    }
  } catch (err) {
    throw mapPgError(err, table);
  }
  await afterReferenceEdits(tx, def.name, rows);
  return { table: def.name, upserted, unchanged: rows.length - upserted, deleted };
}

/** One table's edits, all-or-nothing. */
export async function applyReferenceEdits(db: Db, table: string, edits: ReferenceEdits): Promise<ReferenceEditResult> {
  const result = await db.transaction((tx) => applyEditsIn(tx, table, edits));
  return { ...result, version: await referenceHead(db) };
}
