#!/usr/bin/env -S npx tsx
/**
 * appliance-provision: the technicians' CLI for the LMC registration appliance (enrol, discover,
 * self-test, install-kiosk, backup/restore, status, decommission). Readable over SSH and in CI: plain
 * step lines, `--json` where a machine reads the result. Exit codes: 0 ok, 1 failed or refused,
 * 2 usage error.
 */
import { createInterface } from 'node:readline/promises';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import pino from 'pino';
import { isApplianceError } from '@lmc/core/errors.ts';
import { rootLogger } from '@lmc/core/logger.ts';
import { readConfigFile, resolveConfigPath, resolveDataDir } from './config/config-file.ts';
import { type Assignment, readHardware } from './discovery/assign.ts';
import { discover, writeAssignment } from './discovery/discover.ts';
import { decommission, enrol } from './enrolment/enrol.ts';
import { ProvisioningErrorCodes, provisioningError } from './errors.ts';
import { installKiosk } from './kiosk/install-kiosk.ts';
import { unlockOfficer } from './officers/unlock.ts';
import { createOutput, type Mark, type Output } from './output.ts';
import { backup, restore } from './backup/backup.ts';
import { selfTest } from './self-test/self-test.ts';
import { readOutbox } from './self-test/system-checks.ts';
import { status } from './status.ts';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

// Library modules log through the shared root logger to stdout; the CLI's stdout is for the technician
// (and for --json), so they are silenced and the CLI's own logger writes to stderr.
rootLogger.level = 'silent';
const logger = pino({ level: process.env.LOG_LEVEL ?? 'error', base: undefined }, pino.destination(2));

interface Common {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

function context(o: Common) {
  const configPath = resolveConfigPath(o.config);
  const file = readConfigFile(configPath);
  return { configPath, file, dataDir: resolveDataDir(o.dataDir, file.config) };
}

function readSecretFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `cannot read passphrase file ${path}: ${(err as NodeJS.ErrnoException).code}`);
  }
}

