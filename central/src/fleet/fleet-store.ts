/**
 * The appliance fleet as the central sees it (issue 16 point 4, fleet view of point 5): each accepted
 * batch records when it came and the appliance's clock drift; a batch carrying a status
 * (protocol/src/batch.ts ApplianceStatus) also records the backlog, software version, device states
 * and an anchor of the appliance's audit chain.
 *
 * Audit anchoring: the central keeps the head hash reported at each chain length (first one wins) and
 * flags the chain
 * - 'rewritten' when the same length arrives with a different head hash, or when `prior` (the
 *   appliance's re-reading of what its last acknowledged batch reported) disagrees with the hash the
 *   central stored for that length;
 * - 'backwards' when a report frozen later (sentAt) is shorter than one frozen earlier.
 * Order is the batch's freeze time, not arrival: a resent older batch carries its older status and a
 * window of batches can arrive out of order, neither is a chain going backwards. (A report frozen
 * before an appliance clock correction and arriving after a later, longer one can still be flagged;
 * the clock drift column shows when that is the explanation.)
 *
 * A flag never stops ingest: the records of the batch are stored and acknowledged as usual; the flag
 * is logged (device, lengths, hashes: no personal data) and kept (first flag on the status row, every
 * flag in audit_chain_flags). Once flagged, a chain stays flagged.
 */
import type { ApplianceStatus } from '@lmc/protocol/batch.ts';
import type { Db, Queryable } from '../db/db.ts';

export const CHAIN_STATUSES = ['ok', 'rewritten', 'backwards', 'unknown'] as const;
export type ChainStatus = (typeof CHAIN_STATUSES)[number];

export type ChainFlagReason = 'head_differs' | 'prior_differs' | 'length_backwards';

export interface ChainFlag {
  status: 'rewritten' | 'backwards';
  reason: ChainFlagReason;
  length: number;
  storedHash: string | null;
  receivedHash: string | null;
}

export interface FleetReport {
  deviceId: string;
  batchId: string;
  /** The batch's sentAt (its freeze time on the appliance clock). */
  sentAt: string;
  /** When the central received the attempt. */
  receivedAt: Date;
  /** The attempt's x-attempt-at (appliance clock); undefined = no drift measured. */
  attemptAt?: Date | undefined;
  status?: ApplianceStatus | undefined;
}

export interface FleetLog {
  warn(obj: object, msg: string): void;
}

/** The status, or undefined when a value could not be stored faithfully (then only the batch time and drift are kept). */
function usable(status: ApplianceStatus | undefined): ApplianceStatus | undefined {
  if (!status) return undefined;
  const { auditChain, backlog } = status;
  const lengthOk = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  if (!lengthOk(auditChain.length) || !lengthOk(backlog.pending) || backlog.pending > 2_147_483_647) return undefined;
  if (auditChain.prior && !lengthOk(auditChain.prior.length)) return undefined;
  if (backlog.oldestUnsentAt !== null && Number.isNaN(Date.parse(backlog.oldestUnsentAt))) return undefined;
  return status;
}

/**
 * One statement: anchors the reported head (first hash at a length wins) and reads, from the
 * snapshot before that insert, what the central held at this length and at `prior`'s, and the longest
 * chain any earlier-frozen report had. Under READ COMMITTED a concurrent batch of the same device at
 * the same length is not seen by the reads; two such batches with different hashes would slip past
 * the same-length check, not past the next report's.
 */
const ANCHOR_AND_CHECK = `WITH anchored AS (
    INSERT INTO audit_anchors (device_id, length, head_hash, sent_at, batch_id)
    VALUES ($1, $2, $3, $4::timestamptz, $5::uuid) ON CONFLICT (device_id, length) DO NOTHING RETURNING length)
  SELECT
    (SELECT head_hash FROM audit_anchors WHERE device_id = $1 AND length = $2) AS stored_head,
    (SELECT head_hash FROM audit_anchors WHERE device_id = $1 AND length = $6) AS stored_prior,
    (SELECT max(length)::text FROM audit_anchors WHERE device_id = $1 AND sent_at < $4::timestamptz AND length > $2) AS longer_before,
    (SELECT count(*)::int FROM anchored) AS anchored`;

/** This batch's report was frozen no earlier than the one held. */
const NEWER = 'EXCLUDED.report_sent_at IS NOT NULL AND (s.report_sent_at IS NULL OR EXCLUDED.report_sent_at >= s.report_sent_at)';
const FLAGGED = "s.chain_status IN ('rewritten', 'backwards')";

