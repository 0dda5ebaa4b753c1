/**
 * The Debian package, built as `npm run package` builds it (scripts/package.mjs → dpkg-deb), checked
 * without installing it: its files (own Node, bundles, production dependencies with their native modules,
 * UI, units, rules, users), its control file and maintainer scripts, its configuration template against
 * the appliance's own schema and the udev names, and its units with systemd's own tools
 * (`systemd-analyze verify`, `systemd-analyze security --offline`, exposure <= 2.0 for the appliance).
 * Installing it on a bare Debian root and reaching /healthz is `npm run test:package` (scripts/package-test.mjs).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@lmc/appliance/config/load-config.ts';
import { STABLE_NAMES } from '@lmc/provisioning/kiosk/templates.ts';

const repo = join(import.meta.dirname, '..', '..');
let work: string;
let deb: string;
let files: string[];
let x: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'lmc-package-test-'));
  // --skip-ui: the suite's global setup built ui/dist once; rebuilding it here would race the browser tests.
  const r = spawnSync(process.execPath, ['scripts/package.mjs', '--out', work, ...(existsSync(join(repo, 'ui/dist/index.html')) ? ['--skip-ui'] : [])], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run package failed:\n${r.stdout}\n${r.stderr}`);
  deb = join(work, readdirSync(work).find((f) => f.endsWith('.deb')) ?? 'missing.deb');
  files = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\n')
    .filter(Boolean)
    .map((l) => (l.split(/\s+/).slice(5).join(' ').replace(/^\.\//, '/').split(' -> ')[0] ?? '').replace(/\/$/, ''));
  x = join(work, 'x');
  execFileSync('dpkg-deb', ['-x', deb, x]);
  execFileSync('dpkg-deb', ['-e', deb, join(work, 'control')]);
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
}, 300_000);

const has = (p: string) => files.includes(p);

describe('lmc-appliance .deb', () => {
  it('ships its own Node (>= 20.19), the compiled bundles, the built UI and the run-time files', () => {
    for (const f of [
      '/usr/lib/lmc/node/bin/node',
      '/usr/lib/lmc/appliance/dist/main.js',
      '/usr/lib/lmc/appliance/dist/cpu-worker.js',
      '/usr/lib/lmc/appliance/dist/verify-audit.js',
      '/usr/lib/lmc/provisioning/dist/cli.js',
      '/usr/lib/lmc/ui/dist/index.html',
      '/usr/lib/lmc/ui/src/i18n/en.json',
      '/usr/lib/lmc/central/src/reference/seed/offices.json',
      '/usr/lib/lmc/package.json',
      '/usr/lib/lmc/bin/kiosk-prepare.mjs',
    ]) {
      expect(has(f), f).toBe(true);
    }
    const v = execFileSync(join(x, 'usr/lib/lmc/node/bin/node'), ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    const [major = 0, minor = 0] = v.split('.').map(Number);
    expect(major > 20 || (major === 20 && minor >= 19), v).toBe(true);
    // No TypeScript at run time: no tsx, no .ts entry points.
    expect(files.some((f) => f.startsWith('/usr/lib/lmc/node_modules/tsx/'))).toBe(false);
    expect(readFileSync(join(x, 'lib/systemd/system/lmc-appliance.service'), 'utf8')).toMatch(/^ExecStart=\/usr\/lib\/lmc\/node\/bin\/node \/usr\/lib\/lmc\/appliance\/dist\/main\.js$/m);
  });

  it('ships the production dependencies with native modules built for this architecture, and no dev dependencies', () => {
    const nm = '/usr/lib/lmc/node_modules';
    for (const f of [`${nm}/better-sqlite3/build/Release/better_sqlite3.node`, `${nm}/argon2/package.json`, `${nm}/serialport/package.json`, `${nm}/node-hid/package.json`, `${nm}/fastify/package.json`]) {
      expect(has(f), f).toBe(true);
    }
    expect(files.some((f) => f.startsWith(`${nm}/@serialport/bindings-cpp/prebuilds/linux-${process.arch}/`))).toBe(true);
    expect(files.some((f) => f.includes('/prebuilds/') && /win32|darwin/.test(f))).toBe(false);
    for (const dev of ['vitest', 'typescript', 'vite', '@biomejs/biome', 'playwright-core', 'esbuild']) expect(has(`${nm}/${dev}/package.json`), dev).toBe(false);
    // The bundles load their native modules with the shipped Node (same ABI as they were built for).
    const node = join(x, 'usr/lib/lmc/node/bin/node');
    const probe = "const r = require('module').createRequire(process.argv[1] + '/'); const D = r('better-sqlite3'); new D(':memory:').prepare('select 1').get(); r('argon2'); r('@serialport/bindings-cpp'); console.log('ok')";
    expect(execFileSync(node, ['-e', probe, join(x, 'usr/lib/lmc')], { encoding: 'utf8' }).trim()).toBe('ok');
  });

  it('installs lmc-provision on the PATH, users, folders, udev rules, USB-serial drivers and units', () => {
    for (const f of [
      '/usr/bin/lmc-provision',
      '/lib/systemd/system/lmc-appliance.service',
      '/lib/systemd/system/lmc-kiosk.service',
      '/lib/udev/rules.d/60-lmc-appliance.rules',
      '/usr/lib/sysusers.d/lmc-appliance.conf',
      '/usr/lib/tmpfiles.d/lmc-appliance.conf',
      '/usr/lib/modules-load.d/lmc-appliance.conf',
      '/usr/share/lmc/appliance.config.json',
    ]) {
      expect(has(f), f).toBe(true);
    }
    const sysusers = readFileSync(join(x, 'usr/lib/sysusers.d/lmc-appliance.conf'), 'utf8');
    expect(sysusers).toMatch(/^u\s+lmc\s/m);
    expect(sysusers).toMatch(/^u\s+lmc-kiosk\s/m);
    expect(readFileSync(join(x, 'usr/lib/modules-load.d/lmc-appliance.conf'), 'utf8')).toMatch(/^usbserial$[\s\S]*^cdc_acm$[\s\S]*^cp210x$/m);
    const help = execFileSync(join(x, 'usr/lib/lmc/node/bin/node'), [join(x, 'usr/lib/lmc/provisioning/dist/cli.js'), '--help'], { encoding: 'utf8' });
    expect(help).toMatch(/Exit codes/);
  });

  it('its configuration template passes the appliance schema and names the udev links the rules create', () => {
    const raw = JSON.parse(readFileSync(join(x, 'usr/share/lmc/appliance.config.json'), 'utf8'));
    const { config } = parseConfig(raw, {});
    expect(config.dataDir).toBe('/var/lib/lmc');
    const d = config.devices as Record<string, { transport: string; path?: string }>;
    for (const role of ['mrz', 'fingerprint', 'printer'] as const) expect(d[role]?.path, role).toBe(`/dev/${STABLE_NAMES[role]}`);
    const unit = readFileSync(join(x, 'lib/systemd/system/lmc-appliance.service'), 'utf8');
    expect(unit).toMatch(/^Environment=APPLIANCE_CONFIG=\/etc\/lmc\/appliance\.config\.json$/m);
    expect(unit).toMatch(/^StateDirectory=lmc$/m);
  });

  it('control file and maintainer scripts: dependencies from Debian only, users before use, migration after a backup', () => {
    const control = execFileSync('dpkg-deb', ['-f', deb], { encoding: 'utf8' });
    expect(control).toMatch(/^Package: lmc-appliance$/m);
    expect(control).toMatch(/^Depends: .*systemd.*udev/m);
    expect(control).not.toMatch(/nodejs/);
    const postinst = readFileSync(join(work, 'control', 'postinst'), 'utf8');
    for (const s of ['postinst', 'prerm', 'postrm']) {
      const r = spawnSync('sh', ['-n', join(work, 'control', s)]);
      expect(r.status, `${s} syntax`).toBe(0);
    }
    expect(postinst.indexOf('systemd-sysusers')).toBeLessThan(postinst.indexOf('install -o lmc'));
    expect(postinst).toMatch(/setpriv --reuid=lmc --regid=lmc --init-groups\s*\\\s*\n\s*\/usr\/bin\/lmc-provision upgrade-store --backup-dir \/var\/backups\/lmc/);
    const postrm = readFileSync(join(work, 'control', 'postrm'), 'utf8');
    expect(postrm).not.toMatch(/rm -rf? [^\n]*\/var\/lib\/lmc/);
  });
});

describe('units, checked by systemd', () => {
  let root: string;
  beforeAll(() => {
    // A root with the host's units (so dependencies resolve) and the package's files over them.
    root = join(work, 'verify-root');
    mkdirSync(join(root, 'lib/systemd/system'), { recursive: true });
    cpSync('/lib/systemd/system', join(root, 'lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    for (const u of ['lmc-appliance.service', 'lmc-kiosk.service']) cpSync(join(x, 'lib/systemd/system', u), join(root, 'lib/systemd/system', u));
    // The programs the units start (verify checks they are executable): the package's Node, linked not copied.
    mkdirSync(join(root, 'usr/lib/lmc/node/bin'), { recursive: true });
    linkSync(join(x, 'usr/lib/lmc/node/bin/node'), join(root, 'usr/lib/lmc/node/bin/node'));
    // The kiosk's programs come from Debian's cage and chromium packages (Recommends): a stand-in where the
    // build host lacks them, since verify only checks that they are executable.
    for (const bin of ['/usr/bin/cage', '/usr/bin/chromium']) {
      if (existsSync(join(root, bin))) continue;
      mkdirSync(join(root, 'usr/bin'), { recursive: true });
      writeFileSync(join(root, bin), '#!/bin/sh\nexit 0\n');
      chmodSync(join(root, bin), 0o755);
    }
  });

  it('systemd-analyze verify finds nothing to say about either unit', () => {
    const r = spawnSync('systemd-analyze', ['verify', `--root=${root}`, 'lmc-appliance.service', 'lmc-kiosk.service'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => /lmc-/.test(l))).toEqual([]);
  });

  it('the appliance unit rates <= 2.0 in systemd-analyze security --offline', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', `--root=${root}`, '--no-pager', 'lmc-appliance.service'], { encoding: 'utf8' });
    const m = `${r.stdout}${r.stderr}`.match(/Overall exposure level for lmc-appliance\.service: (\d+\.\d+)/);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(Number(m?.[1])).toBeLessThanOrEqual(2.0);
  });

  it('the kiosk cannot be left for a console and Chromium runs on Wayland without pinch or a restore bubble', () => {
    const kiosk = readFileSync(join(x, 'lib/systemd/system/lmc-kiosk.service'), 'utf8');
    const exec = kiosk.match(/^ExecStart=(.*)$/m)?.[1] ?? '';
    expect(exec).toMatch(/^\/usr\/bin\/cage /);
    expect(exec).not.toMatch(/cage[^-]* -s\b|cage -[a-z]*s/);
    for (const flag of ['--ozone-platform=wayland', '--disable-pinch', '--kiosk', '--hide-crash-restore-bubble']) expect(exec).toContain(flag);
    for (const line of ['StartLimitIntervalSec=0', 'Restart=always', 'TTYPath=/dev/tty1', 'TTYReset=yes', 'TTYVHangup=yes', 'TTYVTDisallocate=yes', 'PAMName=login', 'StandardOutput=journal']) {
      expect(kiosk).toContain(line);
    }
    expect(kiosk).toMatch(/^Wants=.*dbus\.socket.*systemd-logind\.service/m);
    const appliance = readFileSync(join(x, 'lib/systemd/system/lmc-appliance.service'), 'utf8');
    expect(appliance).not.toMatch(/network-online/);
    for (const line of ['SystemCallFilter=@system-service', 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX', 'DeviceAllow=char-ttyUSB rw', 'DeviceAllow=char-hidraw rw', 'After=systemd-modules-load.service']) {
      expect(appliance).toContain(line);
    }
  });
});
