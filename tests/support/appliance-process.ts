import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnService } from './service-process.ts';

export interface ApplianceProcess {
  child: ChildProcess;
  url: string;
  /** Lines the process logged (pino JSON), for assertions about what it says. */
  logs: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs the real appliance (`tsx appliance/src/main.ts`, what `npm start` runs) as a child process with its own
 * data dir and config, and resolves once it logs "appliance ready" with its URL.
 */
export async function spawnAppliance(opts: {
  dataDir: string;
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<ApplianceProcess> {
  const configPath = join(opts.dataDir, '..', `config-${process.pid}-${Date.now()}.json`);
  writeFileSync(configPath, JSON.stringify({ version: 1, server: { port: 0 }, ...opts.config }));
  const service = await spawnService({
    name: 'appliance',
    entry: 'appliance/src/main.ts',
    env: { APPLIANCE_CONFIG: configPath, APPLIANCE_DATA_DIR: opts.dataDir, ...opts.env },
    up: (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        return entry.msg === 'appliance ready' && entry.url ? entry.url : undefined;
      } catch {
        return undefined; // not JSON: kept in logs
      }
    },
    timeoutMs: opts.timeoutMs ?? 20_000,
    killSignal: 'SIGTERM',
  });
  return { child: service.child, url: service.up, logs: service.logs, kill: service.kill };
}
