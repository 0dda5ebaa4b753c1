/**
 * Test support: one of the project's services (`tsx <entry point>`, as the npm scripts run it) as a child process,
 * its stdout lines kept, handed over once a line says it is up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface ServiceProcess<T> {
  child: ChildProcess;
  /** Lines the process logged (pino JSON), for assertions about what it says. */
  logs: string[];
  /** What `up` read from the line that said the service is up. */
  up: T;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface ServiceOptions<T> {
  /** For error messages: "appliance", "central". */
  name: string;
  /** The entry point, from the repository root. */
  entry: string;
  /** Added to this process's environment (with VITEST cleared and LOG_LEVEL=info). */
  env: Record<string, string | undefined>;
  /** What a stdout line says when the service is up, or undefined for any other line. */
  up(line: string): T | undefined;
  timeoutMs: number;
  /** The signal kill() sends when given none. */
  killSignal: NodeJS.Signals;
}

export async function spawnService<T>(o: ServiceOptions<T>): Promise<ServiceProcess<T>> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, o.entry)], {
    cwd: ROOT,
    env: { ...process.env, VITEST: '', LOG_LEVEL: 'info', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const up = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${o.name} did not start in time; stderr: ${stderr}; logs: ${logs.join('\n')}`)), o.timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${o.name} exited with ${code} before it was up; stderr: ${stderr}; logs: ${logs.join('\n')}`));
    });
    if (!child.stdout) return;
    createInterface({ input: child.stdout }).on('line', (line) => {
      logs.push(line);
      const found = o.up(line);
      if (found !== undefined) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    child,
    logs,
    up,
    async kill(signal = o.killSignal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
