/**
 * Applying one page of the central reference feed to the local copy, atomically: every row of the
 * page and the new version are written in one IMMEDIATE SQLite transaction, so a crash or a failed
 * row mid-page leaves the old version with the old rows (https://www.sqlite.org/atomiccommit.html),
 * and the next pull asks for the same page again.
 *
 * The whole page is validated before the transaction opens: a malformed page from the network is a
 * coded REFERENCE_PAGE_INVALID and touches nothing.
 */
import type { Database } from 'better-sqlite3';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import type { ReferenceChange, ReferencePage } from '@lmc/protocol/reference-feed.ts';
import { projectRow, REFERENCE_TABLES, referenceTable, type ReferenceTableDef } from '@lmc/protocol/reference-tables.ts';
import { mapSqliteError } from '../store/errors.ts';

export interface ApplyHooks {
  /** Test seam: called after each change is written, inside the transaction (a test throws or kills the process here). */
  afterChange?(index: number, change: ReferenceChange): void;
}

export interface ApplyOptions {
  /** Empty every reference table first (a new epoch: the copy is rebuilt from version 0). */
  reset: boolean;
  /** The version the page was asked for; refused if the local version moved meanwhile. */
  expectedVersion: number;
  now: Date;
}

export interface ApplyResult {
  applied: number;
  /** Changes for tables this build does not know (a newer central): skipped. */
  skipped: number;
  version: number;
}

export interface LocalReferenceState {
  version: number;
  epoch: string | null;
  headVersion: number;
  lastSyncAt: string | null;
  lastAppliedAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
}

interface StateRow {
  version: number;
  epoch: string | null;
  head_version: number;
  last_sync_at: string | null;
  last_applied_at: string | null;
  last_attempt_at: string | null;
  last_error: string | null;
}

interface ValidChange {
  def: ReferenceTableDef;
  change: ReferenceChange;
  row: Record<string, unknown> | null;
}

function invalid(message: string, context: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError(ApplianceErrors.REFERENCE_PAGE_INVALID.code, `The central sent an unusable reference page: ${message}`, context);
}

const isVersion = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Checks the envelope and every change; returns the changes this build applies. */
export function validatePage(page: unknown): { page: ReferencePage; changes: ValidChange[]; skipped: number } {
  const p = page as ReferencePage | null;
  if (typeof p !== 'object' || p === null) throw invalid('not an object');
  if (!isVersion(p.fromVersion) || !isVersion(p.toVersion) || !isVersion(p.headVersion)) throw invalid('versions are not integers');
  if (typeof p.epoch !== 'string' || p.epoch.length === 0 || p.epoch.length > 200) throw invalid('no epoch');
  if (typeof p.complete !== 'boolean' || !Array.isArray(p.changes)) throw invalid('no changes list');
  const changes: ValidChange[] = [];
  let skipped = 0;
  let last = p.fromVersion;
  p.changes.forEach((c, i) => {
    if (typeof c !== 'object' || c === null) throw invalid(`change ${i} is not an object`, { index: i });
    if (!isVersion(c.version) || c.version <= last || c.version > p.toVersion) throw invalid(`change ${i} is out of version order`, { index: i });
    last = c.version;
    const def = referenceTable(String(c.table));
    if (!def) {
      skipped++;
      return;
    }
    if (typeof c.key !== 'string' || c.key.length === 0 || c.key.length > 64) throw invalid(`change ${i} has no key`, { index: i });
    if (c.op === 'delete') {
      changes.push({ def, change: c, row: null });
      return;
    }
    if (c.op !== 'upsert') throw invalid(`change ${i} has op ${String(c.op).slice(0, 20)}`, { index: i });
    const projected = projectRow(def, c.row);
    if ('problems' in projected) throw invalid(`change ${i}: ${projected.problems[0]}`, { index: i, table: def.name });
    if (projected.row[def.key] !== c.key) throw invalid(`change ${i}: row key differs from change key`, { index: i, table: def.name });
    changes.push({ def, change: c, row: projected.row });
  });
  return { page: p, changes, skipped };
}

function sqliteValue(type: string, v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (type === 'boolean') return v ? 1 : 0;
  if (type === 'text[]') return JSON.stringify(v);
  return v as string | number;
}

