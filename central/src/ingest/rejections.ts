/**
 * The rejected-batch counter: one row per refused POST /api/v1/batches (4xx), with the code and
 * the device id the sender claimed (unverified: a bad signature is exactly the case of interest).
 * Never the body: a refused batch may be forged, and may carry personal data.
 */
import type { Db } from '../db/db.ts';

export interface Rejection {
  deviceId: string | null;
  code: string;
  status: number;
}

export interface RejectionCounts {
  total: number;
  byCode: Array<{ code: string; status: number; count: number; lastAt: string }>;
}

export async function countRejection(db: Db, r: Rejection): Promise<void> {
  await db.query('INSERT INTO rejected_batches (device_id, code, status) VALUES ($1, $2, $3)', [
    r.deviceId === null ? null : r.deviceId.slice(0, 128),
    r.code.slice(0, 64),
    r.status,
  ]);
}

export async function rejectionCounts(db: Db, deviceId?: string): Promise<RejectionCounts> {
  const rows = await db.query<{ code: string; status: number; count: number; last_at: string | Date }>(
    `SELECT code, status, count(*)::int AS count, max(received_at) AS last_at
       FROM rejected_batches WHERE ($1::text IS NULL OR device_id = $1)
      GROUP BY code, status ORDER BY code`,
    [deviceId ?? null],
  );
  const byCode = rows.map((r) => ({ code: r.code, status: r.status, count: r.count, lastAt: new Date(r.last_at).toISOString() }));
  return { total: byCode.reduce((n, r) => n + r.count, 0), byCode };
}
