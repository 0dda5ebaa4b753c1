/**
 * Refuses new registrations before the appliance gets into trouble it cannot get out of at the
 * counter: a disk about to fill (SQLite would start failing writes mid-registration), or a backlog
 * so old that the central's picture of the border is days behind (the link needs a technician).
 * An officer sees a clear message; registrations already started can still be finalized.
 */
import { statfsSync } from 'node:fs';
import type { FastifyRequest } from 'fastify';
import { ApplianceError, isApplianceError, ApplianceErrors } from '../errors.ts';
import type { Store } from '../store/index.ts';

const MB = 1024 * 1024;
const HOUR_MS = 3_600_000;

export interface AdmissionGuardOptions {
  dataDir: string;
  store: Store;
  /** Refuse below this much free space (fs.statfs of the data dir, blocks available to us). */
  minFreeDiskMb: number;
  /** Refuse when the oldest queued registration is older than this; 0 disables. */
  maxUnsyncedHours: number;
  /** The backlog rule needs a central to drain to; without one it would only lock the counter. */
  centralConfigured: boolean;
  freeDiskBytes?: (dir: string) => number;
  now?: () => Date;
}

export function statfsFreeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

export class AdmissionGuard {
  readonly #o: AdmissionGuardOptions;

  constructor(options: AdmissionGuardOptions) {
    this.#o = options;
  }

  /** Throws DISK_NEARLY_FULL or SYNC_BACKLOG_TOO_OLD (coded, officer-readable) when a new registration must wait. */
  check(): void {
    const free = (this.#o.freeDiskBytes ?? statfsFreeBytes)(this.#o.dataDir);
    if (free < this.#o.minFreeDiskMb * MB) {
      throw new ApplianceError(
        ApplianceErrors.DISK_NEARLY_FULL.code,
        `The appliance's disk is nearly full (${Math.floor(free / MB)} MB free, ${this.#o.minFreeDiskMb} MB needed). ` +
          'New registrations are paused to protect the ones already saved. Call a technician.',
        { freeMb: Math.floor(free / MB), minFreeDiskMb: this.#o.minFreeDiskMb },
      );
    }
    if (!this.#o.centralConfigured || this.#o.maxUnsyncedHours <= 0) return;
    const oldest = this.#o.store.outbox.oldestPendingAt();
    if (oldest === null) return;
    const ageHours = ((this.#o.now ?? (() => new Date()))().getTime() - Date.parse(oldest)) / HOUR_MS;
    if (ageHours > this.#o.maxUnsyncedHours) {
      throw new ApplianceError(
        ApplianceErrors.SYNC_BACKLOG_TOO_OLD.code,
        `Registrations have not reached the central database for ${Math.floor(ageHours)} hours (limit ${this.#o.maxUnsyncedHours}). ` +
          'New registrations are paused until the link is restored. Registrations already started can be finished. Call a technician.',
        { oldestUnsentAt: oldest, maxUnsyncedHours: this.#o.maxUnsyncedHours },
      );
    }
  }
}

/** The routes a new registration starts at. */
export const GUARDED_ROUTES: ReadonlyArray<{ method: string; url: string }> = [{ method: 'POST', url: '/api/registrations' }];

/**
 * Fastify preHandler hook (add it on the root instance): refuses a guarded route with the guard's coded
 * error; the app's error handler answers with the status its declaration gives (507/503, errors.ts).
 */
export function admissionHook(guard: Pick<AdmissionGuard, 'check'>) {
  return async function admissionGuardHook(request: FastifyRequest): Promise<void> {
    const url = request.routeOptions.url;
    if (!GUARDED_ROUTES.some((r) => r.method === request.method && r.url === url)) return;
    try {
      guard.check();
    } catch (err) {
      if (isApplianceError(err)) request.log.warn({ code: err.code }, 'new registration refused');
      throw err;
    }
  };
}
