/**
 * Reading the reference change feed (schema.ts) for one device: which scopes it receives, and one
 * bounded page of changes after a version.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/db.ts';
import type { ReferenceChange, ReferencePage } from '@lmc/protocol/reference-feed.ts';
import { referenceTable, type ReferenceTableName } from '@lmc/protocol/reference-tables.ts';

/**
 * The scopes a device at `officeCode` receives: everything global, its own office's officers, and
 * the vacancies of the destination provinces its office serves (ref_offices.destination_provinces).
 */
export async function deviceScopes(db: Queryable, officeCode: string): Promise<string[]> {
  const rows = await db.query<{ d: string | null }>('SELECT to_jsonb(destination_provinces)::text AS d FROM ref_offices WHERE code = $1', [
    officeCode,
  ]);
  const destinations = rows[0]?.d ? (JSON.parse(rows[0].d) as string[]) : [];
  return ['*', `office:${officeCode}`, ...[...new Set(destinations)].sort().map((d) => `destination:${d}`)];
}

/** feed id + a digest of the scope set: changes whenever the device's copy must be rebuilt from 0. */
export function feedEpoch(feedId: string, scopes: readonly string[]): string {
  const digest = createHash('sha256').update([...scopes].sort().join('\n'), 'utf8').digest('hex').slice(0, 16);
  return `${feedId}.${digest}`;
}

interface FeedRow {
  head: string;
  feed_id: string;
  table_name: string | null;
  row_key: string | null;
  op: 'upsert' | 'delete' | null;
  row: string | null;
  version: string | null;
}

export interface ReadPageOptions {
  since: number;
  limit: number;
  scopes: readonly string[];
  now?: () => Date;
}

/**
 * One page, read in one statement (one snapshot): the changes and the head version agree. Versions
 * commit in order (schema.ts), so every version up to the head that this snapshot cannot see does
 * not exist, and a device may safely move to the head when the page is not full.
 */
export async function readReferencePage(db: Queryable, o: ReadPageOptions): Promise<ReferencePage> {
  const rows = await db.query<FeedRow>(
    `WITH head AS (SELECT coalesce(max(version), 0)::text AS v FROM reference_changes),
          feed AS (SELECT id::text AS id FROM reference_feed LIMIT 1),
          page AS (
            SELECT table_name, row_key, op, row::text AS row, version
            FROM reference_changes
            WHERE version > $1::bigint AND scope IN (SELECT jsonb_array_elements_text($2::text::jsonb))
            ORDER BY version
            LIMIT $3
          )
     SELECT head.v AS head, feed.id AS feed_id, page.table_name, page.row_key, page.op, page.row, page.version::text AS version
     FROM head CROSS JOIN feed LEFT JOIN page ON true
     ORDER BY page.version`,
    [String(o.since), JSON.stringify(o.scopes), o.limit],
  );
  const first = rows[0];
  if (!first) throw new Error('reference_feed has no row: the reference migration did not run');
  const head = Number(first.head);
  const changes: ReferenceChange[] = [];
  let last = o.since;
  for (const r of rows) {
    if (r.table_name === null || r.row_key === null || r.op === null || r.version === null) continue;
    last = Number(r.version);
    const def = referenceTable(r.table_name);
    if (!def) continue;
    let row: Record<string, unknown> | null = null;
    if (r.op === 'upsert' && r.row !== null) {
      const stored = JSON.parse(r.row) as Record<string, unknown>;
      // Only the declared columns go out (tables.ts).
      row = Object.fromEntries(def.columns.map((c) => [c.name, stored[c.name] ?? null]));
    }
    changes.push({ table: r.table_name as ReferenceTableName, op: r.op, key: r.row_key, version: last, row });
  }
  const full = rows.filter((r) => r.version !== null).length >= o.limit;
  return {
    epoch: feedEpoch(first.feed_id, o.scopes),
    fromVersion: o.since,
    toVersion: full ? last : head,
    headVersion: head,
    complete: !full,
    changes,
    serverTime: (o.now ?? (() => new Date()))().toISOString(),
  };
}

/** The latest version at the centre (0 before any reference data). */
export async function referenceHead(db: Queryable): Promise<number> {
  const rows = await db.query<{ v: string }>('SELECT coalesce(max(version), 0)::text AS v FROM reference_changes');
  return Number(rows[0]?.v ?? 0);
}
