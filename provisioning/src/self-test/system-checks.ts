/** Self-test of what is not a device: disk, keys, the central link and clock, the outbox. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplianceConfig } from '@lmc/appliance/config/schema.ts';
import { dataKeyPath } from '@lmc/appliance/crypto/data-key.ts';
import { DEVICE_FILE, KEYS_DIR, PRIVATE_KEY_FILE } from '@lmc/appliance/keys/identity.ts';
import { openStore } from '@lmc/appliance/store/index.ts';
import { statfsFreeBytes } from '@lmc/appliance/sync/admission-guard.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { readCentralClock } from '../enrolment/central-api.ts';
import type { CheckResult } from './check.ts';

type Outcome = Omit<CheckResult, 'name'>;

export function checkDisk(dataDir: string, config: ApplianceConfig): Outcome {
  const dir = existsSync(dataDir) ? dataDir : join(dataDir, '..');
  const freeMb = Math.floor(statfsFreeBytes(dir) / (1024 * 1024));
  const min = config.sync.minFreeDiskMb;
  return { ok: freeMb >= min, detail: `${freeMb} MB free under ${dataDir} (minimum ${min} MB)`, data: { freeMb, minFreeMb: min } };
}

export function checkKeys(dataDir: string): Outcome {
  const files = [join(dataDir, KEYS_DIR, PRIVATE_KEY_FILE), join(dataDir, KEYS_DIR, DEVICE_FILE), dataKeyPath(dataDir)];
  const problems: string[] = [];
  for (const f of files) {
    if (!existsSync(f)) problems.push(`${f} missing`);
    else if ((statSync(f).mode & 0o077) !== 0) problems.push(`${f} is readable by others (chmod 600)`);
  }
  return { ok: problems.length === 0, detail: problems.length === 0 ? 'device key, device id and data key present, mode 0600' : problems.join('; ') };
}

export async function checkCentral(config: ApplianceConfig, maxDriftS: number): Promise<{ link: Outcome; clock: Outcome }> {
  if (config.central.url === '') {
    const skip = { ok: false, detail: 'central.url is not set: run enrol' };
    return { link: skip, clock: { ok: null, detail: 'no central to compare with' } };
  }
  try {
    const r = await readCentralClock({ url: config.central.url, timeoutMs: config.central.connectTimeoutMs });
    const driftS = Math.round(r.driftMs / 100) / 10;
    return {
      link: { ok: true, detail: `${config.central.url} answered in ${r.roundTripMs} ms`, data: { roundTripMs: r.roundTripMs } },
      clock: {
        ok: Math.abs(r.driftMs) <= maxDriftS * 1000,
        detail: `local clock is ${Math.abs(driftS)} s ${r.driftMs > 0 ? 'behind' : 'ahead of'} the central (limit ${maxDriftS} s)`,
        data: { driftMs: r.driftMs },
      },
    };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return {
      link: { ok: false, detail: (err as Error).message, ...(code ? { code } : {}) },
      clock: { ok: null, detail: 'central not reachable' },
    };
  }
}

export interface OutboxSnapshot {
  depth: number;
  quarantined: number;
  oldestUnsentAt: string | null;
}

/** Reads the outbox without creating a store where there is none. */
export function readOutbox(dataDir: string, logger: Logger): OutboxSnapshot | undefined {
  if (!existsSync(join(dataDir, 'appliance.db'))) return undefined;
  const store = openStore({ dataDir, logger });
  try {
    return { depth: store.outbox.depth(), quarantined: store.outbox.quarantinedCount(), oldestUnsentAt: store.outbox.oldestPendingAt() };
  } finally {
    store.close();
  }
}

export function checkOutbox(dataDir: string, config: ApplianceConfig, logger: Logger, now = new Date()): Outcome {
  const o = readOutbox(dataDir, logger);
  if (!o) return { ok: null, detail: `no store yet in ${dataDir}` };
  const ageS = o.oldestUnsentAt ? Math.max(0, Math.round((now.getTime() - Date.parse(o.oldestUnsentAt)) / 1000)) : 0;
  const maxH = config.sync.maxUnsyncedHours;
  const tooOld = maxH > 0 && ageS > maxH * 3600;
  const ok = !tooOld && o.quarantined === 0;
  const age = o.depth === 0 ? 'empty' : `${o.depth} waiting, oldest ${formatAge(ageS)} old`;
  return { ok, detail: `outbox ${age}${o.quarantined ? `; ${o.quarantined} quarantined (needs a technician)` : ''}`, data: { ...o, oldestAgeS: ageS } };
}

export function formatAge(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}