async function confirm(out: Output, question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) {
    throw provisioningError(ProvisioningErrorCodes.NotConfirmed, `${question} — no terminal to ask on; pass --yes to confirm`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw provisioningError(ProvisioningErrorCodes.NotConfirmed, 'not confirmed: nothing written');
  out.line('info', 'confirmed');
}

const markOf = (ok: boolean | null): Mark => (ok === null ? 'skip' : ok ? 'ok' : 'fail');

function withCommon(cmd: Command, json = false): Command {
  cmd.option('--config <path>', 'appliance config file (default $APPLIANCE_CONFIG or ./appliance.config.json)');
  cmd.option('--data-dir <dir>', 'appliance data directory (default from the config)');
  if (json) cmd.option('--json', 'machine-readable result on stdout');
  return cmd;
}

export function buildProgram(): Command {
  const program = new Command('appliance-provision')
    .description('Provision, test and service an LMC registration appliance')
    .showHelpAfterError()
    .exitOverride();

  withCommon(program.command('enrol'), true)
    .description('create (or reuse) the appliance identity and data key, and enrol it at the central')
    .requiredOption('--central <url>', 'central receiver base URL')
    .requiredOption('--code <code>', 'one-time enrolment code from the central administrator')
    .option('--rekey', 're-enrol with a new key; the old identity is revoked at the central')
    .action(async (o: Common & { central: string; code: string; rekey?: boolean }) => {
      const out = createOutput({ json: o.json ?? false });
      const { configPath, dataDir } = context(o);
      const r = await enrol({
        configPath,
        dataDir,
        writeDataDir: o.dataDir !== undefined,
        centralUrl: o.central,
        code: o.code,
        rekey: o.rekey ?? false,
        log: (l) => out.line('step', l),
      });
      for (const c of r.configChanges) out.line('info', `config: ${c}`);
      if (r.revokedDeviceId) out.line('ok', `old identity ${r.revokedDeviceId} revoked`);
      out.line('ok', `enrolled ${r.deviceId} at ${r.office.code} (${r.office.name})`);
      out.result({ ok: true, ...r });
    });

  withCommon(program.command('decommission'), true)
    .description('revoke the key at the central, then wipe local keys and data (only when everything is synced)')
    .option('--force-discard-unsent', 'wipe even though registrations have not reached the central')
    .option('--yes', 'do not ask for confirmation')
    .action(async (o: Common & { forceDiscardUnsent?: boolean; yes?: boolean }) => {
      const out = createOutput({ json: o.json ?? false });
      const { configPath, file, dataDir } = context(o);
      if (file.config.central.url === '') throw provisioningError(ProvisioningErrorCodes.NotEnrolled, 'central.url is not set: this appliance is not enrolled');
      const box = readOutbox(dataDir, logger);
      const unsent = box ? box.depth + box.quarantined : 0;
      out.line(unsent ? 'warn' : 'ok', `outbox: ${unsent} unsent`);
      if (unsent === 0 || o.forceDiscardUnsent) await confirm(out, `Revoke this appliance and wipe ${dataDir}?`, o.yes);
      const r = await decommission({
        configPath,
        dataDir,
        centralUrl: file.config.central.url,
        unsent,
        forceDiscardUnsent: o.forceDiscardUnsent ?? false,
        log: (l) => out.line('step', l),
      });
      out.line('ok', `decommissioned ${r.deviceId}`);
      out.result({ ok: true, ...r });
    });

  withCommon(program.command('discover'), true)
    .description('find the MRZ reader, fingerprint module and receipt printer, and propose an assignment')
    .option('--write', 'write the assignment to the config and the hardware inventory')
    .option('--yes', 'confirm --write without asking')
    .option('--probe-timeout <ms>', 'per-request probe timeout', (v) => Number.parseInt(v, 10), 500)
    .option('--no-hid', 'do not list HID devices')
    .addOption(new Option('--dev-root <dir>', 'root of /dev (tests, containers)').hideHelp())
    .addOption(new Option('--sys-root <dir>', 'root of /sys (tests, containers)').hideHelp())
    .option('--sysfs-only', 'do not ask udevadm (SerialPort.list); read /sys directly')
    .action(async (o: Common & { write?: boolean; yes?: boolean; probeTimeout: number; hid: boolean; devRoot?: string; sysRoot?: string; sysfsOnly?: boolean }) => {
      const out = createOutput({ json: o.json ?? false });
      const { configPath, dataDir } = context(o);
      out.line('step', 'listing serial ports and probing each (ESC/POS status, then ZFM handshake)');
      const r = await discover({
        ...(o.devRoot ? { devRoot: o.devRoot } : {}),
        ...(o.sysRoot ? { sysRoot: o.sysRoot } : {}),
        sysfsOnly: o.sysfsOnly ?? false,
        hid: o.hid,
        probeTimeoutMs: o.probeTimeout,
        logger,
        onPort: (p) => {
          const usb = p.vendorId ? ` usb ${p.vendorId}:${p.productId ?? '????'}${p.serialNumber ? ` serial ${p.serialNumber}` : ''}` : '';
          const what = p.probe ? `${p.probe.kind} (answered at ${p.probe.baudRate} baud)` : p.knownReader ? `${p.knownReader} (by USB id)` : 'no answer';
          out.line(p.probe || p.knownReader ? 'ok' : 'info', `${p.byIdPath ?? p.path}${usb}: ${what}`);
        },
      });
      if (!r.hid.available) out.line('skip', `HID: ${r.hid.reason ?? 'not available'}`);
      for (const d of r.hid.devices) out.line(d.knownReader ? 'ok' : 'info', `hid ${d.vendorId.toString(16)}:${d.productId.toString(16)} ${d.product ?? ''}${d.knownReader ? ` ${d.knownReader}` : ''}`);
      out.text('\nProposed assignment:');
      for (const role of ['mrz', 'fingerprint', 'printer'] as const) {
        const s = r.assignment[role];
        out.text(`  ${role.padEnd(12)} ${s ? `${s.transport === 'hid' ? `hid ${s.vendorId}:${s.productId}` : `${s.path} @ ${s.baudRate}`} (by ${s.identifiedBy})` : '(none)'}`);
      }
      for (const n of r.notes) out.line('warn', n);
      let written: ReturnType<typeof writeAssignment> | undefined;
      if (o.write) {
        await confirm(out, `Write this assignment to ${configPath}?`, o.yes);
        written = writeAssignment(configPath, dataDir, r.assignment);
        for (const c of written.configChanges) out.line('ok', `config: ${c}`);
        for (const role of written.notInSchema) out.line('warn', `devices.${role} is not in this appliance's config schema: kept in ${written.hardwareFile} only`);
        out.line('ok', `hardware inventory: ${written.hardwareFile}`);
      }
      out.result({ ok: true, ports: r.ports, hid: r.hid, assignment: r.assignment, notes: r.notes, written: written ?? null });
    });

  withCommon(program.command('self-test'), true)
    .description('test each device (scan, finger, receipt), disk, clock, central link and outbox')
    .option('--wait <s>', 'seconds to wait for a document or a finger', (v) => Number.parseInt(v, 10), 20)
    .option('--max-drift <s>', 'largest acceptable clock drift against the central', (v) => Number.parseInt(v, 10), 60)
    .action(async (o: Common & { wait: number; maxDrift: number }) => {
      const out = createOutput({ json: o.json ?? false });
      const { file, dataDir } = context(o);
      const report = await selfTest({
        config: file.config,
        dataDir,
        waitS: o.wait,
        maxDriftS: o.maxDrift,
        logger,
        prompt: (t) => out.line('info', t),
        onCheck: (c) => out.line('step', `${c.name}: done`),
      });
      out.text('\nChecklist:');
      for (const c of report.checks) out.line(markOf(c.ok), `${c.name.padEnd(19)} ${c.detail}`);
      const failed = report.checks.filter((c) => c.ok === false).length;
      out.text(failed ? `\n${failed} check(s) FAILED` : '\nall checks passed');
      out.result(report);
      if (!report.ok) process.exitCode = EXIT_FAILED;
    });

  withCommon(program.command('install-kiosk'))
    .description('write the systemd unit, udev rules and kiosk session under a target root')
    .requiredOption('--root <dir>', 'target root (/ on the appliance)')
    .option('--app-dir <dir>', 'where the appliance software is installed', process.cwd())
    .option('--user <name>', 'service user (and group of the devices)', 'lmc')
    .option('--kiosk-user <name>', 'user of the kiosk session', 'lmc-kiosk')
    .option('--node <path>', 'node binary', process.execPath)
    .action(async (o: Common & { root: string; appDir: string; user: string; kioskUser: string; node: string }) => {
      const out = createOutput();
      const { configPath, file, dataDir } = context(o);
      const assignment: Assignment = readHardware(dataDir)?.assignment ?? {};
      const port = file.config.server.port;
      const r = installKiosk(resolve(o.root), {
        appDir: resolve(o.appDir),
        configPath,
        dataDir,
        uiUrl: `http://127.0.0.1:${port}/`,
        serviceUser: o.user,
        kioskUser: o.kioskUser,
        nodePath: o.node,
      }, assignment);
      for (const f of r.files) {
        out.line('ok', `wrote ${f.path}`);
        out.text(f.content.replace(/^/gm, '    '));
      }
      for (const role of r.skippedDevices) out.line('warn', `${role}: no USB vendor/product id known, no udev rule (run discover --write on the appliance)`);
      if (Object.keys(assignment).length === 0) out.line('warn', 'no hardware inventory: udev rules are empty (run discover --write first)');
      out.line('info', 'then: systemctl daemon-reload && udevadm control --reload && systemctl enable --now lmc-appliance lmc-kiosk');
    });

  withCommon(program.command('backup'), true)
    .description('consistent online backup of the store (keys only when asked, then passphrase-encrypted)')
    .requiredOption('--out <file>', 'backup file to write')
    .option('--include-keys', 'include the key files, sealed with the passphrase')
    .option('--passphrase-file <file>', 'file holding the passphrase (needed with --include-keys)')
    .action(async (o: Common & { out: string; includeKeys?: boolean; passphraseFile?: string }) => {
      const out = createOutput({ json: o.json ?? false });
      const { dataDir } = context(o);
      if (o.includeKeys && !o.passphraseFile) throw provisioningError(ProvisioningErrorCodes.UsageInvalid, '--include-keys needs --passphrase-file');
      const r = await backup({ dataDir, out: resolve(o.out), ...(o.includeKeys && o.passphraseFile ? { passphrase: readSecretFile(o.passphraseFile) } : {}), logger });
      const c = r.manifest.db.counts;
      out.line('ok', `backup ${r.out} (${r.bytes} bytes): ${c.registrations} registrations, ${c.outbox} outbox events, ${c.auditRows} audit rows; integrity and audit chain verified`);
      out.line(r.manifest.keys ? 'ok' : 'info', r.manifest.keys ? 'keys included, encrypted (scrypt + AES-256-GCM)' : 'keys not included');
      out.result({ ok: true, out: r.out, bytes: r.bytes, manifest: r.manifest });
    });

  withCommon(program.command('restore'), true)
    .description('restore a backup onto a fresh data directory and verify it')
    .requiredOption('--in <file>', 'backup file')
    .option('--passphrase-file <file>', 'passphrase for the keys in the backup')
    .action(async (o: Common & { in: string; passphraseFile?: string }) => {
      const out = createOutput({ json: o.json ?? false });
      const { dataDir } = context(o);
      const r = restore({ input: resolve(o.in), dataDir, ...(o.passphraseFile ? { passphrase: readSecretFile(o.passphraseFile) } : {}), logger });
      out.line('ok', `restored to ${r.dataDir}: integrity ok, ${r.counts.registrations} registrations, ${r.counts.outbox} outbox events, audit chain verified (${r.auditRows} rows)`);
      if (r.manifest.keys && r.keysRestored.length === 0) out.line('warn', 'the backup holds keys but no --passphrase-file was given: keys not restored');
      else if (r.keysRestored.length) out.line('ok', `keys restored: ${r.keysRestored.join(', ')}`);
      out.result({ ok: true, ...r });
    });

  withCommon(program.command('status'), true)
    .description('one-screen health summary')
    .option('--offline', 'do not contact the central')
    .action(async (o: Common & { offline?: boolean }) => {
      const out = createOutput({ json: o.json ?? false });
      const { file, dataDir } = context(o);
      const r = await status(file, dataDir, logger, o.offline ?? false);
      out.text(`config      ${r.config.path}${r.config.exists ? '' : ' (missing: defaults)'}`);
      for (const n of r.config.notes) out.line('warn', `config is older: ${n}`);
      out.text(`office      ${r.config.office}`);
      out.text(`central     ${r.config.centralUrl}`);
      out.text(`device id   ${r.deviceId ?? '(none: not enrolled)'}${r.enrolledAt ? ` enrolled ${r.enrolledAt}` : ''}`);
      for (const [k, v] of Object.entries(r.devices)) out.text(`${k.padEnd(11)} ${v}`);
      out.text(`store       ${r.store.present ? `schema v${r.store.schemaVersion}${r.store.walMode ? ', WAL' : ''}` : '(none)'}`);
      for (const c of r.checks) out.line(markOf(c.ok), `${c.name.padEnd(13)} ${c.detail}`);
      out.result(r);
      if (!r.ok) process.exitCode = EXIT_FAILED;
    });

  withCommon(program.command('unlock'), true)
    .description("lift an officer's PIN lockout (officer-wide and at every terminal), audited; the appliance may be stopped or running")
    .argument('<officerId>', 'the locked officer, e.g. BBR-SUP')
    .action((officerId: string, o: Common) => {
      const out = createOutput({ json: o.json ?? false });
      const { dataDir } = context(o);
      const r = unlockOfficer({ dataDir, officerId, logger });
      const was = r.was.lockedUntil ? `was locked until ${r.was.lockedUntil}` : 'was not locked officer-wide';
      out.line('ok', `unlocked ${r.officerId} (${r.role}): ${was}, ${r.was.failedAttempts} wrong PIN(s) counted; audit row #${r.auditSeq}`);
      out.line('info', 'a running appliance also lifts its per-terminal locks of this officer at the next sign-in');
      out.result({ ok: true, ...r });
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const code = isApplianceError(err) ? err.code : 'INTERNAL';
    const message = (err as Error).message;
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message } }, null, 2)}\n`);
    process.stderr.write(`error ${code}: ${message}\n`);
    if (!isApplianceError(err)) logger.error({ err }, 'unexpected failure');
    return code === ProvisioningErrorCodes.UsageInvalid ? EXIT_USAGE : EXIT_FAILED;
  }
}

// Ran as a program (npx tsx provisioning/src/cli.ts …), not imported by a test.
if (import.meta.url === `file://${process.argv[1] ? resolve(process.argv[1]) : ''}`) {
  main(process.argv.slice(2)).then(
    // Exit now rather than wait for idle keep-alive sockets; stdout to a pipe or file is synchronous on Linux.
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`fatal: ${(err as Error).message}\n`);
      process.exitCode = EXIT_FAILED;
    },
  );
}
