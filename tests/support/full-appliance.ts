import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addOfficer, TEST_OFFICER } from '@lmc/appliance/auth/test-support.ts';
import { parseConfig } from '@lmc/appliance/config/load-config.ts';
import { type RunningAppliance, startAppliance } from '@lmc/appliance/start.ts';

export interface FullAppliance {
  appliance: RunningAppliance;
  port: number;
  stop(): Promise<void>;
}

/**
 * A listening appliance with every part a border post runs (all three devices simulated on ptys, printing,
 * fingerprints, forwarding, reference) and the test supervisor seeded: every route of the real server exists.
 */
export async function startFullAppliance(prefix: string): Promise<FullAppliance> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const { config } = parseConfig({
    version: 1,
    server: { port: 0 },
    dataDir,
    devices: {
      mrz: { transport: 'simulator', baudRate: 115200 },
      fingerprint: { transport: 'simulator', baudRate: 115200 },
      printer: { transport: 'simulator', paperWidth: 80, baudRate: 115200 },
    },
  });
  const appliance = await startAppliance(config);
  await addOfficer(appliance.store.health().path, TEST_OFFICER, 'supervisor');
  return {
    appliance,
    port: Number(new URL(appliance.url).port),
    async stop() {
      await appliance.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
