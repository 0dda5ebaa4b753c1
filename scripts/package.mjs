#!/usr/bin/env node
// `npm run package`: the Debian package lmc-appliance_<version>_<arch>.deb, built with dpkg-deb.
//
// What goes in (everything the appliance needs on a bare Debian 12 besides Debian's own packages):
//   /usr/lib/lmc/node/bin/node           this build machine's Node (>= 20.19; Debian 12 ships 18)
//   /usr/lib/lmc/{appliance,provisioning}/dist/*.js   the esbuild bundles (scripts/build.mjs)
//   /usr/lib/lmc/node_modules            the production dependencies only, native modules as built here
//                                        (so for this Node's ABI and this architecture)
//   /usr/lib/lmc/ui/dist, ui/src/i18n, central/src/reference/seed   files the bundles read at run time
//   /usr/bin/lmc-provision, units, udev rules, sysusers.d, tmpfiles.d, modules-load.d, sysctl.d, postinst…
//
// Options: --skip-build (reuse the checkout's bundles and UI build), --skip-ui (reuse the checkout's ui/dist),
// --out DIR (default .tmp/package),
// --version V (default: package.json's version). Progress: one line per step; on a terminal the copy of
// node_modules also shows a counter.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    'skip-build': { type: 'boolean', default: false },
    'skip-ui': { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, '.tmp', 'package') },
    version: { type: 'string' },
  },
});

export const PACKAGE_NAME = 'lmc-appliance';
export const PREFIX = 'usr/lib/lmc';
/** Workspaces whose code is bundled into the appliance and the provisioning CLI (central is installed elsewhere). */
const RUNTIME_WORKSPACES = ['core', 'protocol', 'firmware-bridge', 'appliance', 'provisioning'];
/** Files the bundles read at run time, relative to the install root (see core/src/runtime-paths.ts installRoot users). */
const RUNTIME_FILES = ['ui/dist', 'ui/src/i18n', 'central/src/reference/seed'];
/** Entry points that must be there; every other bundle scripts/build.mjs wrote into these dist folders goes too. */
const BUNDLES = ['appliance/dist/main.js', 'appliance/dist/cpu-worker.js', 'appliance/dist/verify-audit.js', 'provisioning/dist/cli.js'];
const BUNDLE_DIRS = ['appliance/dist', 'provisioning/dist'];

const tty = process.stdout.isTTY === true;
const started = Date.now();
const step = (text) => console.log(`[ .. ] ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${text}`);
const progress = (text) => {
  if (tty) process.stdout.write(`\r\u001b[2K[ .. ]          ${text}`);
};
const progressDone = () => {
  if (tty) process.stdout.write('\r\u001b[2K');
};

function run(cmd, args, o = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...o });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

/** Node's resolution from `fromDir`: the nearest node_modules/<name> walking up to the repository root. */
function resolvePackageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

/**
 * The production dependency closure of the runtime workspaces: package folders (relative to the repository
 * root, so nested node_modules keep their place in resolution), walking dependencies, optionalDependencies
 * and installed peerDependencies. Dev dependencies of anything are never followed.
 */
export function productionClosure() {
  const found = new Set();
  const queue = [];
  const enqueue = (deps, fromDir, optional) => {
    for (const name of Object.keys(deps ?? {})) {
      if (name.startsWith('@lmc/')) continue;
      const dir = resolvePackageDir(name, fromDir);
      if (!dir) {
        if (optional) continue;
        throw new Error(`${name} (needed from ${relative(root, fromDir) || '.'}) is not installed: run npm ci`);
      }
      const rel = relative(root, dir);
      if (!found.has(rel)) {
        found.add(rel);
        queue.push(dir);
      }
    }
  };
  for (const ws of RUNTIME_WORKSPACES) {
    const m = readJson(join(root, ws, 'package.json'));
    enqueue(m.dependencies, join(root, ws), false);
    enqueue(m.optionalDependencies, join(root, ws), true);
  }
  while (queue.length) {
    const dir = queue.shift();
    const m = readJson(join(dir, 'package.json'));
    enqueue(m.dependencies, dir, false);
    enqueue(m.optionalDependencies, dir, true);
    enqueue(m.peerDependencies, dir, true);
  }
  return [...found].sort();
}

