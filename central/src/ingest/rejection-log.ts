/**
 * The rejected-batch log with a per-client and a global budget. Within budget each refusal is one
 * row (code, claimed device id, client address); beyond it the refusal is still answered but only
 * counted in memory, per code, and written as ONE row with that count when the minute's window
 * rolls over, when someone reads the counts, or when the app closes. So 500 forged batches a second
 * cost at most the budget in rows per minute, and the totals an auditor reads stay exact.
 */
import type { Db } from '../db/db.ts';
import { type RejectionCounts, rejectionCounts } from './rejections.ts';

export interface RejectionLogLimits {
  /** Rows per client address per window. */
  perClient: number;
  /** Rows from all clients per window. */
  global: number;
  windowMs: number;
  /** Client addresses tracked per window; more are treated as over budget. */
  maxClients: number;
}

export const DEFAULT_REJECTION_LOG_LIMITS: RejectionLogLimits = { perClient: 20, global: 600, windowMs: 60_000, maxClients: 10_000 };

export interface RejectionEvent {
  deviceId: string | null;
  code: string;
  status: number;
  client: string;
}

export class RejectionLog {
  readonly #perClient = new Map<string, number>();
  /** `${code}\u0000${status}` → refusals not written as their own row. */
  readonly #overflow = new Map<string, number>();
  #windowStart: number;
  #rowsInWindow = 0;

  constructor(
    private readonly db: Db,
    private readonly limits: RejectionLogLimits = DEFAULT_REJECTION_LOG_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.#windowStart = now();
  }

  async record(e: RejectionEvent): Promise<void> {
    if (this.now() - this.#windowStart >= this.limits.windowMs) await this.#rollOver();
    const used = this.#perClient.get(e.client);
    const roomForClient = used !== undefined ? used < this.limits.perClient : this.#perClient.size < this.limits.maxClients;
    if (roomForClient && this.#rowsInWindow < this.limits.global) {
      this.#perClient.set(e.client, (used ?? 0) + 1);
      this.#rowsInWindow++;
      await this.db.query('INSERT INTO rejected_batches (device_id, code, status, client) VALUES ($1, $2, $3, $4)', [
        e.deviceId === null ? null : e.deviceId.slice(0, 128),
        e.code.slice(0, 64),
        e.status,
        e.client.slice(0, 64),
      ]);
      return;
    }
    const key = `${e.code.slice(0, 64)}\u0000${e.status}`;
    this.#overflow.set(key, (this.#overflow.get(key) ?? 0) + 1);
  }

  /** Writes the folded refusals (one row per code, device and client unknown). */
  async flush(): Promise<void> {
    if (this.#overflow.size === 0) return;
    const folded = [...this.#overflow];
    this.#overflow.clear();
    for (const [key, count] of folded) {
      const [code, status] = key.split('\u0000') as [string, string];
      await this.db.query('INSERT INTO rejected_batches (device_id, code, status, count, client) VALUES (NULL, $1, $2, $3, NULL)', [code, Number(status), count]);
    }
  }

  /** Exact totals: folded refusals are written first. */
  async counts(deviceId?: string): Promise<RejectionCounts> {
    await this.flush();
    return rejectionCounts(this.db, deviceId);
  }

  async #rollOver(): Promise<void> {
    this.#windowStart = this.now();
    this.#perClient.clear();
    this.#rowsInWindow = 0;
    await this.flush();
  }
}
