/**
 * Builds the central's console when central/console/dist is missing or older than any of its sources
 * (scripts/ensure-vite-built.ts): `npm run build:console`, the central's prestart and the tests' global setup.
 * The console also bundles modules of the protocol package (the reference table definitions and what they import, the
 * JSON client) and the colours it shares with the officer UI (ui/src/palette.css): a change to any file of protocol/src
 * or to the palette makes it stale too (a hand-kept list of the protocol files missed one, and the tests ran an old bundle).
 */
import { fileURLToPath } from 'node:url';
import { ensureViteBuilt, runBuildCli, type ViteApp } from '../../../scripts/ensure-vite-built.ts';

export const CONSOLE_APP: ViteApp = {
  dir: fileURLToPath(new URL('..', import.meta.url)),
  extraSources: [
    fileURLToPath(new URL('../../../protocol/src', import.meta.url)),
    fileURLToPath(new URL('../../../ui/src/palette.css', import.meta.url)),
  ],
};

export async function ensureConsoleBuilt(force = false): Promise<{ built: boolean }> {
  return ensureViteBuilt(CONSOLE_APP, force);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runBuildCli(CONSOLE_APP, 'central console');
