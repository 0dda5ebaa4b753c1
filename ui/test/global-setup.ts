import { ensureUiBuilt } from '../scripts/ensure-built.ts';

/** vitest globalSetup: the browser tests and the bundle budget test need a current ui/dist. */
export default async function setup(): Promise<void> {
  await ensureUiBuilt();
}
