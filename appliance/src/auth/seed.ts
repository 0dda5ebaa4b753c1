import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@lmc/core/logger.ts';
import type { OfficerRepository } from './officers.ts';
import { hashPin, pinProblem } from './pin-hash.ts';

export interface SupervisorSeed {
  officerId: string;
  pin: string;
  displayName?: string;
}

export const FIRST_SUPERVISOR_FILE = 'first-supervisor.txt';

/**
 * First start only (empty officers table): creates the first supervisor, who then creates the officers.
 * With APPLIANCE_SUPERVISOR_ID / APPLIANCE_SUPERVISOR_PIN set, those are used. Without, a random PIN is made
 * and written to `<dataDir>/first-supervisor.txt` (mode 0600): the PIN never goes to the log.
 */
export async function seedFirstSupervisor(
  officers: OfficerRepository,
  seed: SupervisorSeed | undefined,
  fallback: { dataDir: string; officeCode: string },
  logger: Logger,
): Promise<{ created: false } | { created: true; officerId: string; pinFile?: string }> {
  if (officers.count() > 0) return { created: false };
  if (seed) {
    officers.insert({ officerId: seed.officerId, displayName: seed.displayName ?? 'Supervisor', role: 'supervisor', pinHash: await hashPin(seed.pin) });
    logger.info({ officerId: seed.officerId }, 'first supervisor created from APPLIANCE_SUPERVISOR_ID/PIN');
    return { created: true, officerId: seed.officerId };
  }
  let pin = '';
  do pin = String(randomInt(0, 1_000_000)).padStart(6, '0');
  while (pinProblem(pin));
  const officerId = `${fallback.officeCode}-SUP`;
  officers.insert({ officerId, displayName: 'Supervisor', role: 'supervisor', pinHash: await hashPin(pin) });
  const pinFile = join(fallback.dataDir, FIRST_SUPERVISOR_FILE);
  writeFileSync(
    pinFile,
    `First supervisor of this appliance\nofficer id: ${officerId}\nPIN: ${pin}\n\nSign in, create the officers, change this PIN, then delete this file.\n`,
    { mode: 0o600 },
  );
  logger.warn({ officerId, pinFile }, 'no officers yet: created the first supervisor; the PIN is in the file named here');
  return { created: true, officerId, pinFile };
}

/** Auth settings from the environment (documented in the README). */
export function authSettingsFromEnv(env: NodeJS.ProcessEnv): { seedSupervisor?: SupervisorSeed; idleTimeoutMs?: number } {
  const out: { seedSupervisor?: SupervisorSeed; idleTimeoutMs?: number } = {};
  if (env.APPLIANCE_SUPERVISOR_PIN) {
    out.seedSupervisor = { officerId: env.APPLIANCE_SUPERVISOR_ID || 'SUPERVISOR', pin: env.APPLIANCE_SUPERVISOR_PIN };
  }
  const idle = Number(env.APPLIANCE_IDLE_LOGOUT_S);
  if (Number.isInteger(idle) && idle >= 30) out.idleTimeoutMs = idle * 1000;
  return out;
}
