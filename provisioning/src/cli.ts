#!/usr/bin/env -S npx tsx
/**
 * lmc-provision (appliance-provision in a checkout): the technicians' CLI for the LMC registration
 * appliance (enrol, discover, self-test, backup/restore, status, decommission, enrolment-code,
 * upgrade-store). Readable over SSH and in CI: plain step lines, a redrawn progress line only on a
 * terminal, `--json` where a machine reads the result. Exit codes: 0 ok, 1 failed or refused,
 * 2 usage error. Run as root on an installed appliance it becomes the service user `lmc` first.
 */
import { createInterface } from 'node:readline/promises';
import { chownSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { X509Certificate } from 'node:crypto';
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
import { readApplianceHealth } from './appliance-link.ts';
import { MIN_PASSPHRASE_LENGTH } from './backup/backup-format.ts';
import { type Account, dropToServiceUser, lookupAccount } from './privileges.ts';
import { upgradeStore } from './upgrade/upgrade-store.ts';
import { installRoot } from '@lmc/core/runtime-paths.ts';
import { ENROLMENT_CODES_PATH } from '@lmc/protocol/enrolment.ts';
import { type CentralApiOptions, centralRequest, readPresentedCertificate } from './enrolment/central-api.ts';
import { splitPem } from '@lmc/appliance/central-link/central-link.ts';
import Database from 'better-sqlite3';

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

/** The packaged lmc-provision (LMC_PRODUCTION=1, set by /usr/bin/lmc-provision): stricter checks. */
const production = () => process.env.LMC_PRODUCTION === '1';

function context(o: Common) {
  const configPath = resolveConfigPath(o.config);
  const named = o.config ?? process.env.APPLIANCE_CONFIG;
  // A named config that is not there is a typo or a wrong machine, never "use the defaults".
  if (named !== undefined && !existsSync(configPath)) {
    throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `config file ${configPath} does not exist (named by ${o.config ? '--config' : 'APPLIANCE_CONFIG'})`);
  }
  const file = readConfigFile(configPath);
  return { configPath, file, dataDir: resolveDataDir(o.dataDir, file.config) };
}

/** Run as root: become the service user before touching anything (refused on an install without it). */
function asServiceUser(): Account | undefined {
  return dropToServiceUser({ required: production() }).account;
}

/** For the few commands that stay root (they write system files): hand what they wrote to the service user. */
function chownToService(paths: readonly string[]): void {
  if (process.getuid?.() !== 0) return;
  const account = lookupAccount(process.env.LMC_SERVICE_USER ?? 'lmc');
  if (!account) {
    if (production()) throw provisioningError(ProvisioningErrorCodes.UsageInvalid, 'running as root, but the service user lmc does not exist');
    return;
  }
  for (const p of paths) if (existsSync(p)) chownSync(p, account.uid, account.gid);
}

