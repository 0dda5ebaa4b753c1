import { addOfficer, TEST_OFFICER } from '@lmc/appliance/auth/test-support.ts';
import type { RunningAppliance } from '@lmc/appliance/start.ts';
import { startTempAppliance } from './live-appliance.ts';

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
  const { appliance, stop } = await startTempAppliance(prefix, {
    devices: {
      mrz: { transport: 'simulator', baudRate: 115200 },
      fingerprint: { transport: 'simulator', baudRate: 115200 },
      printer: { transport: 'simulator', paperWidth: 80, baudRate: 115200 },
    },
  });
  await addOfficer(appliance.store.health().path, TEST_OFFICER, 'supervisor');
  return { appliance, port: Number(new URL(appliance.url).port), stop };
}
