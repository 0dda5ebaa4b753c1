#!/usr/bin/env node
// `npm run test:package`: install the .deb on a bare Debian 12 root and run the appliance from it.
//
//  1. build the package (scripts/package.mjs), or take --deb FILE;
//  2. a minimal Debian bookworm root made by mmdebstrap from Debian's packages (variant apt + systemd, udev),
//     cached as a tarball under ~/.cache/lmc-package-test;
//  3. in a chroot of it: `apt-get install ./lmc-appliance_….deb` (the remaining dependencies come from Debian);
//  4. checks: users and folders, `systemd-analyze verify` and `security --offline` (<= 2.0) of the installed
//     units, the appliance started as lmc (setpriv, the unit's environment) answering /healthz and serving the
//     UI, lmc-provision on the PATH run as root leaving every file owned by lmc, and an upgrade to a newer
//     build that backs the store up and migrates it (postinst → lmc-provision upgrade-store);
//  5. a closing "N passed, N failed" line; exit 1 on any failure.
// Needs root (chroot, mounts) and mmdebstrap (apt-get install mmdebstrap); ~5 min the first time, ~3 min cached.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({ options: { deb: { type: 'string' }, keep: { type: 'boolean', default: false }, 'no-upgrade': { type: 'boolean', default: false } } });
const started = Date.now();
const say = (t) => console.log(`[ .. ] ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${t}`);
const results = [];
function check(name, fn) {
  try {
    const detail = fn();
    results.push({ name, ok: true });
    console.log(`[ ok ] ${name}${detail ? `: ${detail}` : ''}`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`[FAIL] ${name}: ${err.message}`);
  }
}
const assert = (cond, msg) => {
  if (!cond) throw new Error(msg);
};
function sh(cmd, args, o = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...o });
  if (r.status !== 0 && !o.allowFail) throw new Error(`${cmd} ${args.join(' ')} → exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

if (process.getuid?.() !== 0) {
  console.error('test:package needs root (chroot and mounts)');
  process.exit(1);
}
if (spawnSync('mmdebstrap', ['--version']).status !== 0) {
  console.error('test:package needs mmdebstrap: apt-get install mmdebstrap');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'lmc-test-package-'));
const chroot = join(work, 'root');
let appliance;
const mounts = [];

function buildDeb(version) {
  const out = join(work, `build-${version ?? 'default'}`);
  const args = ['scripts/package.mjs', '--out', out, ...(version ? ['--version', version, '--skip-ui'] : [])];
  say(`building the package${version ? ` ${version}` : ''}`);
  sh(process.execPath, args, { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
  return join(out, readdirSync(out).find((f) => f.endsWith('.deb')));
}

function baseTarball() {
  const include = 'systemd,systemd-sysv,udev,util-linux,ca-certificates';
  const dir = join(homedir(), '.cache', 'lmc-package-test');
  const tar = join(dir, `bookworm-apt-${include.replace(/,/g, '+')}.tar`);
  if (existsSync(tar)) {
    say(`base root: cached ${tar}`);
    return tar;
  }
  mkdirSync(dir, { recursive: true });
  say('base root: mmdebstrap bookworm (variant apt + systemd, udev) from the Debian mirror');
  sh('mmdebstrap', ['--variant=apt', `--include=${include}`, 'bookworm', `${tar}.part`], { stdio: ['ignore', 'inherit', 'inherit'] });
  execFileSync('mv', [`${tar}.part`, tar]);
  return tar;
}

function mount(args, target) {
  sh('mount', [...args, target]);
  mounts.push(target);
}
const inRoot = (args, o = {}) => sh('chroot', [chroot, ...args], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DEBIAN_FRONTEND: 'noninteractive', LANG: 'C.UTF-8' }, ...o });

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitHealthz(port, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
      return { status: res.status, body: await res.json() };
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`no answer on :${port}/healthz within ${ms / 1000} s (${err.cause?.code ?? err.message})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function startAppliance() {
  // As the unit runs it: user lmc, its environment, its working directory, umask 077.
  const unit = readFileSync(join(chroot, 'lib/systemd/system/lmc-appliance.service'), 'utf8');
  const env = [...unit.matchAll(/^Environment=(.*)$/gm)].map((m) => m[1]);
  const exec = unit.match(/^ExecStart=(.*)$/m)[1];
  const log = join(work, 'appliance.log');
  const child = spawn('chroot', [chroot, 'setpriv', '--reuid=lmc', '--regid=lmc', '--init-groups', 'env', '-i', 'PATH=/usr/bin:/bin', ...env, 'sh', '-c', `cd /var/lib/lmc && umask 077 && exec ${exec}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.on('exit', () => writeFileSync(log, out));
  child.logText = () => out;
  return child;
}

async function stopAppliance() {
  if (!appliance || appliance.exitCode !== null) return;
  const done = new Promise((r) => appliance.once('exit', r));
  // The chroot and setpriv exec into the node process: this pid is the appliance itself.
  process.kill(appliance.pid, 'SIGTERM');
  await Promise.race([done, new Promise((r) => setTimeout(r, 20_000))]);
}

function ownedByLmc(path) {
  const uid = Number(inRoot(['id', '-u', 'lmc']).stdout.trim());
  const bad = sh('find', [join(chroot, path), '!', '-uid', String(uid)]).stdout.trim();
  assert(bad === '', `not owned by lmc: ${bad}`);
}

try {
  const deb = opts.deb ?? buildDeb();
  const tar = baseTarball();
  say(`unpacking the base root into ${chroot}`);
  mkdirSync(chroot);
  sh('tar', ['-C', chroot, '-xf', tar]);
  mount(['-t', 'proc', 'proc'], join(chroot, 'proc'));
  mount(['-t', 'sysfs', 'sys'], join(chroot, 'sys'));
  mount(['--rbind', '/dev'], join(chroot, 'dev'));
  copyFileSync('/etc/resolv.conf', join(chroot, 'etc/resolv.conf'));
  copyFileSync(deb, join(chroot, 'tmp/lmc-appliance.deb'));

  say('apt-get install ./lmc-appliance.deb (dependencies from Debian)');
  inRoot(['apt-get', 'update', '-qq']);
  const install = inRoot(['apt-get', 'install', '-y', '-q', '--no-install-recommends', '/tmp/lmc-appliance.deb'], { allowFail: true });
  check('the package installs on a bare Debian 12 root with apt', () => {
    assert(install.status === 0, `${install.stdout}\n${install.stderr}`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    return inRoot(['dpkg-query', '-W', '-f', '${Status} ${Version}', 'lmc-appliance']).stdout;
  });
  check('users lmc and lmc-kiosk exist', () => inRoot(['getent', 'passwd', 'lmc', 'lmc-kiosk']).stdout.trim().replace(/\n/g, '; '));
  check('/var/lib/lmc, /etc/lmc and the config belong to lmc', () => {
    ownedByLmc('var/lib/lmc');
    ownedByLmc('etc/lmc/appliance.config.json');
    assert(statSync(join(chroot, 'etc/lmc')).uid === statSync(join(chroot, 'etc/lmc/appliance.config.json')).uid, '/etc/lmc is not lmc\'s');
    assert((statSync(join(chroot, 'var/lib/lmc')).mode & 0o777) === 0o700, '/var/lib/lmc is not 0700');
  });
  check('lmc-provision is on the PATH', () => inRoot(['lmc-provision', '--version']).stdout.trim());
  check('both units are enabled', () => {
    // Links to absolute paths inside the root: lstat, not stat (which would follow them on the host).
    const enabled = (p) => lstatSync(join(chroot, p), { throwIfNoEntry: false })?.isSymbolicLink() === true;
    assert(enabled('etc/systemd/system/multi-user.target.wants/lmc-appliance.service'), 'lmc-appliance not enabled');
    assert(enabled('etc/systemd/system/graphical.target.wants/lmc-kiosk.service'), 'lmc-kiosk not enabled');
  });
  check('systemd-analyze verify lmc-appliance.service (installed)', () => {
    const r = inRoot(['systemd-analyze', 'verify', '/lib/systemd/system/lmc-appliance.service'], { allowFail: true });
    assert(r.status === 0 && !/lmc-/.test(r.stderr), r.stderr);
  });
  check('systemd-analyze security --offline: lmc-appliance exposure <= 2.0', () => {
    const r = inRoot(['systemd-analyze', 'security', '--offline=true', '--no-pager', '/lib/systemd/system/lmc-appliance.service'], { allowFail: true });
    const m = `${r.stdout}${r.stderr}`.match(/Overall exposure level for lmc-appliance\.service: (\d+\.\d+)/);
    assert(m && Number(m[1]) <= 2.0, `exposure ${m?.[1] ?? '?'}`);
    return `exposure ${m[1]}`;
  });

  // The appliance from the package, as lmc, on a free port of this (shared) network namespace.
  const port = await freePort();
  const cfgPath = join(chroot, 'etc/lmc/appliance.config.json');
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
  cfg.server = { ...cfg.server, port };
  writeFileSync(cfgPath, `${JSON.stringify(cfg, null, 2)}\n`);
  inRoot(['chown', 'lmc:lmc', '/etc/lmc/appliance.config.json']);
  say(`starting the appliance as lmc on port ${port}`);
  appliance = startAppliance();
  let health;
  try {
    health = await waitHealthz(port, 90_000);
  } catch (err) {
    health = { error: err.message };
  }
  check('the appliance answers /healthz (store ok)', () => {
    assert(health.body?.store?.ok === true, `${JSON.stringify(health)}\n${appliance.logText().slice(-2000)}`);
    return `HTTP ${health.status}, status ${health.body.status}, schema v${health.body.store.schemaVersion}`;
  });
  const page = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text(), () => '');
  check('the appliance serves the built UI', () => assert(/<html/i.test(page), page.slice(0, 200)));
  check('lmc-provision status, run as root, leaves every file in /var/lib/lmc owned by lmc', () => {
    const r = inRoot(['lmc-provision', 'status', '--offline'], { allowFail: true });
    assert(/office/.test(r.stdout), `${r.stdout}\n${r.stderr}`);
    ownedByLmc('var/lib/lmc');
    return r.stdout.split('\n').find((l) => l.startsWith('device id'));
  });
  await stopAppliance();

  if (!opts['no-upgrade']) {
    const next = buildDeb('0.1.0+test.1');
    copyFileSync(next, join(chroot, 'tmp/lmc-appliance-next.deb'));
    say('upgrading to 0.1.0+test.1 (postinst: backup, migrate, verify)');
    const up = inRoot(['dpkg', '-i', '/tmp/lmc-appliance-next.deb'], { allowFail: true });
    check('an upgrade backs the store up and migrates it', () => {
      assert(up.status === 0, `${up.stdout}\n${up.stderr}`);
      assert(/backing up and migrating the store/.test(up.stdout + up.stderr), up.stdout);
      const backups = readdirSync(join(chroot, 'var/backups/lmc'));
      assert(backups.some((f) => /^appliance-before-upgrade-from-0\.1\.0-.*\.db$/.test(f)), `backups: ${backups.join(', ')}`);
      ownedByLmc('var/backups/lmc');
      ownedByLmc('var/lib/lmc');
      return backups.join(', ');
    });
  }
} catch (err) {
  results.push({ name: 'harness', ok: false });
  console.log(`[FAIL] ${err.message}`);
} finally {
  await stopAppliance().catch(() => undefined);
  for (const m of mounts.reverse()) spawnSync('umount', ['-R', '-l', m]);
  // Never delete through a mount that is still there (/dev is the host's).
  const still = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[1]?.startsWith(chroot));
  if (still.length) console.log(`[warn] mounts left under ${chroot}, not deleting it:\n${still.join('\n')}`);
  else if (!opts.keep) rmSync(work, { recursive: true, force: true, maxRetries: 3 });
  else console.log(`kept ${work}`);
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
