/**
 * Build-if-stale for the Vite apps of this repository (the officer UI in ui/, the central's console in
 * central/console/): an app is stale when <app>/dist/index.html is missing or older than any of its sources.
 * Used by `npm start`'s prestart, the build scripts and the test suite's global setup, so none of them ever
 * serves a stale page. One build per app at a time (a lock directory beside the app, stale after 2 minutes),
 * so parallel test workers and a start while tests run do not build over each other.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ViteApp {
  /** The app's directory: holds vite.config.ts, index.html, src/ and (once built) dist/. */
  dir: string;
  /** Further sources outside the app's directory whose change makes the build stale (shared modules). */
  extraSources?: readonly string[];
}

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), s.mtimeMs);
}

export function viteAppIsStale(app: ViteApp): boolean {
  const stamp = join(app.dir, 'dist', 'index.html');
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  const sources = [join(app.dir, 'src'), join(app.dir, 'index.html'), join(app.dir, 'vite.config.ts'), ...(app.extraSources ?? [])];
  return sources.some((p) => existsSync(p) && newest(p) > built);
}

async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export async function ensureViteBuilt(app: ViteApp, force = false): Promise<{ built: boolean }> {
  if (!force && !viteAppIsStale(app)) return { built: false };
  return withLock(join(app.dir, '.build-lock'), async () => {
    if (!force && !viteAppIsStale(app)) return { built: false }; // another process built it while we waited
    const { build } = await import('vite');
    await build({ configFile: join(app.dir, 'vite.config.ts'), logLevel: 'warn' });
    return { built: true };
  });
}

/** The command-line form of a build script: `tsx <script> [--force]`, exit code 1 on failure. */
export function runBuildCli(app: ViteApp, label: string): void {
  const force = process.argv.includes('--force');
  ensureViteBuilt(app, force).then(
    ({ built }) => console.log(built ? `${label} built into ${join(app.dir, 'dist')}` : `${label} is up to date (${join(app.dir, 'dist')})`),
    (err: unknown) => {
      console.error(`${label} build failed: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