/** Build leftovers and other platforms' prebuilt binaries: not needed on the appliance. */
function keep(src) {
  const base = src.split('/').at(-1);
  if (base === 'node_modules') return false; // nested packages are copied on their own, when in the closure
  if (base === 'obj.target' || base === '.deps' || base === 'test_extension.node') return false;
  // Packages' own tests: not run on the appliance (and a *.test.ts here would be picked up by vitest in a checkout).
  if (/^(test|tests|__tests__)$/.test(base) && statSync(src).isDirectory()) return false;
  if (/\.(test|spec)\.[cm]?[jt]s$/.test(base)) return false;
  if (/\/prebuilds\/[^/]+$/.test(src) && statSync(src).isDirectory()) {
    return new RegExp(`(^|[-_])${process.platform}-${process.arch}$`).test(base) || base === `${process.platform}-${process.arch}`;
  }
  return true;
}

function dpkgArch() {
  return execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
}

function duKiB(dir) {
  return Number.parseInt(execFileSync('du', ['-sk', '--apparent-size', dir], { encoding: 'utf8' }).split('\t')[0], 10);
}

function install(src, dest, mode) {
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(src, dest);
  chmodSync(dest, mode);
}

function control({ version, arch, installedKiB }) {
  return `Package: ${PACKAGE_NAME}
Version: ${version}
Architecture: ${arch}
Maintainer: LMC appliance team <appliance@lmc.invalid>
Installed-Size: ${installedKiB}
Depends: libc6 (>= 2.31), libstdc++6 (>= 10), libgcc-s1, libudev1, libusb-1.0-0, libpcsclite1, systemd (>= 247), udev, util-linux, init-system-helpers
Recommends: cage, chromium, fonts-dejavu-core, dbus
Section: misc
Priority: optional
Homepage: https://lmc.invalid/appliance
Description: LMC border-post registration appliance
 The registration appliance of the Labour Migration Centre: reads passports
 (MRZ reader), captures fingerprints, prints receipts, keeps registrations in
 a local encrypted store and forwards them to the central database.
 .
 Ships its own Node.js runtime (${process.version}), the appliance service
 (lmc-appliance.service), the kiosk session (lmc-kiosk.service: cage +
 Chromium) and the technician's command line lmc-provision.
`;
}

