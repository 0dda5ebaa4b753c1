/**
 * The technician's whole job on one appliance, against a real central (PGlite, listening) and the
 * three simulated devices on real ptys: enrol → discover (probes find the printer and the fingerprint
 * module by protocol; the silent MRZ reader is named with --mrz) → self-test → install-kiosk → backup →
 * restore → decommission. The CLI runs as a child process where exit codes and --json matter.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { finalizeMany } from '@lmc/appliance/sync/test-support.ts';
import { decodeQrFromPng } from '@lmc/firmware-bridge/escpos/decode-qr-png.ts';
import { TD3_SPECIMEN } from '@lmc/firmware-bridge/mrz-reader/icao-specimens.ts';
import { type Bench, fakeHost, runCli, startCentral, startDevices, type TestCentral } from './support.ts';

let central: TestCentral;
let bench: Bench;
let root: string;
let host: { devRoot: string; sysRoot: string };
let cfg: string;
let dataDir: string;
let deviceId: string;
const json = <T>(s: string) => JSON.parse(s) as T;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'provision-cycle-'));
  [central, bench] = await Promise.all([startCentral(), startDevices()]);
  host = fakeHost(root, [
    // An MRZ reader whose USB id we do not know: it answers no probe, so the technician names it (--mrz).
    { tty: 'ttyUSB0', target: bench.mrz.devicePath, vendorId: '1234', productId: '5678', serial: 'MRZ0001', byId: 'usb-Acme_MRZ_MRZ0001-if00-port0' },
    { tty: 'ttyUSB1', target: bench.printerPair.devicePath, vendorId: '04b8', productId: '0e15', serial: 'PRN0001', byId: 'usb-EPSON_TM-T20_PRN0001-if00' },
    { tty: 'ttyUSB2', target: bench.zfm.devicePath, vendorId: '10c4', productId: 'ea60', serial: 'FP0001', byId: 'usb-Silicon_Labs_CP2102_FP0001-if00-port0' },
  ]);
  cfg = join(root, 'appliance.config.json');
  dataDir = join(root, 'data');
  // An older (version 0) config: enrol must upgrade it and say so.
  writeFileSync(cfg, JSON.stringify({ mrzReader: { transport: 'simulator', baudRate: 9600, framing: 'auto' }, server: { port: 8089 } }));
});

afterAll(async () => {
  await Promise.all([central?.close(), bench?.close()]);
  rmSync(root, { recursive: true, force: true });
});

describe('provisioning cycle', () => {
  it('enrols: keys 0600 outside the store, device bound to the office at the central, config upgraded and written', async () => {
    const code = await central.issueCode('CHR');
    const run = await runCli(['enrol', '--central', central.url, '--code', code, '--cert-sha256', central.certSha256, '--config', cfg, '--data-dir', dataDir, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = json<{ ok: boolean; deviceId: string; office: { code: string; name: string }; configChanges: string[] }>(run.stdout);
    expect(out.office).toEqual({ code: 'CHR', name: 'Chiredzi Labour Migration Centre' });
    expect(out.configChanges).toContain('upgraded: v0→v1: moved mrzReader to devices.mrz');
    deviceId = out.deviceId;
    for (const f of ['device-ed25519.key', 'device.json', 'data.key', 'central-ed25519.pub']) {
      expect(statSync(join(dataDir, 'keys', f)).mode & 0o777, f).toBe(0o600);
    }
    const written = json<Record<string, unknown>>(readFileSync(cfg, 'utf8'));
    expect(written).toMatchObject({ version: 1, central: { url: central.url }, office: { code: 'CHR' }, dataDir, server: { port: 8089 } });
    const rows = await central.db.query('SELECT office_code, revoked_at FROM devices WHERE device_id = $1', [deviceId]);
    expect(rows).toEqual([{ office_code: 'CHR', revoked_at: null }]);
  });

  it('discovers the printer and the fingerprint module by protocol, takes the MRZ reader named with --mrz, and writes the assignment', async () => {
    const run = await runCli([
      'discover', '--write', '--yes', '--json', '--config', cfg, '--no-hid', '--sysfs-only', '--probe-timeout', '300',
      '--dev-root', host.devRoot, '--sys-root', host.sysRoot, '--mrz', join(host.devRoot, 'serial', 'by-id', 'usb-Acme_MRZ_MRZ0001-if00-port0'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = json<{ assignment: Record<string, { path: string; identifiedBy: string; vendorId: string; serialNumber: string }> }>(run.stdout);
    const byId = (n: string) => join(host.devRoot, 'serial', 'by-id', n);
    expect(out.assignment.printer).toMatchObject({ path: byId('usb-EPSON_TM-T20_PRN0001-if00'), identifiedBy: 'protocol', vendorId: '04b8', serialNumber: 'PRN0001' });
    expect(out.assignment.fingerprint).toMatchObject({ path: byId('usb-Silicon_Labs_CP2102_FP0001-if00-port0'), identifiedBy: 'protocol' });
    expect(out.assignment.mrz).toMatchObject({ path: byId('usb-Acme_MRZ_MRZ0001-if00-port0'), identifiedBy: 'technician' });
    const written = json<{ devices: Record<string, { transport: string; path: string }> }>(readFileSync(cfg, 'utf8'));
    expect(written.devices.printer).toMatchObject({ transport: 'serial', path: out.assignment.printer?.path });
    expect(written.devices.fingerprint).toMatchObject({ transport: 'serial', path: out.assignment.fingerprint?.path, baudRate: 57600 });
    expect(written.devices.mrz).toMatchObject({ transport: 'serial', path: out.assignment.mrz?.path });
    expect(existsSync(join(dataDir, 'hardware.json'))).toBe(true);
  });

  it('self-tests every device, the central link and clock, and exits 0 with a --json report', async () => {
    bench.zfm.simulator.placeFinger('technician', 'right-index');
    let scanned = false;
    const run = await runCli(['self-test', '--json', '--config', cfg, '--wait', '15'], (text) => {
      if (!scanned && text.includes('place the test document')) {
        scanned = true;
        void bench.mrz.scan(TD3_SPECIMEN);
      }
    });
    bench.zfm.simulator.liftFinger();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = json<{ ok: boolean; deviceId: string; checks: Array<{ name: string; ok: boolean | null; data?: Record<string, unknown> }> }>(run.stdout);
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(report.ok).toBe(true);
    expect(byName['mrz-reader']).toMatchObject({ ok: true, data: { format: 'TD3', valid: true } });
    expect(byName['fingerprint-reader']).toMatchObject({ ok: true, data: { templateBytes: 512 } });
    expect(byName['receipt-printer']?.ok).toBe(true);
    expect(byName['central-link']?.ok).toBe(true);
    expect(byName['clock-drift']?.ok).toBe(true);
    expect(byName.keys?.ok).toBe(true);
    // The receipt that came out of the (simulated) printer carries this appliance's id in its QR.
    expect(decodeQrFromPng(bench.printer.lastReceiptPng() as Buffer)).toContain(`|${deviceId}|CHR|`);
  });

  it('self-test exits non-zero and names the failing check when the printer is out of paper', async () => {
    bench.printer.setPaperOut(true);
    try {
      const run = await runCli(['self-test', '--json', '--config', cfg, '--wait', '1']);
      expect(run.code).toBe(1);
      const report = json<{ ok: boolean; checks: Array<{ name: string; ok: boolean | null; code?: string }> }>(run.stdout);
      expect(report.ok).toBe(false);
      expect(report.checks.find((c) => c.name === 'receipt-printer')).toMatchObject({ ok: false, code: 'PRINTER_PAPER_OUT' });
    } finally {
      bench.printer.setPaperOut(false);
    }
  });

  it('refuses to decommission while registrations are unsent, exit 1, keys and central enrolment untouched', async () => {
    const store = openApplianceStore({ dataDir });
    finalizeMany(store, 3, 'CHR');
    store.close();
    const run = await runCli(['decommission', '--yes', '--json', '--config', cfg]);
    expect(run.code).toBe(1);
    expect(json<{ ok: boolean; error: { code: string } }>(run.stdout)).toMatchObject({ ok: false, error: { code: 'PROVISION_UNSENT_DATA' } });
    expect(existsSync(join(dataDir, 'keys', 'device-ed25519.key'))).toBe(true);
    expect(await central.db.query('SELECT revoked_at FROM devices WHERE device_id = $1', [deviceId])).toEqual([{ revoked_at: null }]);
  });

  it('writes the udev rules naming the discovered devices under a target root, by USB id and serial', async () => {
    const target = join(root, 'target');
    const run = await runCli(['install-kiosk', '--root', target, '--config', cfg]);
    expect(run.code, run.stderr).toBe(0);
    const rules = readFileSync(join(target, 'etc/udev/rules.d/70-lmc-devices.rules'), 'utf8');
    expect(rules).toContain('SUBSYSTEM=="tty", ATTRS{idVendor}=="04b8", ATTRS{idProduct}=="0e15", ATTRS{serial}=="PRN0001", SYMLINK+="lmc-printer", MODE="0660", GROUP="lmc"');
    expect(rules).toContain('ATTRS{serial}=="FP0001", SYMLINK+="lmc-fingerprint"');
    expect(rules).toContain('ATTRS{serial}=="MRZ0001", SYMLINK+="lmc-mrz"');
    expect(run.stdout).toContain(`wrote ${join(target, 'etc/udev/rules.d/70-lmc-devices.rules')}`);
  });

  it('backs up online with sealed keys and restores onto a fresh data dir, verified by record count and audit chain', async () => {
    const pass = join(root, 'pass.txt');
    writeFileSync(pass, 'correct horse battery staple\n', { mode: 0o600 });
    const file = join(root, 'backup.lmcbak');
    // The store is open for writing (as the running appliance holds it) while the backup is taken.
    const live = openApplianceStore({ dataDir });
    let run: Awaited<ReturnType<typeof runCli>>;
    try {
      run = await runCli(['backup', '--out', file, '--include-keys', '--passphrase-file', pass, '--config', cfg, '--json']);
    } finally {
      live.close();
    }
    expect(run.code, run.stderr).toBe(0);
    const made = json<{ manifest: { db: { counts: { registrations: number; auditRows: number } }; keys?: unknown } }>(run.stdout);
    expect(made.manifest.db.counts.registrations).toBe(3);
    expect(made.manifest.keys).toBeDefined();
    expect(readFileSync(file).includes(Buffer.from('PRIVATE KEY'))).toBe(false);

    const wrongPass = join(root, 'wrong.txt');
    writeFileSync(wrongPass, 'not it\n');
    const target = join(root, 'restored');
    const refused = await runCli(['restore', '--in', file, '--data-dir', target, '--passphrase-file', wrongPass, '--config', cfg, '--json']);
    expect(refused.code).toBe(1);
    expect(json<{ error: { code: string } }>(refused.stdout).error.code).toBe('PROVISION_BACKUP_PASSPHRASE');
    expect(existsSync(join(target, 'appliance.db'))).toBe(false);

    const ok = await runCli(['restore', '--in', file, '--data-dir', target, '--passphrase-file', pass, '--config', cfg, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const restored = json<{ counts: { registrations: number; outbox: number }; auditRows: number; keysRestored: string[] }>(ok.stdout);
    expect(restored.counts).toMatchObject({ registrations: 3, outbox: 3 });
    expect(restored.auditRows).toBe(made.manifest.db.counts.auditRows);
    expect(restored.keysRestored).toEqual(expect.arrayContaining(['device-ed25519.key', 'data.key']));
    expect(json<{ deviceId: string }>(readFileSync(join(target, 'keys', 'device.json'), 'utf8')).deviceId).toBe(deviceId);
    expect(statSync(join(target, 'keys', 'data.key')).mode & 0o777).toBe(0o600);
  }, 90_000); // four CLI processes (tsx start-up each), an argon2id key derivation and a restore: slow on a loaded 2-core box

  it('decommissions once everything is synced: key revoked at the central, local keys and data wiped', async () => {
    const store = openApplianceStore({ dataDir });
    store.outbox.markSentMany(store.outbox.pending(100).map((e) => e.seq));
    store.close();
    const run = await runCli(['decommission', '--yes', '--json', '--config', cfg]);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
    const rows = await central.db.query<{ revoked_reason: string }>('SELECT revoked_reason FROM devices WHERE device_id = $1', [deviceId]);
    expect(rows).toEqual([{ revoked_reason: 'decommissioned' }]);
    expect(json<{ central: { url: string } }>(readFileSync(cfg, 'utf8')).central.url).toBe('');
  });
});
