#!/usr/bin/env node
// Production build: one esbuild bundle per deployable entry point, run by plain `node` (no tsx at run time).
// Our own packages (@lmc/*) are bundled in; every npm package stays external and is loaded from node_modules,
// so native modules (better-sqlite3, serialport, argon2, node-hid) load as installed.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
const external = new Set();
for (const ws of ['.', ...workspaces]) {
  const m = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8'));
  for (const field of ['dependencies', 'optionalDependencies', 'devDependencies']) {
    for (const name of Object.keys(m[field] ?? {})) if (!name.startsWith('@lmc/')) external.add(name);
  }
}

export const ENTRIES = {
  'appliance/dist/main': 'appliance/src/main.ts',
  // The one CPU worker of the appliance's pool (appliance/src/workers/cpu-pool.ts loads it beside main.js).
  'appliance/dist/cpu-worker': 'appliance/src/workers/cpu-worker.ts',
  'appliance/dist/verify-audit': 'appliance/src/cli/verify-audit.ts',
  'central/dist/main': 'central/src/main.ts',
  'central/dist/seed-cli': 'central/src/reference/seed-cli.ts',
  'provisioning/dist/cli': 'provisioning/src/cli.ts',
};

const result = await build({
  absWorkingDir: root,
  entryPoints: ENTRIES,
  // The Debian package (scripts/package.mjs) bundles straight into its staging tree, leaving the checkout's dist/ alone.
  outdir: process.env.LMC_BUILD_OUTDIR ?? root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: [...external],
  logLevel: 'warning',
  metafile: true,
  // Bundled CommonJS-style code may call require(); give ESM bundles one.
  banner: { js: "import { createRequire as __lmcCreateRequire } from 'node:module'; const require = __lmcCreateRequire(import.meta.url);" },
});
const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js'));
for (const [file, o] of outputs) console.log(`${file}  ${(o.bytes / 1024).toFixed(0)} KiB`);