/**
 * The status row: the batch time and drift of the latest batch received; the report fields only from
 * a report frozen no earlier than the one held; the chain status keeps its first flag.
 */
const UPSERT_STATUS = `INSERT INTO appliance_status AS s (device_id, last_batch_at, last_batch_id, clock_drift_ms, report_sent_at, report_received_at,
    backlog_pending, oldest_unsent_at, software_version, device_states, audit_length, audit_head_hash, chain_status, chain_flagged_at, chain_flag_reason)
  VALUES ($1, $2::timestamptz, $3::uuid, $4::bigint, $5::timestamptz, $6::timestamptz, $7::integer, $8::timestamptz, $9, $10::text::jsonb, $11::bigint, $12, $13, $14::timestamptz, $15)
  ON CONFLICT (device_id) DO UPDATE SET
    last_batch_id  = CASE WHEN EXCLUDED.last_batch_at >= s.last_batch_at THEN EXCLUDED.last_batch_id ELSE s.last_batch_id END,
    clock_drift_ms = CASE WHEN EXCLUDED.last_batch_at >= s.last_batch_at THEN EXCLUDED.clock_drift_ms ELSE s.clock_drift_ms END,
    last_batch_at  = GREATEST(s.last_batch_at, EXCLUDED.last_batch_at),
    report_sent_at     = CASE WHEN ${NEWER} THEN EXCLUDED.report_sent_at ELSE s.report_sent_at END,
    report_received_at = CASE WHEN ${NEWER} THEN EXCLUDED.report_received_at ELSE s.report_received_at END,
    backlog_pending    = CASE WHEN ${NEWER} THEN EXCLUDED.backlog_pending ELSE s.backlog_pending END,
    oldest_unsent_at   = CASE WHEN ${NEWER} THEN EXCLUDED.oldest_unsent_at ELSE s.oldest_unsent_at END,
    software_version   = CASE WHEN ${NEWER} THEN EXCLUDED.software_version ELSE s.software_version END,
    device_states      = CASE WHEN ${NEWER} THEN EXCLUDED.device_states ELSE s.device_states END,
    audit_length       = CASE WHEN ${NEWER} THEN EXCLUDED.audit_length ELSE s.audit_length END,
    audit_head_hash    = CASE WHEN ${NEWER} THEN EXCLUDED.audit_head_hash ELSE s.audit_head_hash END,
    chain_flagged_at   = CASE WHEN ${FLAGGED} THEN s.chain_flagged_at ELSE EXCLUDED.chain_flagged_at END,
    chain_flag_reason  = CASE WHEN ${FLAGGED} THEN s.chain_flag_reason ELSE EXCLUDED.chain_flag_reason END,
    chain_status       = CASE WHEN ${FLAGGED} OR EXCLUDED.chain_status = 'unknown' THEN s.chain_status ELSE EXCLUDED.chain_status END`;


/** Checks and stores one batch's report inside the ingest transaction; returns the flags raised. */
export async function recordFleetReport(tx: Queryable, report: FleetReport, log?: FleetLog): Promise<ChainFlag[]> {
  const status = usable(report.status);
  if (report.status && !status) log?.warn({ deviceId: report.deviceId, batchId: report.batchId }, 'appliance status out of range; only the batch time kept');
  const flags: ChainFlag[] = [];
  if (status) {
    const { length, headHash, prior } = status.auditChain;
    const [row] = await tx.query<{ stored_head: string | null; stored_prior: string | null; longer_before: string | null }>(ANCHOR_AND_CHECK, [
      report.deviceId,
      length,
      headHash,
      report.sentAt,
      report.batchId,
      prior ? prior.length : -1,
    ]);
    if (row?.stored_head != null && row.stored_head !== headHash) {
      flags.push({ status: 'rewritten', reason: 'head_differs', length, storedHash: row.stored_head, receivedHash: headHash });
    }
    if (prior && row?.stored_prior != null && row.stored_prior !== prior.hash) {
      flags.push({ status: 'rewritten', reason: 'prior_differs', length: prior.length, storedHash: row.stored_prior, receivedHash: prior.hash });
    }
    if (row?.longer_before != null) {
      flags.push({ status: 'backwards', reason: 'length_backwards', length, storedHash: null, receivedHash: headHash });
    }
    for (const f of flags) {
      await tx.query(
        `INSERT INTO audit_chain_flags (device_id, status, reason, length, stored_hash, received_hash, batch_id, flagged_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::uuid, $8::timestamptz)`,
        [report.deviceId, f.status, f.reason, f.length, f.storedHash, f.receivedHash, report.batchId, report.receivedAt.toISOString()],
      );
      log?.warn(
        { deviceId: report.deviceId, batchId: report.batchId, chain: f.status, reason: f.reason, length: f.length, storedHash: f.storedHash, receivedHash: f.receivedHash },
        'appliance audit chain flagged',
      );
    }
  }
  const first = flags[0];
  const receivedAt = report.receivedAt.toISOString();
  await tx.query(UPSERT_STATUS, [
    report.deviceId,
    receivedAt,
    report.batchId,
    report.attemptAt ? Math.round(report.attemptAt.getTime() - report.receivedAt.getTime()) : null,
    status ? report.sentAt : null,
    status ? receivedAt : null,
    status ? status.backlog.pending : null,
    status ? status.backlog.oldestUnsentAt : null,
    status ? status.softwareVersion : null,
    status ? JSON.stringify(status.devices) : null,
    status ? status.auditChain.length : null,
    status ? status.auditChain.headHash : null,
    first ? first.status : status ? 'ok' : 'unknown',
    first ? receivedAt : null,
    first ? first.reason : null,
  ]);
  return flags;
}