export interface ReferenceApplier {
  state(): LocalReferenceState;
  applyPage(page: unknown, options: ApplyOptions): ApplyResult;
  /** Records a failed or successful attempt without touching the rows (for the status route). */
  recordAttempt(at: Date, error: string | null): void;
}

export function createReferenceApplier(db: Database, hooks: ApplyHooks = {}): ReferenceApplier {
  const upserts = new Map(
    REFERENCE_TABLES.map((def) => {
      const cols = def.columns.map((c) => c.name);
      const rest = cols.filter((c) => c !== def.key);
      const sql = `INSERT INTO ${def.sqlTable} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})
        ON CONFLICT (${def.key}) DO UPDATE SET ${rest.map((c) => `${c} = excluded.${c}`).join(', ')}`;
      return [def.name, db.prepare(sql)] as const;
    }),
  );
  const deletes = new Map(REFERENCE_TABLES.map((def) => [def.name, db.prepare(`DELETE FROM ${def.sqlTable} WHERE ${def.key} = ?`)] as const));
  const clears = REFERENCE_TABLES.map((def) => db.prepare(`DELETE FROM ${def.sqlTable}`));
  const readState = db.prepare<[], StateRow>('SELECT * FROM ref_sync_state WHERE id = 1');
  const writeVersion = db.prepare<[{ version: number; epoch: string; head: number; at: string; syncedAt: string | null; expected: number | null }]>(
    `UPDATE ref_sync_state SET version = @version, epoch = @epoch, head_version = @head, last_applied_at = @at,
       last_sync_at = coalesce(@syncedAt, last_sync_at), last_error = NULL
     WHERE id = 1 AND (@expected IS NULL OR version = @expected)`,
  );
  const writeAttempt = db.prepare<[string, string | null]>('UPDATE ref_sync_state SET last_attempt_at = ?, last_error = ? WHERE id = 1');

  const apply = db.transaction((valid: ReturnType<typeof validatePage>, o: ApplyOptions): ApplyResult => {
    if (o.reset) for (const c of clears) c.run();
    valid.changes.forEach((v, i) => {
      const row = v.row;
      if (row) statement(upserts, v.def.name).run(...v.def.columns.map((c) => sqliteValue(c.type, row[c.name])));
      else statement(deletes, v.def.name).run(v.change.key);
      hooks.afterChange?.(i, v.change);
    });
    const at = o.now.toISOString();
    const p = valid.page;
    // A reset rebuilds from 0 whatever was stored; otherwise the stored version must still be the one asked for.
    const expected = o.reset ? null : o.expectedVersion;
    const moved = writeVersion.run({ version: p.toVersion, epoch: p.epoch, head: p.headVersion, at, syncedAt: p.complete ? at : null, expected }).changes;
    if (moved !== 1) {
      // Another writer moved the version between our read and this transaction: applying on top would skip or repeat.
      throw new ApplianceError(ApplianceErrors.REFERENCE_VERSION_MOVED.code, 'The local reference version changed during a pull; it will be retried.');
    }
    return { applied: valid.changes.length, skipped: valid.skipped, version: p.toVersion };
  });

  const toState = (r: StateRow): LocalReferenceState => ({
    version: r.version,
    epoch: r.epoch,
    headVersion: r.head_version,
    lastSyncAt: r.last_sync_at,
    lastAppliedAt: r.last_applied_at,
    lastAttemptAt: r.last_attempt_at,
    lastError: r.last_error,
  });

  return {
    state() {
      const row = readState.get();
      if (!row) throw new ApplianceError(ApplianceErrors.REFERENCE_PAGE_INVALID.code, 'ref_sync_state is missing: the reference migration did not run');
      return toState(row);
    },
    applyPage(page, o) {
      const valid = validatePage(page);
      if (!o.reset && valid.page.fromVersion !== o.expectedVersion) throw invalid('page does not start at the version asked for');
      try {
        return apply.immediate(valid, o);
      } catch (err) {
        throw mapSqliteError(err, 'reference.apply');
      }
    },
    recordAttempt(at, error) {
      writeAttempt.run(at.toISOString(), error);
    },
  };
}

/** The prepared statement for a table (prepared for every table definition up front). */
function statement<S>(byTable: Map<string, S>, table: string): S {
  const st = byTable.get(table);
  if (!st) throw new Error(`no prepared statement for reference table ${table}`);
  return st;
}
