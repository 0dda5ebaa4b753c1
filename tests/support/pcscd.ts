/**
 * A real pcscd with Debian's vsmartcard-vpcd driver for the chip tests: started here (`pcscd -f`) when it is not
 * already running, stopped again only if started here. `skipReason` says why a suite cannot run (pcscd or vpcd not
 * installed, or vpcd not listening); nothing else is a reason to skip.
 *
 * vpcd has one card slot per port and vitest runs files in parallel, so the suites that use it take turns: a lock
 * directory (mkdir is atomic) holding the owner's pid, taken in ensurePcscd and given back in stop(); a lock whose
 * process is gone is taken over.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const LOCK = join(tmpdir(), 'lmc-vpcd-suite.lock');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits for the other vpcd suite to finish (at most `waitMs`), then holds the lock. */
async function takeTurn(waitMs: number): Promise<void> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    } catch {
      owner = 0; // being written this instant: look again
    }
    if (owner > 0 && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
    else if (Date.now() > until) throw new Error(`another vpcd suite (pid ${owner}) still holds ${LOCK}`);
    else await new Promise((r) => setTimeout(r, 250));
  }
}

export async function ensurePcscd(): Promise<Pcscd> {
  if (!existsSync('/usr/sbin/pcscd') || !existsSync('/usr/lib/pcsc/drivers/serial/libifdvpcd.so')) {
    return { skipReason: 'pcscd or vsmartcard-vpcd is not installed (apt-get install pcscd vsmartcard-vpcd libpcsclite-dev)', stop: async () => undefined };
  }
  await takeTurn(240_000);
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
      if (c && c.exitCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await exited;
      }
      rmSync(LOCK, { recursive: true, force: true });
    },
  };
}
