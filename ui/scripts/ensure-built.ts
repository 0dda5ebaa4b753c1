/**
 * Builds the officer UI when ui/dist is missing or older than any of its sources. Used by `npm start`
 * (prestart) and by the test suite's global setup, so neither ever serves a stale UI.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const UI = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(UI, 'dist', 'index.html');
const SOURCES = [join(UI, 'src'), join(UI, 'index.html'), join(UI, 'vite.config.ts')];

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), s.mtimeMs);
}

export function uiIsStale(): boolean {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((p) => existsSync(p) && newest(p) > built);
}

const LOCK = join(UI, '.build-lock');

/** One build at a time (parallel test workers, a start while tests run): a lock directory, stale after 2 min. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export async function ensureUiBuilt(force = false): Promise<{ built: boolean }> {
  if (!force && !uiIsStale()) return { built: false };
  return withLock(async () => {
    if (!force && !uiIsStale()) return { built: false }; // another process built it while we waited
    const { build } = await import('vite');
    await build({ configFile: join(UI, 'vite.config.ts'), logLevel: 'warn' });
    return { built: true };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  ensureUiBuilt(force).then(
    ({ built }) => console.log(built ? 'officer UI built into ui/dist' : 'officer UI is up to date (ui/dist)'),
    (err: unknown) => {
      console.error(`officer UI build failed: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
