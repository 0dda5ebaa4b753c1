/** `self-test`: every check in turn, then a green/red checklist (or JSON); fails if any check failed. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplianceConfig } from '@lmc/appliance/config/schema.ts';
import { DEVICE_FILE, KEYS_DIR, loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { type CheckResult, runCheck } from './check.ts';
import { checkFingerprint, checkMrz, checkPrinter } from './device-checks.ts';
import { checkCentral, checkDisk, checkKeys, checkOutbox } from './system-checks.ts';

export interface SelfTestOptions {
  config: ApplianceConfig;
  dataDir: string;
  waitS: number;
  maxDriftS: number;
  logger: Logger;
  prompt: (text: string) => void;
  /** Called as each check finishes (the step lines). */
  onCheck?: (c: CheckResult) => void;
}

export interface SelfTestReport {
  ok: boolean;
  deviceId: string | null;
  checks: CheckResult[];
}

export async function selfTest(o: SelfTestOptions): Promise<SelfTestReport> {
  const enrolled = existsSync(join(o.dataDir, KEYS_DIR, DEVICE_FILE));
  const deviceId = enrolled ? loadOrCreateIdentity(o.dataDir).deviceId : null;
  const checks: CheckResult[] = [];
  const add = (c: CheckResult) => {
    checks.push(c);
    o.onCheck?.(c);
  };
  const ctx = { config: o.config, deviceId: deviceId ?? 'not-enrolled', waitS: o.waitS, logger: o.logger, prompt: o.prompt };
  add(await runCheck('mrz-reader', () => checkMrz(ctx)));
  add(await runCheck('fingerprint-reader', () => checkFingerprint(ctx)));
  add(await runCheck('receipt-printer', () => checkPrinter(ctx)));
  add(await runCheck('disk-space', async () => checkDisk(o.dataDir, o.config)));
  add(await runCheck('keys', async () => checkKeys(o.dataDir)));
  const central = await checkCentral(o.config, o.maxDriftS);
  add({ name: 'central-link', ...central.link });
  add({ name: 'clock-drift', ...central.clock });
  add(await runCheck('outbox', async () => checkOutbox(o.dataDir, o.config, o.logger)));
  return { ok: checks.every((c) => c.ok !== false), deviceId, checks };
}
