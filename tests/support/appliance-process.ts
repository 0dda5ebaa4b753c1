import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ApplianceProcess {
  child: ChildProcess;
  url: string;
  /** Lines the process logged (pino JSON), for assertions about what it says. */
  logs: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const ROOT = new URL('../..', import.meta.url).pathname;

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
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'appliance/src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, VITEST: '', LOG_LEVEL: 'info', APPLIANCE_CONFIG: configPath, APPLIANCE_DATA_DIR: opts.dataDir, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`appliance did not start in time; stderr: ${stderr}; logs: ${logs.join('\n')}`)), opts.timeoutMs ?? 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`appliance exited with ${code} before ready; stderr: ${stderr}; logs: ${logs.join('\n')}`));
    });
    if (!child.stdout) return;
    createInterface({ input: child.stdout }).on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'appliance ready' && entry.url) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      } catch {
        /* not JSON: keep it in logs */
      }
    });
  });
  return {
    child,
    url,
    logs,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
