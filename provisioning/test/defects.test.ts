/**
 * Issue #15's provisioning defects, one test each: the CLI must never destroy data and never report a
 * broken appliance as healthy. Real parts: the CLI as a child process (exit codes), real SQLite stores,
 * real ptys for the serial probes, a real HTTP listener standing in for the running appliance's /healthz.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { finalizeMany } from '@lmc/appliance/sync/test-support.ts';
import { createLogger } from '@lmc/core/logger.ts';
import { openPtyPair, type PtyPair } from '@lmc/firmware-bridge/transport/pty-pair.ts';
import { readConfigFile } from '../src/config/config-file.ts';
import { discover } from '../src/discovery/discover.ts';
import { isStatusByte, probeEscPos } from '../src/discovery/probes.ts';
import { lookupAccount } from '../src/privileges.ts';
import { selfTest } from '../src/self-test/self-test.ts';
import { checkSyncState } from '../src/self-test/system-checks.ts';
import { upgradeStore } from '../src/upgrade/upgrade-store.ts';
import { fakeHost, runCli } from './support.ts';

// Each CLI run is a fresh tsx process: several seconds on a loaded 2-core box, two per test at most.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const logger = createLogger('defects-test');
let root: string;
let dataDir: string;
let cfg: string;
const json = <T>(s: string) => JSON.parse(s) as T;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'provision-defects-'));
  dataDir = join(root, 'data');
  cfg = join(root, 'appliance.config.json');
  writeFileSync(cfg, JSON.stringify({ version: 1, dataDir, server: { port: 1 } }));
  const store = openApplianceStore({ dataDir });
  finalizeMany(store, 2, 'BBR');
  store.close();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A listener answering /healthz as a running appliance would. */
async function fakeAppliance(body: unknown): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server };
}

