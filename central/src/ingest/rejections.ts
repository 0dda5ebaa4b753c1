/**
 * The rejected-batch counter: rows of refused POST /api/v1/batches (4xx), with the reason code and
 * the device id the sender claimed (unverified: a bad signature is exactly the case of interest);
 * a row may stand for several refusals (count), see rejection-log.ts for the budget.
 * Never the body: a refused batch may be forged, and may carry personal data.
 */
import type { Db } from '../db/db.ts';

export interface RejectionCounts {
  total: number;
  byCode: Array<{ code: string; status: number; count: number; lastAt: string }>;
}

export async function rejectionCounts(db: Db, deviceId?: string): Promise<RejectionCounts> {
  const rows = await db.query<{ code: string; status: number; count: number; last_at: string | Date }>(
    `SELECT code, status, sum(count)::int AS count, max(received_at) AS last_at
       FROM rejected_batches WHERE ($1::text IS NULL OR device_id = $1)
      GROUP BY code, status ORDER BY code`,
    [deviceId ?? null],
  );
  const byCode = rows.map((r) => ({ code: r.code, status: r.status, count: r.count, lastAt: new Date(r.last_at).toISOString() }));
  return { total: byCode.reduce((n, r) => n + r.count, 0), byCode };
}
