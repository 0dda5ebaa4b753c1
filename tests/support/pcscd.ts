/**
 * A real pcscd with Debian's vsmartcard-vpcd driver for the chip tests: started here (`pcscd -f`) when it is not
 * already running, stopped again only if started here. `skipReason` says why a suite cannot run (pcscd or vpcd not
 * installed, or vpcd not listening); nothing else is a reason to skip.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { vpcdListening as portOpen } from '@lmc/firmware-bridge/chip/simulator/vpcd-card.ts';

export const VPCD_READER = 'Virtual PCD 00 00';
export const VPCD_PORT = 35963;

function pcscdRunning(): boolean {
  try {
    execFileSync('pgrep', ['-x', 'pcscd']);
    return true;
  } catch {
    return false;
  }
}

export interface Pcscd {
  /** null when the suite can run. */
  readonly skipReason: string | null;
  stop(): Promise<void>;
}

export async function ensurePcscd(): Promise<Pcscd> {
  if (!existsSync('/usr/sbin/pcscd') || !existsSync('/usr/lib/pcsc/drivers/serial/libifdvpcd.so')) {
    return { skipReason: 'pcscd or vsmartcard-vpcd is not installed (apt-get install pcscd vsmartcard-vpcd libpcsclite-dev)', stop: async () => undefined };
  }
  let child: ChildProcess | null = null;
  let skipReason: string | null = null;
  if (!pcscdRunning()) {
    child = spawn('/usr/sbin/pcscd', ['-f'], { stdio: 'ignore' });
    child.once('error', (err) => {
      skipReason = `pcscd cannot start: ${err.message}`;
    });
  }
  for (let i = 0; i < 100 && !(await portOpen(VPCD_PORT)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await portOpen(VPCD_PORT))) skipReason ??= `pcscd started but vpcd does not listen on ${VPCD_PORT}`;
  return {
    get skipReason() {
      return skipReason;
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    },
  };
}