describe('backup never destroys', () => {
  it('refuses --out inside the data directory (exit 2), the live store untouched', async () => {
    const before = readFileSync(join(dataDir, 'appliance.db'));
    const run = await runCli(['backup', '--out', join(dataDir, 'appliance.db'), '--config', cfg, '--json']);
    expect(run.code).toBe(2);
    expect(json<{ error: { message: string } }>(run.stdout).error.message).toMatch(/inside the data directory/);
    expect(readFileSync(join(dataDir, 'appliance.db')).equals(before)).toBe(true);
  });

  it('refuses to replace an existing file without --force, replaces it with --force', async () => {
    const out = join(root, 'existing.lmcbak');
    writeFileSync(out, 'an older backup');
    const refused = await runCli(['backup', '--out', out, '--config', cfg]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists.*--force/);
    expect(readFileSync(out, 'utf8')).toBe('an older backup');
    const forced = await runCli(['backup', '--out', out, '--force', '--config', cfg]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(out).subarray(0, 8).toString()).toBe('ZLMCBKP1');
  });

  it('--out under a folder that does not exist (/proc/nope) is a clear usage error at once, not a spin', async () => {
    const t0 = Date.now();
    const run = await runCli(['backup', '--out', '/proc/nope/x', '--config', cfg]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/folder \/proc\/nope does not exist/);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('refuses a passphrase shorter than the minimum (exit 2), writing nothing', async () => {
    const pass = join(root, 'short.txt');
    writeFileSync(pass, 'short\n');
    const out = join(root, 'short.lmcbak');
    const run = await runCli(['backup', '--out', out, '--include-keys', '--passphrase-file', pass, '--config', cfg]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/at least 12 characters/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('restore never lies', () => {
  let file: string;
  beforeAll(async () => {
    writeFileSync(join(dataDir, 'hardware.json'), JSON.stringify({ version: 1, discoveredAt: 'x', assignment: {} }));
    file = join(root, 'nokeys.lmcbak');
    const run = await runCli(['backup', '--out', file, '--config', cfg]);
    expect(run.code, run.stderr).toBe(0);
  }, 60_000);

  it('a backup without keys: exit 1 and nothing written, unless --without-keys', async () => {
    const target = join(root, 'restore-a');
    const run = await runCli(['restore', '--in', file, '--data-dir', target, '--config', cfg, '--json']);
    expect(run.code).toBe(1);
    expect(json<{ error: { code: string } }>(run.stdout).error.code).toBe('PROVISION_RESTORE_WITHOUT_KEYS');
    expect(existsSync(join(target, 'appliance.db'))).toBe(false);
  });

  it('--without-keys restores, reports what became unreadable, and restores the config and hardware.json', async () => {
    const target = join(root, 'restore-b');
    const newCfg = join(root, 'new-box.config.json');
    writeFileSync(newCfg, JSON.stringify({ version: 1, office: { code: 'HRE' } }));
    const run = await runCli(['restore', '--in', file, '--data-dir', target, '--config', newCfg, '--without-keys', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const r = json<{ unreadableSealed: number; unsendable: number; configRestored: string; hardwareRestored: boolean; keysRestored: string[] }>(run.stdout);
    expect(r.keysRestored).toEqual([]);
    expect(r.unsendable).toBe(2);
    expect(typeof r.unreadableSealed).toBe('number');
    expect(r.hardwareRestored).toBe(true);
    expect(existsSync(join(target, 'hardware.json'))).toBe(true);
    expect(r.configRestored).toBe(newCfg);
    expect(readConfigFile(newCfg).config.dataDir).toBe(dataDir);
    expect(json<{ office: { code: string } }>(readFileSync(`${newCfg}.before-restore`, 'utf8')).office.code).toBe('HRE');
    expect(run.stderr).toMatch(/sealed fingerprint record\(s\) are now unreadable/);
  });

  it('--in a missing file is a usage error (exit 2) without a stack trace', async () => {
    const run = await runCli(['restore', '--in', join(root, 'missing.lmcbak'), '--data-dir', join(root, 'restore-c'), '--config', cfg]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no such file/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('usage', () => {
  it('a --config that does not exist is a usage error (exit 2), never the defaults', async () => {
    const run = await runCli(['status', '--offline', '--config', join(root, 'typo.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/typo\.json does not exist/);
  });

  it('--version prints the version; --help has examples and exit codes', async () => {
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const h = await runCli(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Examples/);
    expect(h.stdout).toMatch(/Exit codes:[\s\S]*2 {2}usage error/);
    expect(h.stdout).toMatch(/enrolment-code/);
  });
});

describe('decommission', () => {
  it('refuses while the appliance service answers on its port (exit 1), nothing wiped', async () => {
    const app = await fakeAppliance({ status: 'ok', store: { ok: true }, devices: [] });
    try {
      const c = join(root, 'running.json');
      writeFileSync(c, JSON.stringify({ version: 1, dataDir, server: { port: app.port }, central: { url: 'http://127.0.0.1:9/' } }));
      const run = await runCli(['decommission', '--yes', '--config', c, '--json']);
      expect(run.code).toBe(1);
      expect(json<{ error: { code: string } }>(run.stdout).error.code).toBe('PROVISION_SERVICE_RUNNING');
      expect(existsSync(join(dataDir, 'appliance.db'))).toBe(true);
    } finally {
      app.server.close();
    }
  });

  it('lists unfinished registrations (drafts) and refuses without --discard-drafts', async () => {
    const d = join(root, 'drafts');
    const store = openApplianceStore({ dataDir: d });
    const draft = store.registrations.create({ officeCode: 'BBR', officerId: 'BBR-O1' });
    store.close();
    const c = join(root, 'drafts.json');
    writeFileSync(c, JSON.stringify({ version: 1, dataDir: d, server: { port: 1 }, central: { url: 'http://127.0.0.1:9/' } }));
    const run = await runCli(['decommission', '--yes', '--config', c]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`unfinished registration ${draft.id} (draft) by BBR-O1`);
    expect(run.stderr).toMatch(/PROVISION_DRAFTS_PRESENT/);
    expect(existsSync(join(d, 'appliance.db'))).toBe(true);
  });
});

describe('status and self-test read the running appliance and fail on what is not real', () => {
  it('a running appliance whose central refuses it (unauthorised) fails the forwarding check', () => {
    const health = { status: 'ok' as const, store: { ok: true }, devices: [], sync: { linkState: 'unauthorised', queueDepth: 4, quarantined: 0, lastAcknowledgedAt: null, lastError: 'DEVICE_UNKNOWN' } };
    expect(checkSyncState(health, true)).toMatchObject({ ok: false });
    expect(checkSyncState({ ...health, sync: { ...health.sync, linkState: 'online', lastError: null } }, true)).toMatchObject({ ok: true });
    expect(checkSyncState(undefined, true)).toMatchObject({ ok: false });
  });

  it('production self-test fails on simulated devices without opening them, and on a stopped service', async () => {
    const { config } = readConfigFile(cfg); // all devices default to the simulators
    const report = await selfTest({ config, dataDir, waitS: 1, maxDriftS: 60, logger, prompt: () => undefined, production: true });
    const by = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(report.ok).toBe(false);
    for (const n of ['mrz-reader', 'fingerprint-reader', 'receipt-printer', 'appliance-service']) expect(by[n]?.ok, n).toBe(false);
    expect(by['mrz-reader']?.detail).toMatch(/simulator in a production install/);
  });

  it('production self-test fails when the running appliance reports a simulated device', async () => {
    const app = await fakeAppliance({
      status: 'ok',
      store: { ok: true },
      devices: [
        { device: 'mrz', state: 'connected', simulated: true },
        { device: 'fingerprint', state: 'connected', simulated: false },
        { device: 'printer', state: 'error', simulated: false, reason: 'cannot open' },
      ],
      sync: { linkState: 'online', queueDepth: 0, quarantined: 0, lastAcknowledgedAt: null, lastError: null },
    });
    try {
      const base = readConfigFile(cfg).config;
      const config = {
        ...base,
        server: { ...base.server, port: app.port },
        devices: {
          mrz: { transport: 'serial' as const, path: '/dev/lmc-mrz', baudRate: 9600, framing: 'auto' as const, interByteTimeoutMs: 100 },
          fingerprint: { ...base.devices.fingerprint, transport: 'serial' as const, path: '/dev/lmc-fingerprint', baudRate: 57600 },
          printer: { ...base.devices.printer, transport: 'serial' as const, path: '/dev/lmc-printer', baudRate: 115200, paperWidth: 80 as const },
        },
      } as typeof base;
      const report = await selfTest({ config, dataDir, waitS: 1, maxDriftS: 60, logger, prompt: () => undefined, production: true });
      const by = Object.fromEntries(report.checks.map((c) => [c.name, c]));
      expect(by['appliance-service']?.ok).toBe(true);
      expect(by['mrz-reader']).toMatchObject({ ok: false });
      expect(by['mrz-reader']?.detail).toMatch(/SIMULATED/);
      expect(by['fingerprint-reader']?.ok).toBe(true);
      expect(by['receipt-printer']?.ok).toBe(false);
      expect(by.forwarding?.ok).toBe(true);
      expect(report.ok).toBe(false);
    } finally {
      app.server.close();
    }
  });
});

describe('discover', () => {
  const pairs: PtyPair[] = [];
  afterAll(async () => {
    await Promise.all(pairs.map((p) => p.close()));
  });

  it('accepts a printer only on exactly one status byte per request: a byte stream and a double answer are not printers', async () => {
    expect(isStatusByte(0x12)).toBe(true);
    expect(isStatusByte(0x16)).toBe(true);
    expect(isStatusByte(0x13)).toBe(false);
    const noisy = await openPtyPair();
    const double = await openPtyPair();
    const single = await openPtyPair();
    pairs.push(noisy, double, single);
    const stream = new SerialPort({ path: noisy.simulatorPath, baudRate: 9600 });
    const timer = setInterval(() => stream.write(Buffer.from([0x12, 0x16, 0x12, 0x1e])), 20);
    const answer = (pair: PtyPair, bytes: number[]) => {
      const port = new SerialPort({ path: pair.simulatorPath, baudRate: 9600 });
      port.on('data', (d: Buffer) => {
        // One answer per DLE EOT n request (the request's last byte, n, is 1 or 2).
        for (const b of d) if (b === 0x01 || b === 0x02) port.write(Buffer.from(bytes));
      });
      return port;
    };
    const two = answer(double, [0x12, 0x12]);
    const one = answer(single, [0x12]);
    try {
      expect(await probeEscPos(noisy.devicePath, 9600, { logger, timeoutMs: 200 })).toBeUndefined();
      expect(await probeEscPos(double.devicePath, 9600, { logger, timeoutMs: 200 })).toBeUndefined();
      expect(await probeEscPos(single.devicePath, 9600, { logger, timeoutMs: 200 })).toMatchObject({ kind: 'printer', details: { statusBytes: [0x12, 0x12] } });
    } finally {
      clearInterval(timer);
      for (const p of [stream, two, one]) await new Promise((r) => p.close(() => r(undefined)));
    }
  }, 30_000);

  it('considers USB ports only, reports a port held by another process as busy, and refuses --write then', async () => {
    const held = await openPtyPair();
    const builtin = await openPtyPair();
    pairs.push(held, builtin);
    const host = fakeHost(join(root, 'host'), [{ tty: 'ttyUSB0', target: held.devicePath, vendorId: '10c4', productId: 'ea60', serial: 'FP9', byId: 'usb-Silicon_Labs_CP2102_FP9-if00-port0' }]);
    // A built-in UART: a /dev node with no USB device behind it in /sys.
    const { symlinkSync } = await import('node:fs');
    symlinkSync(builtin.devicePath, join(host.devRoot, 'ttyS0'));
    mkdirSync(join(host.sysRoot, 'class', 'tty', 'ttyS0'), { recursive: true });
    // The running appliance holds the port with an exclusive lock, as SerialTransport opens it.
    const holder = new SerialPort({ path: held.devicePath, baudRate: 57600, lock: true, autoOpen: false });
    await new Promise<void>((r, j) => holder.open((e) => (e ? j(e) : r())));
    try {
      const r = await discover({ devRoot: host.devRoot, sysRoot: host.sysRoot, sysfsOnly: true, hid: false, probeTimeoutMs: 200, logger });
      expect(r.ports.map((p) => p.path)).not.toContain(join(host.devRoot, 'ttyS0'));
      expect(r.ignored).toEqual([]);
      expect(r.ports).toHaveLength(1);
      expect(r.ports[0]).toMatchObject({ busy: true });
      expect(r.assignment.mrz).toBeUndefined();
      expect(r.notes.join('\n')).toMatch(/busy/);
      const c = join(root, 'discover.json');
      writeFileSync(c, JSON.stringify({ version: 1, dataDir: join(root, 'discover-data') }));
      const run = await runCli(['discover', '--write', '--yes', '--json', '--config', c, '--no-hid', '--sysfs-only', '--probe-timeout', '200', '--dev-root', host.devRoot, '--sys-root', host.sysRoot]);
      expect(run.code).toBe(1);
      expect(json<{ error: { code: string } }>(run.stdout).error.code).toBe('PROVISION_PORT_BUSY');
      expect(existsSync(join(root, 'discover-data', 'hardware.json'))).toBe(false);
    } finally {
      await new Promise((r) => holder.close(() => r(undefined)));
    }
  }, 60_000);

  it('never proposes a silent port as the MRZ reader by elimination; --mrz names it and the hint names that option', async () => {
    const silent = await openPtyPair();
    pairs.push(silent);
    const host = fakeHost(join(root, 'host2'), [{ tty: 'ttyUSB0', target: silent.devicePath, vendorId: '1234', productId: '5678', serial: 'M1', byId: 'usb-Acme_M1-if00-port0' }]);
    const r = await discover({ devRoot: host.devRoot, sysRoot: host.sysRoot, sysfsOnly: true, hid: false, probeTimeoutMs: 150, logger });
    expect(r.assignment.mrz).toBeUndefined();
    expect(r.notes.join('\n')).toMatch(/--mrz PATH/);
    const link = join(host.devRoot, 'serial', 'by-id', 'usb-Acme_M1-if00-port0');
    const named = await discover({ devRoot: host.devRoot, sysRoot: host.sysRoot, sysfsOnly: true, hid: false, probeTimeoutMs: 150, logger, named: { mrz: link } });
    expect(named.assignment.mrz).toMatchObject({ path: link, identifiedBy: 'technician' });
  }, 60_000);
});

describe('upgrade-store', () => {
  it('backs up, migrates and verifies; a failed migration puts the backed-up store back', async () => {
    const d = join(root, 'upgrade');
    const store = openApplianceStore({ dataDir: d });
    finalizeMany(store, 3, 'BBR');
    store.close();
    const backups = join(root, 'upgrade-backups');
    const ok = await upgradeStore({ dataDir: d, backupDir: backups, fromVersion: '0.0.9', logger });
    expect(existsSync(ok.backup)).toBe(true);
    expect(ok.schemaAfter).toBe(ok.schemaBefore);
    const before = readFileSync(join(d, 'appliance.db'));
    await expect(
      upgradeStore({
        dataDir: d,
        backupDir: backups,
        logger,
        migrate: (dir) => {
          // A migration that breaks the store half-way.
          writeFileSync(join(dir, 'appliance.db'), 'not a database any more');
        },
      }),
    ).rejects.toMatchObject({ code: 'PROVISION_UPGRADE_FAILED' });
    const after = openApplianceStore({ dataDir: d });
    try {
      expect(after.integrityCheck()).toBe('ok');
      expect(after.outbox.depth()).toBe(3);
    } finally {
      after.close();
    }
    expect(before.length).toBeGreaterThan(0);
  });
});

describe('run as root', () => {
  const nobody = lookupAccount('nobody');
  it.runIf(process.getuid?.() === 0 && nobody !== undefined)('becomes the service user: a backup written as root is owned by that user', async () => {
    const account = nobody as NonNullable<typeof nobody>;
    const base = mkdtempSync(join(tmpdir(), 'provision-root-'));
    chmodSync(base, 0o755);
    const d = join(base, 'data');
    const store = openApplianceStore({ dataDir: d });
    store.close();
    const outDir = join(base, 'out');
    mkdirSync(outDir);
    for (const p of [d, join(d, 'appliance.db'), outDir]) chownSync(p, account.uid, account.gid);
    for (const f of ['appliance.db-wal', 'appliance.db-shm', 'keys']) if (existsSync(join(d, f))) chownSync(join(d, f), account.uid, account.gid);
    const c = join(base, 'c.json');
    writeFileSync(c, JSON.stringify({ version: 1, dataDir: d }), { mode: 0o644 });
    try {
      const run = await runCli(['backup', '--out', join(outDir, 'b.lmcbak'), '--config', c], undefined, { LMC_SERVICE_USER: 'nobody' });
      expect(run.code, run.stderr).toBe(0);
      expect(statSync(join(outDir, 'b.lmcbak')).uid).toBe(account.uid);
      // A production install without the service user refuses instead of writing root-owned files.
      const refused = await runCli(['status', '--offline', '--config', c], undefined, { LMC_SERVICE_USER: 'no-such-user-lmc', LMC_PRODUCTION: '1' });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/service user no-such-user-lmc does not exist/);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }, 60_000);
});
