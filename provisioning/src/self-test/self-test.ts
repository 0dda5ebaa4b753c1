/**
 * `self-test`: every check in turn, then a green/red checklist (or JSON); fails if any check failed.
 * With the appliance service running, its devices are held by it: their state is read from the service
 * (/healthz) instead of opening them here. In a production install (the packaged lmc-provision) a
 * simulated or unconfigured device, a stopped service or a central that refuses this device fails.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplianceConfig } from '@lmc/appliance/config/schema.ts';
import { DEVICE_FILE, KEYS_DIR, loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { type ApplianceHealth, readApplianceHealth } from '../appliance-link.ts';
import { type CheckResult, runCheck } from './check.ts';
import { checkFingerprint, checkMrz, checkPrinter } from './device-checks.ts';
import { checkCentralSigned, checkDisk, checkKeys, checkOutbox, checkSyncState } from './system-checks.ts';

export interface SelfTestOptions {
  config: ApplianceConfig;
  dataDir: string;
  waitS: number;
  maxDriftS: number;
  logger: Logger;
  prompt: (text: string) => void;
  /** A production install: simulated or absent devices and a stopped service fail. */
  production?: boolean;
  /** Called as each check finishes (the step lines). */
  onCheck?: (c: CheckResult) => void;
}

export interface SelfTestReport {
  ok: boolean;
  deviceId: string | null;
  production: boolean;
  checks: CheckResult[];
}

type Role = 'mrz' | 'fingerprint' | 'printer';
const CHECKS: { role: Role; name: string; healthName: string; run: typeof checkMrz }[] = [
  { role: 'mrz', name: 'mrz-reader', healthName: 'mrz', run: checkMrz },
  { role: 'fingerprint', name: 'fingerprint-reader', healthName: 'fingerprint', run: checkFingerprint },
  { role: 'printer', name: 'receipt-printer', healthName: 'printer', run: checkPrinter },
];

/** A device as the running service sees it. */
export function deviceFromHealth(health: ApplianceHealth, name: string, production: boolean): Omit<CheckResult, 'name'> {
  const d = health.devices.find((x) => x.device === name);
  if (!d) return { ok: production ? false : null, detail: 'not configured in the running appliance' };
  const working = d.state === 'connected' || d.state === 'reading';
  if (d.simulated) return { ok: production ? false : null, detail: `SIMULATED in the running appliance${production ? ': configure the real device (lmc-provision discover --write)' : ''}`, data: { ...d } };
  return { ok: working, detail: `running appliance: ${d.state}${d.reason ? ` (${d.reason})` : ''}; stop the service for a hands-on test`, data: { ...d } };
}

export async function selfTest(o: SelfTestOptions): Promise<SelfTestReport> {
  const production = o.production ?? false;
  const enrolled = existsSync(join(o.dataDir, KEYS_DIR, DEVICE_FILE));
  const deviceId = enrolled ? loadOrCreateIdentity(o.dataDir).deviceId : null;
  const checks: CheckResult[] = [];
  const add = (c: CheckResult) => {
    checks.push(c);
    o.onCheck?.(c);
  };
  const health = await readApplianceHealth(o.config);
  add({
    name: 'appliance-service',
    ok: health ? health.store.ok : production ? false : null,
    detail: health ? `running: status ${health.status}` : `not running (nothing answers on port ${o.config.server.port})${production ? ': systemctl start lmc-appliance' : ''}`,
  });
  const ctx = { config: o.config, deviceId: deviceId ?? 'not-enrolled', waitS: o.waitS, logger: o.logger, prompt: o.prompt };
  for (const c of CHECKS) {
    const transport = o.config.devices[c.role].transport;
    if (production && (transport === 'simulator' || transport === 'none')) {
      add({ name: c.name, ok: false, detail: `devices.${c.role}.transport is ${transport} in a production install: connect the device and run discover --write` });
    } else if (health) {
      add({ name: c.name, ...deviceFromHealth(health, c.healthName, production) });
    } else {
      add(await runCheck(c.name, () => c.run(ctx)));
    }
  }
  add(await runCheck('disk-space', async () => checkDisk(o.dataDir, o.config)));
  add(await runCheck('keys', async () => checkKeys(o.dataDir)));
  const central = await checkCentralSigned(o.config, o.dataDir, o.maxDriftS);
  add({ name: 'central-link', ...central.link });
  add({ name: 'clock-drift', ...central.clock });
  add(await runCheck('outbox', async () => checkOutbox(o.dataDir, o.config, o.logger)));
  add({ name: 'forwarding', ...checkSyncState(health, production) });
  return { ok: checks.every((c) => c.ok !== false), deviceId, production, checks };
}
