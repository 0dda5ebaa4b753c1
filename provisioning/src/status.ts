/** `status`: one screen of health: config, identity and keys, devices, store, outbox, central link. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICE_FILE, KEYS_DIR, loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import type { Logger } from '@lmc/core/logger.ts';
import type { ConfigFile } from './config/config-file.ts';
import { readHardware } from './discovery/assign.ts';
import { readEnrolment } from './enrolment/enrol.ts';
import { type CheckResult, runCheck } from './self-test/check.ts';
import { readApplianceHealth } from './appliance-link.ts';
import { checkCentralSigned, checkDisk, checkKeys, checkOutbox, checkSyncState } from './self-test/system-checks.ts';

export interface StatusReport {
  ok: boolean;
  config: { path: string; exists: boolean; notes: string[]; office: string; centralUrl: string };
  deviceId: string | null;
  enrolledAt: string | null;
  devices: Record<string, string>;
  store: { present: boolean; schemaVersion?: number; walMode?: boolean };
  checks: CheckResult[];
}

function describeDevice(d: { transport: string; path?: string; vendorId?: unknown; productId?: unknown }): string {
  if (d.transport === 'serial') return `serial ${d.path}`;
  if (d.transport === 'hid') return `hid ${String(d.vendorId)}:${String(d.productId)}`;
  return d.transport;
}

export async function status(file: ConfigFile, dataDir: string, logger: Logger, offline: boolean, production = false): Promise<StatusReport> {
  const { config } = file;
  const enrolled = existsSync(join(dataDir, KEYS_DIR, DEVICE_FILE));
  const deviceId = enrolled ? loadOrCreateIdentity(dataDir).deviceId : null;
  const hardware = readHardware(dataDir);
  const devices: Record<string, string> = {
    mrz: describeDevice(config.devices.mrz),
    fingerprint: describeDevice(config.devices.fingerprint),
    printer: describeDevice(config.devices.printer),
  };
  if (hardware) devices.inventory = `hardware.json from ${hardware.discoveredAt}`;
  const store: StatusReport['store'] = { present: existsSync(join(dataDir, 'appliance.db')) };
  const health = await readApplianceHealth(config);
  if (health) for (const d of health.devices) devices[d.device] = `${devices[d.device] ?? ''} → ${d.state}${d.simulated ? ' (SIMULATED)' : ''}`.trim();
  if (store.present) {
    const s = openApplianceStore({ dataDir, logger });
    try {
      const h = s.health();
      store.schemaVersion = h.schemaVersion;
      store.walMode = h.walMode;
    } finally {
      s.close();
    }
  }
  const checks: CheckResult[] = [
    await runCheck('keys', async () => checkKeys(dataDir)),
    await runCheck('disk-space', async () => checkDisk(dataDir, config)),
    await runCheck('outbox', async () => checkOutbox(dataDir, config, logger)),
  ];
  checks.push({ name: 'service', ok: health ? health.store.ok : production ? false : null, detail: health ? `running: ${health.status}` : 'not running (nothing answers on its address)' });
  checks.push({ name: 'forwarding', ...checkSyncState(health, production) });
  if (!offline) {
    const central = await checkCentralSigned(config, dataDir, 60);
    checks.push({ name: 'central-link', ...central.link }, { name: 'clock-drift', ...central.clock });
  }
  return {
    ok: checks.every((c) => c.ok !== false),
    config: { path: file.path, exists: file.exists, notes: file.notes, office: `${config.office.code} (${config.office.name})`, centralUrl: config.central.url || '(not set)' },
    deviceId,
    enrolledAt: readEnrolment(dataDir)?.enrolledAt ?? null,
    devices,
    store,
    checks,
  };
}
