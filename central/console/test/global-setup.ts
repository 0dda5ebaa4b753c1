import { ensureConsoleBuilt } from '../scripts/ensure-built.ts';

/** vitest globalSetup: the console's browser tests and the central's /console/ route need a current central/console/dist. */
export default async function setup(): Promise<void> {
  await ensureConsoleBuilt();
}
