/**
 * Builds the officer UI when ui/dist is missing or older than any of its sources (scripts/ensure-vite-built.ts).
 * Used by `npm start` (prestart) and by the test suite's global setup, so neither ever serves a stale UI.
 */
import { fileURLToPath } from 'node:url';
import { ensureViteBuilt, runBuildCli, type ViteApp, viteAppIsStale } from '../../scripts/ensure-vite-built.ts';

const UI: ViteApp = { dir: fileURLToPath(new URL('..', import.meta.url)) };

export function uiIsStale(): boolean {
  return viteAppIsStale(UI);
}

export async function ensureUiBuilt(force = false): Promise<{ built: boolean }> {
  return ensureViteBuilt(UI, force);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runBuildCli(UI, 'officer UI');
