/** Self-test of what is not a device: disk, keys, the central link and clock, the outbox. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplianceConfig } from '@lmc/appliance/config/schema.ts';
import { dataKeyPath } from '@lmc/appliance/crypto/data-key.ts';
import { DEVICE_FILE, KEYS_DIR, loadOrCreateIdentity, PRIVATE_KEY_FILE } from '@lmc/appliance/keys/identity.ts';
import { REFERENCE_PATH, referenceQuery, signRequest } from '@lmc/protocol/reference-feed.ts';
import type { ApplianceHealth } from '../appliance-link.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { statfsFreeBytes } from '@lmc/appliance/sync/admission-guard.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { centralRequest } from '../enrolment/central-api.ts';
import { loadCentralTrust } from '@lmc/appliance/keys/central-trust.ts';
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

export interface OutboxSnapshot {
  depth: number;
  quarantined: number;
  oldestUnsentAt: string | null;
}

/** Reads the outbox without creating a store where there is none. */
export function readOutbox(dataDir: string, logger: Logger): OutboxSnapshot | undefined {
  if (!existsSync(join(dataDir, 'appliance.db'))) return undefined;
  const store = openApplianceStore({ dataDir, logger });
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

/**
 * A signed request to the central as this device (the reference feed's signed GET: x-device-id,
 * x-timestamp, x-signature over the canonical request): proves the central knows this device and has not
 * revoked it, which an unauthenticated request (/time) cannot. Also reads the central's clock from the page.
 */
export async function checkCentralSigned(config: ApplianceConfig, dataDir: string, maxDriftS: number, now: () => number = Date.now): Promise<{ link: Outcome; clock: Outcome }> {
  if (config.central.url === '') return { link: { ok: false, detail: 'central.url is not set: run enrol' }, clock: { ok: null, detail: 'no central to compare with' } };
  if (!existsSync(join(dataDir, KEYS_DIR, DEVICE_FILE))) return { link: { ok: false, detail: `no device identity in ${join(dataDir, KEYS_DIR)}: run enrol` }, clock: { ok: null, detail: 'not enrolled' } };
  const identity = loadOrCreateIdentity(dataDir);
  const query = referenceQuery(0, 1);
  const t0 = now();
  const headers = signRequest({ method: 'GET', path: REFERENCE_PATH, query, deviceId: identity.deviceId, timestamp: t0 }, identity.privateKey);
  let res: Awaited<ReturnType<typeof centralRequest>>;
  try {
    // Through the certificate pinned at enrolment, as the appliance itself connects.
    const trust = { url: config.central.url, pinnedTlsPem: loadCentralTrust(dataDir).tlsPem, allowInsecureHttp: config.central.allowInsecureHttp ?? false, timeoutMs: config.central.connectTimeoutMs + 10_000 };
    res = await centralRequest(trust, 'GET', REFERENCE_PATH, { query, headers });
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'PROVISION_CENTRAL_UNREACHABLE';
    return { link: { ok: false, detail: (err as Error).message, code }, clock: { ok: null, detail: 'central not reachable' } };
  }
  const t1 = now();
  const body = (res.value ?? {}) as { code?: string; message?: string; serverTime?: string };
  if (!res.ok) {
    const code = typeof body.code === 'string' ? body.code : `HTTP_${res.status}`;
    const why = res.status === 401 || res.status === 403 ? `the central does not accept this device ${identity.deviceId} (${code}): unknown or revoked, enrol it again` : `the central refused a signed request: ${code}`;
    return { link: { ok: false, detail: why, code }, clock: { ok: null, detail: 'no answer to compare with' } };
  }
  const dateHeader = res.headers.date;
  const central = Date.parse(body.serverTime ?? (Array.isArray(dateHeader) ? dateHeader[0] : dateHeader) ?? '');
  const link: Outcome = { ok: true, detail: `${config.central.url} accepted a signed request from ${identity.deviceId} in ${t1 - t0} ms`, data: { roundTripMs: t1 - t0, deviceId: identity.deviceId } };
  if (!Number.isFinite(central)) return { link, clock: { ok: null, detail: 'the central did not report its time' } };
  const driftMs = Math.round(central - (t0 + t1) / 2);
  const driftS = Math.round(driftMs / 100) / 10;
  return {
    link,
    clock: {
      ok: Math.abs(driftMs) <= maxDriftS * 1000,
      detail: `local clock is ${Math.abs(driftS)} s ${driftMs > 0 ? 'behind' : 'ahead of'} the central (limit ${maxDriftS} s)`,
      data: { driftMs },
    },
  };
}

/** The running appliance's forwarding state (from its /healthz), judged for the checklist. */
export function checkSyncState(health: ApplianceHealth | undefined, production: boolean): Outcome {
  if (!health) return { ok: production ? false : null, detail: 'the appliance service is not running (no answer on its address): its forwarding state is unknown' };
  const s = health.sync;
  if (!s) return { ok: false, detail: 'the running appliance reports no forwarding (central.url not set at its start?)' };
  const bad = s.linkState === 'unauthorised' || s.linkState === 'not-configured' || s.quarantined > 0;
  const detail = `link ${s.linkState}, ${s.queueDepth} waiting, ${s.quarantined} quarantined, last acknowledged ${s.lastAcknowledgedAt ?? 'never'}${s.lastError ? `; last error ${s.lastError}` : ''}`;
  return { ok: !bad, detail, data: { ...s } };
}