export async function buildPackage() {
  const manifest = readJson(join(root, 'package.json'));
  const version = opts.version ?? manifest.version;
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) throw new Error(`the build machine's Node ${process.version} is older than 20.19: it is the one shipped`);
  const arch = dpkgArch();
  const stage = join(opts.out, 'root');
  rmSync(stage, { recursive: true, force: true });
  const lib = join(stage, PREFIX);
  mkdirSync(lib, { recursive: true });
  // Bundled straight into the staging tree (the checkout's dist/ folders, which other tests run, are not touched).
  const bundleRoot = opts['skip-build'] ? root : join(opts.out, 'bundles');
  if (!opts['skip-build']) {
    step('bundling (scripts/build.mjs)');
    rmSync(bundleRoot, { recursive: true, force: true });
    run(process.execPath, ['scripts/build.mjs'], { env: { ...process.env, LMC_BUILD_OUTDIR: bundleRoot } });
  }
  if (!opts['skip-build'] && !opts['skip-ui']) {
    step('building the UI (npm run build:ui)');
    run('npm', ['run', '--silent', 'build:ui']);
  }
  for (const f of BUNDLES) if (!existsSync(join(bundleRoot, f))) throw new Error(`${f} is missing: run without --skip-build`);
  if (!existsSync(join(root, 'ui/dist/index.html'))) throw new Error('ui/dist is missing: run npm run build:ui');

  step(`Node runtime ${process.version} from ${process.execPath}`);
  install(process.execPath, join(lib, 'node/bin/node'), 0o755);

  step('bundles and run-time files');
  for (const d of BUNDLE_DIRS) {
    for (const f of readdirSync(join(bundleRoot, d))) if (/\.js(\.map)?$/.test(f)) install(join(bundleRoot, d, f), join(lib, d, f), 0o644);
  }
  for (const d of RUNTIME_FILES) cpSync(join(root, d), join(lib, d), { recursive: true });
  // The install root marker core/src/runtime-paths.ts installRoot() looks for (a package.json with workspaces).
  writeFileSync(
    join(lib, 'package.json'),
    `${JSON.stringify({ name: PACKAGE_NAME, version, private: true, type: 'module', workspaces: [], description: 'installed by the lmc-appliance Debian package' }, null, 2)}\n`,
  );

  const closure = productionClosure();
  step(`production dependencies: ${closure.length} packages`);
  closure.forEach((rel, i) => {
    progress(`${i + 1}/${closure.length} ${rel}`);
    cpSync(join(root, rel), join(lib, rel), { recursive: true, filter: keep, verbatimSymlinks: true });
  });
  progressDone();

  step('units, udev rules, users, folders, configuration template, maintainer scripts');
  const p = (f) => join(root, 'packaging', f);
  install(p('bin/lmc-provision'), join(stage, 'usr/bin/lmc-provision'), 0o755);
  install(p('bin/kiosk-prepare.mjs'), join(lib, 'bin/kiosk-prepare.mjs'), 0o644);
  install(p('systemd/lmc-appliance.service'), join(stage, 'lib/systemd/system/lmc-appliance.service'), 0o644);
  install(p('systemd/lmc-kiosk.service'), join(stage, 'lib/systemd/system/lmc-kiosk.service'), 0o644);
  install(p('udev/60-lmc-appliance.rules'), join(stage, 'lib/udev/rules.d/60-lmc-appliance.rules'), 0o644);
  install(p('sysusers.d/lmc-appliance.conf'), join(stage, 'usr/lib/sysusers.d/lmc-appliance.conf'), 0o644);
  install(p('tmpfiles.d/lmc-appliance.conf'), join(stage, 'usr/lib/tmpfiles.d/lmc-appliance.conf'), 0o644);
  install(p('modules-load.d/lmc-appliance.conf'), join(stage, 'usr/lib/modules-load.d/lmc-appliance.conf'), 0o644);
  install(p('sysctl.d/60-lmc-appliance.conf'), join(stage, 'usr/lib/sysctl.d/60-lmc-appliance.conf'), 0o644);
  install(p('share/appliance.config.json'), join(stage, 'usr/share/lmc/appliance.config.json'), 0o644);
  install(p('share/kiosk.env'), join(stage, 'usr/share/lmc/kiosk.env'), 0o644);
  const doc = join(stage, 'usr/share/doc', PACKAGE_NAME);
  if (existsSync(join(root, 'docs/install.md'))) install(join(root, 'docs/install.md'), join(doc, 'install.md'), 0o644);
  mkdirSync(doc, { recursive: true });
  writeFileSync(join(doc, 'copyright'), 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: lmc-appliance\nFiles: *\nCopyright: Labour Migration Centre\nLicense: proprietary\n');

  const debian = join(stage, 'DEBIAN');
  mkdirSync(debian, { recursive: true });
  for (const s of ['postinst', 'prerm', 'postrm']) install(p(`debian/${s}`), join(debian, s), 0o755);
  writeFileSync(join(debian, 'control'), control({ version, arch, installedKiB: duKiB(stage) }));

  const deb = join(opts.out, `${PACKAGE_NAME}_${version}_${arch}.deb`);
  step(`dpkg-deb --build → ${relative(root, deb)}`);
  rmSync(deb, { force: true });
  run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  const mib = (statSync(deb).size / 1048576).toFixed(1);
  step(`done: ${deb} (${mib} MiB, ${(duKiB(stage) / 1024).toFixed(0)} MiB installed)`);
  return { deb, stage, version, arch };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildPackage().catch((err) => {
    progressDone();
    console.error(`[FAIL] ${err.message}`);
    process.exit(1);
  });
}

export function listStage(stage) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(relative(stage, full));
    }
  };
  walk(stage);
  return out;
}