export interface FleetAppliance {
  deviceId: string;
  office: string;
  officeName: string | null;
  enrolledAt: string;
  revokedAt: string | null;
  lastBatchAt: string | null;
  reportedAt: string | null;
  backlogPending: number | null;
  oldestUnsentAt: string | null;
  oldestUnsentAgeMs: number | null;
  clockDriftMs: number | null;
  softwareVersion: string | null;
  deviceStates: Record<string, string>;
  auditChain: { status: ChainStatus; flaggedAt: string | null; reason: string | null; length: number | null; headHash: string | null };
}

interface FleetRow {
  device_id: string;
  office_code: string;
  office_name: string | null;
  enrolled_at: number;
  revoked_at: number | null;
  last_batch_at: number | null;
  report_received_at: number | null;
  backlog_pending: number | null;
  oldest_unsent_at: number | null;
  clock_drift_ms: string | null;
  software_version: string | null;
  device_states: Record<string, string> | null;
  audit_length: string | null;
  audit_head_hash: string | null;
  chain_status: ChainStatus | null;
  chain_flagged_at: number | null;
  chain_flag_reason: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
const num = (v: string | number | null) => (v === null ? null : Number(v));

/** Every enrolled appliance (revoked ones too, marked), with its latest report; office, then device id. */
export async function listFleet(db: Db, now: Date): Promise<FleetAppliance[]> {
  // Timestamps as epoch ms: the two drivers return timestamptz as different types.
  const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8 AS ${column.split('.')[1]}`;
  const rows = await db.query<FleetRow>(
    `SELECT d.device_id, d.office_code, o.name AS office_name, ${ms('d.enrolled_at')}, ${ms('d.revoked_at')},
            ${ms('s.last_batch_at')}, ${ms('s.report_received_at')}, s.backlog_pending, ${ms('s.oldest_unsent_at')},
            s.clock_drift_ms::text, s.software_version, s.device_states, s.audit_length::text, s.audit_head_hash,
            s.chain_status, ${ms('s.chain_flagged_at')}, s.chain_flag_reason
       FROM devices d
       LEFT JOIN offices o ON o.code = d.office_code
       LEFT JOIN appliance_status s ON s.device_id = d.device_id
      ORDER BY d.office_code, d.device_id`,
  );
  return rows.map((r) => {
    const oldest = iso(r.oldest_unsent_at);
    return {
      deviceId: r.device_id,
      office: r.office_code,
      officeName: r.office_name,
      enrolledAt: iso(r.enrolled_at) as string,
      revokedAt: iso(r.revoked_at),
      lastBatchAt: iso(r.last_batch_at),
      reportedAt: iso(r.report_received_at),
      backlogPending: num(r.backlog_pending),
      oldestUnsentAt: oldest,
      oldestUnsentAgeMs: oldest === null ? null : Math.max(0, now.getTime() - Date.parse(oldest)),
      clockDriftMs: num(r.clock_drift_ms),
      softwareVersion: r.software_version,
      deviceStates: r.device_states ?? {},
      auditChain: {
        status: r.chain_status ?? 'unknown',
        flaggedAt: iso(r.chain_flagged_at),
        reason: r.chain_flag_reason,
        length: num(r.audit_length),
        headHash: r.audit_head_hash,
      },
    };
  });
}