async function refuseWhileRunning(config: Parameters<typeof readApplianceHealth>[0], what: string): Promise<void> {
  if (await readApplianceHealth(config, 1500)) {
    throw provisioningError(ProvisioningErrorCodes.ServiceRunning, `the appliance is running (it answers on port ${config.server.port}): stop it first (systemctl stop lmc-kiosk lmc-appliance), then ${what}`);
  }
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(installRoot(import.meta.url), 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const HELP_AFTER = `
Examples (on an installed appliance, as root or as lmc):
  lmc-provision enrol --central https://central.example.org/ --code ABCD-EFGH-JKLM-NPQR --cert-sha256 AB:CD:…:EF
  lmc-provision discover                       # probe USB devices, show the proposal
  lmc-provision discover --mrz /dev/serial/by-id/usb-DESKO_… --write --yes
  lmc-provision self-test                      # checklist; non-zero exit if anything failed
  lmc-provision status
  lmc-provision backup --out /media/usb/lmc-$(date +%F).lmcbak --include-keys --passphrase-file /root/pass
  systemctl stop lmc-kiosk lmc-appliance && lmc-provision restore --in /media/usb/x.lmcbak --passphrase-file /root/pass
  lmc-provision enrolment-code --central https://central.example.org/ --office BBR --token-file /root/admin-token

Exit codes:
  0  done (self-test/status: every check passed)
  1  failed or refused (a check failed, the central refused, data would be lost, …)
  2  usage error (unknown option, missing or unreadable --config/--in/--passphrase-file)

Environment: APPLIANCE_CONFIG (default config file), APPLIANCE_DATA_DIR, NO_COLOR, LOG_LEVEL.`;

function readSecretFile(path: string, what = 'passphrase'): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `cannot read ${what} file ${path}: ${(err as NodeJS.ErrnoException).code}`);
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
  const program = new Command(production() ? 'lmc-provision' : 'appliance-provision')
    .description('Provision, test and service an LMC registration appliance')
    .version(version(), '-V, --version')
    .addHelpText('after', HELP_AFTER)
    .showHelpAfterError()
    .exitOverride();

  withCommon(program.command('enrol'), true)
    .description('create (or reuse) the appliance identity and data key, and enrol it at the central')
    .requiredOption('--central <url>', 'central receiver base URL')
    .requiredOption('--code <code>', 'one-time enrolment code from the central administrator')
    .option('--rekey', 're-enrol with a new key; the old identity is revoked at the central')
    .option('--cert-sha256 <fingerprint>', "SHA-256 fingerprint of the central's certificate, as the administrator gave it with the code (pinned)")
    .option('--ca-file <pem>', "the CA certificate that issues the central's certificate (pinned)")
    .option('--allow-insecure-http', 'DEVELOPMENT ONLY: accept an http:// central (sets central.allowInsecureHttp)')
    .action(async (o: Common & { central: string; code: string; rekey?: boolean; certSha256?: string; caFile?: string; allowInsecureHttp?: boolean }) => {
      const out = createOutput({ json: o.json ?? false });
      asServiceUser();
      const { configPath, dataDir } = context(o);
      const r = await enrol({
        configPath,
        dataDir,
        writeDataDir: o.dataDir !== undefined,
        centralUrl: o.central,
        code: o.code,
        rekey: o.rekey ?? false,
        ...(o.certSha256 !== undefined ? { certSha256: o.certSha256 } : {}),
        ...(o.caFile !== undefined ? { caFile: resolve(o.caFile) } : {}),
        allowInsecureHttp: o.allowInsecureHttp ?? false,
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
    .option('--discard-drafts', 'wipe even though unfinished registrations (drafts) are listed')
    .option('--yes', 'do not ask for confirmation')
    .action(async (o: Common & { forceDiscardUnsent?: boolean; discardDrafts?: boolean; yes?: boolean }) => {
      const out = createOutput({ json: o.json ?? false });
      asServiceUser();
      const { configPath, file, dataDir } = context(o);
      if (file.config.central.url === '') throw provisioningError(ProvisioningErrorCodes.NotEnrolled, 'central.url is not set: this appliance is not enrolled');
      await refuseWhileRunning(file.config, 'decommission');
      const drafts = listDrafts(dataDir);
      for (const d of drafts) out.line('warn', `unfinished registration ${d.id} (${d.status}) by ${d.officerId}, started ${d.createdAt}`);
      if (drafts.length > 0 && !o.discardDrafts) {
        throw provisioningError(ProvisioningErrorCodes.DraftsPresent, `${drafts.length} unfinished registration(s) (listed above) would be wiped: finish them, or --discard-drafts`, { drafts: drafts.length });
      }
      const box = readOutbox(dataDir, logger);
      const unsent = box ? box.depth + box.quarantined : 0;
      out.line(unsent ? 'warn' : 'ok', `outbox: ${unsent} unsent`);
      if (unsent === 0 || o.forceDiscardUnsent) await confirm(out, `Revoke this appliance and wipe ${dataDir}?`, o.yes);
      const r = await decommission({
        configPath,
        dataDir,
        centralUrl: file.config.central.url,
        allowInsecureHttp: file.config.central.allowInsecureHttp ?? false,
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
    .option('--mrz <path>', 'the MRZ reader is on this port (it answers no probe)')
    .option('--fingerprint <path>', 'the fingerprint module is on this port')
    .option('--printer <path>', 'the receipt printer is on this port')
    .option('--udev-rules <file>', 'with --write: udev rules naming the devices /dev/lmc-* (default on an installed appliance: /etc/udev/rules.d/70-lmc-devices.rules)')
    .action(async (o: Common & { write?: boolean; yes?: boolean; probeTimeout: number; hid: boolean; devRoot?: string; sysRoot?: string; sysfsOnly?: boolean; mrz?: string; fingerprint?: string; printer?: string; udevRules?: string }) => {
      const out = createOutput({ json: o.json ?? false });
      const { configPath, dataDir } = context(o);
      out.line('step', 'listing USB serial ports and probing each (busy?, ESC/POS status, then ZFM handshake at every standard rate)');
      const named = { ...(o.mrz ? { mrz: resolve(o.mrz) } : {}), ...(o.fingerprint ? { fingerprint: resolve(o.fingerprint) } : {}), ...(o.printer ? { printer: resolve(o.printer) } : {}) };
      const r = await discover({
        named,
        onStep: (t) => out.progress(t),
        ...(o.devRoot ? { devRoot: o.devRoot } : {}),
        ...(o.sysRoot ? { sysRoot: o.sysRoot } : {}),
        sysfsOnly: o.sysfsOnly ?? false,
        hid: o.hid,
        probeTimeoutMs: o.probeTimeout,
        logger,
        onPort: (p) => {
          const usb = p.vendorId ? ` usb ${p.vendorId}:${p.productId ?? '????'}${p.serialNumber ? ` serial ${p.serialNumber}` : ''}` : '';
          const what = p.busy ? 'BUSY (held by another process)' : p.probe ? `${p.probe.kind} (answered at ${p.probe.baudRate} baud)` : p.knownReader ? `${p.knownReader} (by USB id)` : 'no answer';
          out.line(p.busy ? 'warn' : p.probe || p.knownReader ? 'ok' : 'info', `${p.byIdPath ?? p.path}${usb}: ${what}`);
        },
      });
      for (const i of r.ignored) out.line('skip', `${i}: not a USB device (built-in port), not considered`);
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
        if (r.busy.length > 0) {
          throw provisioningError(ProvisioningErrorCodes.PortBusy, `not writing: ${r.busy.length} port(s) are busy (${r.busy.join(', ')}), so the assignment is incomplete; stop the appliance (systemctl stop lmc-kiosk lmc-appliance) and run discover again`, { busy: r.busy });
        }
        await confirm(out, `Write this assignment to ${configPath}?`, o.yes);
        const udevRulesFile = o.udevRules ?? (production() ? '/etc/udev/rules.d/70-lmc-devices.rules' : undefined);
        written = writeAssignment(configPath, dataDir, r.assignment, udevRulesFile ? { udevRulesFile } : {});
        chownToService(written.files);
        for (const c of written.configChanges) out.line('ok', `config: ${c}`);
        if (written.udevRules) {
          out.line('ok', `udev rules: ${written.udevRules} (stable names /dev/lmc-*)`);
          if (production()) out.line('info', 'then: udevadm control --reload && udevadm trigger --subsystem-match=tty --subsystem-match=hidraw && systemctl restart lmc-appliance');
        }
        for (const role of written.notInSchema) out.line('warn', `devices.${role} is not in this appliance's config schema: kept in ${written.hardwareFile} only`);
        out.line('ok', `hardware inventory: ${written.hardwareFile}`);
      }
      out.result({ ok: true, ports: r.ports, hid: r.hid, assignment: r.assignment, notes: r.notes, written: written ?? null });
    });

  withCommon(program.command('self-test'), true)
    .description('test each device (scan, finger, receipt), disk, clock, central link and outbox')
    .option('--wait <s>', 'seconds to wait for a document or a finger', (v) => Number.parseInt(v, 10), 20)
    .option('--max-drift <s>', 'largest acceptable clock drift against the central', (v) => Number.parseInt(v, 10), 60)
    .option('--production', 'judge as an installed appliance: simulated or absent devices and a stopped service fail (default with lmc-provision)')
    .action(async (o: Common & { wait: number; maxDrift: number; production?: boolean }) => {
      const out = createOutput({ json: o.json ?? false });
      asServiceUser();
      const { file, dataDir } = context(o);
      const report = await selfTest({
        production: o.production ?? production(),
        config: file.config,
        dataDir,
        waitS: o.wait,
        maxDriftS: o.maxDrift,
        logger,
        prompt: (t) => out.line('info', t),
        onCheck: (c) => out.progress(`${c.name}: done`),
      });
      out.text('\nChecklist:');
      for (const c of report.checks) out.line(markOf(c.ok), `${c.name.padEnd(19)} ${c.detail}`);
      const failed = report.checks.filter((c) => c.ok === false).length;
      out.text(failed ? `\n${failed} check(s) FAILED` : '\nall checks passed');
      out.result(report);
      if (!report.ok) process.exitCode = EXIT_FAILED;
    });

  withCommon(program.command('install-kiosk'))
    .description('write the udev rules naming the discovered devices /dev/lmc-* under a target root (the units come with the lmc-appliance package)')
    .requiredOption('--root <dir>', 'target root (/ on the appliance)')
    .option('--user <name>', 'group of the devices (the service user)', 'lmc')
    .action(async (o: Common & { root: string; user: string }) => {
      const out = createOutput();
      const { dataDir } = context(o);
      const assignment: Assignment = readHardware(dataDir)?.assignment ?? {};
      const r = installKiosk(resolve(o.root), o.user, assignment);
      for (const f of r.files) {
        out.line('ok', `wrote ${f.path}`);
        out.text(f.content.replace(/^/gm, '    '));
      }
      for (const role of r.skippedDevices) out.line('warn', `${role}: no USB vendor/product id known, no udev rule (run discover --write on the appliance)`);
      if (Object.keys(assignment).length === 0) out.line('warn', 'no hardware inventory: udev rules are empty (run discover --write first)');
      out.line('info', 'the service and kiosk units are installed by the lmc-appliance package; then: udevadm control --reload && udevadm trigger');
    });

  withCommon(program.command('backup'), true)
    .description('consistent online backup of the store (keys only when asked, then passphrase-encrypted)')
    .requiredOption('--out <file>', 'backup file to write (outside the data directory; an existing file needs --force)')
    .option('--force', 'replace an existing backup file')
    .option('--include-keys', 'include the key files, sealed with the passphrase')
    .option('--passphrase-file <file>', `file holding the passphrase, at least ${MIN_PASSPHRASE_LENGTH} characters (needed with --include-keys)`)
    .action(async (o: Common & { out: string; force?: boolean; includeKeys?: boolean; passphraseFile?: string }) => {
      const out = createOutput({ json: o.json ?? false });
      const account = asServiceUser();
      const { configPath, dataDir } = context(o);
      if (o.includeKeys && !o.passphraseFile) throw provisioningError(ProvisioningErrorCodes.UsageInvalid, '--include-keys needs --passphrase-file');
      const r = await backup({
        dataDir,
        configPath,
        out: resolve(o.out),
        force: o.force ?? false,
        ...(o.includeKeys && o.passphraseFile ? { passphrase: readSecretFile(o.passphraseFile) } : {}),
        logger,
        onStep: (t) => out.progress(t),
      });
      if (account) out.line('info', `written as ${account.name}`);
      const c = r.manifest.db.counts;
      out.line('ok', `backup ${r.out} (${r.bytes} bytes): ${c.registrations} registrations, ${c.outbox} outbox events, ${c.auditRows} audit rows; integrity and audit chain verified`);
      out.line(r.manifest.keys ? 'ok' : 'info', r.manifest.keys ? 'keys included, encrypted (scrypt + AES-256-GCM)' : 'keys not included');
      out.result({ ok: true, out: r.out, bytes: r.bytes, manifest: r.manifest });
    });

  withCommon(program.command('restore'), true)
    .description('restore a backup onto a fresh data directory and verify it')
    .requiredOption('--in <file>', 'backup file')
    .option('--passphrase-file <file>', 'passphrase for the keys in the backup')
    .option('--without-keys', 'restore although the keys cannot be (new identity and data key: sealed fingerprint records become unreadable)')
    .action(async (o: Common & { in: string; passphraseFile?: string; withoutKeys?: boolean }) => {
      const out = createOutput({ json: o.json ?? false });
      asServiceUser();
      const input = resolve(o.in);
      if (!existsSync(input)) throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `--in ${o.in}: no such file`);
      const { configPath, file, dataDir } = context(o);
      await refuseWhileRunning(file.config, 'restore');
      out.progress(`reading and verifying ${input}`);
      const r = restore({
        input,
        dataDir,
        configPath,
        withoutKeys: o.withoutKeys ?? false,
        ...(o.passphraseFile ? { passphrase: readSecretFile(o.passphraseFile) } : {}),
        logger,
      });
      out.line('ok', `restored to ${r.dataDir}: integrity ok, ${r.counts.registrations} registrations, ${r.counts.outbox} outbox events, audit chain verified (${r.auditRows} rows)`);
      if (r.keysRestored.length) out.line('ok', `keys restored: ${r.keysRestored.join(', ')}`);
      else {
        out.line('warn', 'restored WITHOUT keys: the appliance gets a new identity and data key at its next start; enrol it again (lmc-provision enrol --code …)');
        out.line(r.unreadableSealed ? 'warn' : 'info', `${r.unreadableSealed} sealed fingerprint record(s) are now unreadable`);
        out.line(r.unsendable ? 'warn' : 'info', `${r.unsendable} registration event(s) waiting for the central were signed for by the old identity`);
      }
      out.line(r.configRestored ? 'ok' : 'info', r.configRestored ? `config restored to ${r.configRestored} (previous kept as ${r.configRestored}.before-restore)` : 'no config in the backup');
      out.line(r.hardwareRestored ? 'ok' : 'info', r.hardwareRestored ? 'device assignment (hardware.json) restored' : 'no device assignment in the backup');
      out.result({ ok: true, ...r });
    });

  withCommon(program.command('status'), true)
    .description('one-screen health summary')
    .option('--offline', 'do not contact the central')
    .action(async (o: Common & { offline?: boolean }) => {
      const out = createOutput({ json: o.json ?? false });
      asServiceUser();
      const { file, dataDir } = context(o);
      const r = await status(file, dataDir, logger, o.offline ?? false, production());
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
      asServiceUser();
      const { dataDir } = context(o);
      const r = unlockOfficer({ dataDir, officerId, logger });
      const was = r.was.lockedUntil ? `was locked until ${r.was.lockedUntil}` : 'was not locked officer-wide';
      out.line('ok', `unlocked ${r.officerId} (${r.role}): ${was}, ${r.was.failedAttempts} wrong PIN(s) counted; audit row #${r.auditSeq}`);
      out.line('info', 'a running appliance also lifts its per-terminal locks of this officer at the next sign-in');
      out.result({ ok: true, ...r });
    });

  program
    .command('enrolment-code')
    .description("for the central's administrators: issue a one-time enrolment code for an office")
    .requiredOption('--central <url>', 'central receiver base URL')
    .requiredOption('--office <code>', 'office code, e.g. BBR')
    .option('--token-file <file>', 'file holding the admin token (default: $LMC_ADMIN_TOKEN)')
    .option('--cert-sha256 <fingerprint>', "SHA-256 fingerprint of the central's certificate (as its start log prints it)")
    .option('--ca-file <pem>', "the CA certificate that issues the central's certificate")
    .option('--allow-insecure-http', 'DEVELOPMENT ONLY: accept an http:// central')
    .option('--json', 'machine-readable result on stdout')
    .action(async (o: { central: string; office: string; tokenFile?: string; certSha256?: string; caFile?: string; allowInsecureHttp?: boolean; json?: boolean }) => {
      const out = createOutput({ json: o.json ?? false });
      const token = o.tokenFile ? readSecretFile(o.tokenFile, 'admin token') : process.env.LMC_ADMIN_TOKEN;
      if (!token) throw provisioningError(ProvisioningErrorCodes.UsageInvalid, 'no admin token: --token-file FILE or LMC_ADMIN_TOKEN');
      const trust = {
        url: o.central,
        allowInsecureHttp: o.allowInsecureHttp ?? false,
        ...(o.certSha256 !== undefined ? { certSha256: o.certSha256 } : {}),
        ...(o.caFile !== undefined ? { pinnedTlsPem: readSecretFile(resolve(o.caFile), 'CA file') } : {}),
      };
      const r = await issueEnrolmentCode(trust, o.office.toUpperCase(), token);
      out.line('ok', `enrolment code for ${r.officeCode}: ${r.code} (valid until ${r.expiresAt}, once)`);
      // One line for the technician: the code and what pins this central (its certificate's fingerprint, or the CA file).
      const pin = r.certSha256 && !o.caFile ? ` --cert-sha256 ${r.certSha256}` : o.caFile ? ` --ca-file ${o.caFile}` : '';
      out.text(`on the appliance: lmc-provision enrol --central ${o.central} --code ${r.code}${pin}${o.allowInsecureHttp ? ' --allow-insecure-http' : ''}`);
      out.result({ ok: true, ...r });
    });

  withCommon(program.command('upgrade-store'), true)
    .description('(package upgrades) back up the store, migrate it to this version, verify; put it back on failure')
    .requiredOption('--backup-dir <dir>', 'where the pre-upgrade backup goes')
    .option('--from-version <v>', 'the version being upgraded from (names the backup)')
    .action(async (o: Common & { backupDir: string; fromVersion?: string }) => {
      const out = createOutput({ json: o.json ?? false });
      asServiceUser();
      const { file, dataDir } = context(o);
      await refuseWhileRunning(file.config, 'upgrade the store');
      const r = await upgradeStore({ dataDir, backupDir: resolve(o.backupDir), ...(o.fromVersion ? { fromVersion: o.fromVersion } : {}), logger, onStep: (t) => out.line('step', t) });
      out.line('ok', r.migrated ? `store migrated v${r.schemaBefore} → v${r.schemaAfter}` : `store already at v${r.schemaAfter}`);
      out.result({ ok: true, ...r });
    });

  return program;
}

/** Unfinished registrations (draft or captured, never finalized): decommission would wipe them. */
function listDrafts(dataDir: string): { id: string; status: string; officerId: string; createdAt: string }[] {
  const path = join(dataDir, 'appliance.db');
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare("SELECT id, status, officer_id AS officerId, created_at AS createdAt FROM registrations WHERE status != 'finalized' ORDER BY created_at")
      .all() as { id: string; status: string; officerId: string; createdAt: string }[];
  } finally {
    db.close();
  }
}

async function issueEnrolmentCode(
  trust: CentralApiOptions,
  officeCode: string,
  token: string,
): Promise<{ code: string; officeCode: string; expiresAt: string; certSha256: string | null }> {
  const res = await centralRequest(trust, 'POST', ENROLMENT_CODES_PATH, { body: { officeCode }, headers: { authorization: `Bearer ${token}` } });
  const body = (res.value ?? {}) as { code?: string; message?: string; officeCode?: string; expiresAt?: string };
  if (!res.ok) {
    const code = typeof body.code === 'string' ? body.code : `HTTP_${res.status}`;
    throw provisioningError(ProvisioningErrorCodes.CentralRefused, `the central refused: ${code}: ${body.message ?? `HTTP ${res.status}`}`, { centralCode: code, status: res.status });
  }
  // The certificate this request trusted: what the technician's `enrol --cert-sha256` will check.
  const pinned = res.pinnedTlsPem ? (splitPem(res.pinnedTlsPem)[0] ?? null) : null;
  const presented = pinned ? new X509Certificate(pinned).fingerprint256 : trust.url.startsWith('https:') ? (await readPresentedCertificate(trust.url)).fingerprint256 : null;
  return { code: String(body.code), officeCode: String(body.officeCode ?? officeCode), expiresAt: String(body.expiresAt ?? ''), certSha256: presented };
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
