/**
 * Test fixtures for the provisioning CLI: a real central (build() on PGlite, listening), the three
 * device simulators on real ptys, and a fake /dev + /sys that names those ptys as USB serial devices
 * (vendor/product/serial, by-id links), the way a Linux host without udevadm shows them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { build, type CentralApp } from '@lmc/central/app.ts';
import type { Db } from '@lmc/central/db/db.ts';
import { migrate } from '@lmc/central/db/migrations.ts';
import { createPgliteDb } from '@lmc/central/db/pglite-db.ts';
import { centralEncryptionKeys, centralKeyFromPrivate } from '@lmc/central/enrolment/central-key.ts';
import { certificateFingerprint, generateSelfSignedPair } from '@lmc/central/tls/tls.ts';
import { newX25519PrivateKey } from '@lmc/protocol/print-seal.ts';
import { ENROLMENT_CODES_PATH } from '@lmc/protocol/enrolment.ts';
import { EscPosSimulator } from '@lmc/firmware-bridge/escpos/escpos-simulator.ts';
import { MrzReaderSimulator } from '@lmc/firmware-bridge/mrz-reader/mrz-reader-simulator.ts';
import { openPtyPair, type PtyPair } from '@lmc/firmware-bridge/transport/pty-pair.ts';
import { type PtySimulator, startPtySimulator } from '@lmc/firmware-bridge/zfm/zfm-simulator-pty.ts';
import { type EnrolResult, enrol } from '../src/enrolment/enrol.ts';

/** The central takes admin tokens of 32 characters or more. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghij';

export interface TestCentral {
  app: CentralApp;
  db: Db;
  /** https:// with a self-signed certificate (central/src/tls/tls.ts), as a production central serves. */
  url: string;
  /** The certificate's SHA-256 fingerprint, as the central logs it and `enrol --cert-sha256` takes it. */
  certSha256: string;
  /** The certificate itself (PEM), what `enrol --ca-file` could be given. */
  certPem: string;
  /** The central's X25519 encryption key id (enrolment hands out its public half). */
  encryptionKeyId: string;
  issueCode(officeCode: string): Promise<string>;
  close(): Promise<void>;
}

export async function startCentral(): Promise<TestCentral> {
  const db = await createPgliteDb();
  await migrate(db);
  const https = await generateSelfSignedPair();
  const encryption = centralEncryptionKeys(newX25519PrivateKey());
  const centralKey = { ...centralKeyFromPrivate(generateKeyPairSync('ed25519').privateKey), encryption };
  const app = build({ db, devices: [], https, enrolment: { adminToken: ADMIN_TOKEN, centralKey } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    db,
    url: `https://127.0.0.1:${port}/`,
    certSha256: certificateFingerprint(https.cert),
    certPem: https.cert,
    encryptionKeyId: encryption.current.keyId,
    async issueCode(officeCode) {
      const res = await app.inject({ method: 'POST', url: ENROLMENT_CODES_PATH, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { officeCode } });
      return (res.json() as { code: string }).code;
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}

export interface CentralForTests {
  /** The file's central (startCentral), started before its tests and closed after them. */
  readonly central: TestCentral;
  /** A scratch folder for the file's appliances, removed after its tests. */
  readonly root: string;
  /** Enrols a new appliance `name` (data folder `root/name`, config `root/name.json`) at `officeCode`, the central's certificate pinned. */
  enrolNew(name: string, officeCode?: string): Promise<{ dataDir: string; cfg: string; enrolled: EnrolResult }>;
}

/** startCentral for a test file (vitest hooks: import only from tests); `prefix` names the scratch folder. */
export function useTestCentral(prefix: string): CentralForTests {
  let started: TestCentral | undefined;
  const root = mkdtempSync(join(tmpdir(), prefix));
  beforeAll(async () => {
    started = await startCentral();
  });
  afterAll(async () => {
    await started?.close();
    rmSync(root, { recursive: true, force: true });
  });
  const central = new Proxy({} as TestCentral, {
    get(_target, key) {
      if (!started) throw new Error('the central is not started (use it inside a test or hook)');
      return Reflect.get(started, key);
    },
  });
  return {
    central,
    root,
    async enrolNew(name, officeCode = 'BBR') {
      const dataDir = join(root, name);
      const cfg = join(root, `${name}.json`);
      const enrolled = await enrol({ configPath: cfg, dataDir, writeDataDir: true, centralUrl: central.url, certSha256: central.certSha256, code: await central.issueCode(officeCode) });
      return { dataDir, cfg, enrolled };
    },
  };
}

export interface UsbSpec {
  tty: string;
  target: string;
  vendorId: string;
  productId: string;
  serial: string;
  byId: string;
}

/** /dev/<tty> links to the simulator's pty; /sys/class/tty/<tty>/device leads up to a USB device with ids. */
export function fakeHost(root: string, devices: readonly UsbSpec[]): { devRoot: string; sysRoot: string } {
  const devRoot = join(root, 'dev');
  const sysRoot = join(root, 'sys');
  mkdirSync(join(devRoot, 'serial', 'by-id'), { recursive: true });
  devices.forEach((d, i) => {
    const usb = join(sysRoot, 'devices', 'pci0000:00', 'usb1', `1-${i + 1}`);
    mkdirSync(join(usb, `1-${i + 1}:1.0`, d.tty), { recursive: true });
    writeFileSync(join(usb, 'idVendor'), `${d.vendorId}\n`);
    writeFileSync(join(usb, 'idProduct'), `${d.productId}\n`);
    writeFileSync(join(usb, 'serial'), `${d.serial}\n`);
    mkdirSync(join(sysRoot, 'class', 'tty', d.tty), { recursive: true });
    symlinkSync(join(usb, `1-${i + 1}:1.0`, d.tty), join(sysRoot, 'class', 'tty', d.tty, 'device'));
    symlinkSync(d.target, join(devRoot, d.tty));
    symlinkSync(`../../${d.tty}`, join(devRoot, 'serial', 'by-id', d.byId));
  });
  return { devRoot, sysRoot };
}

export interface Bench {
  mrz: MrzReaderSimulator;
  zfm: PtySimulator;
  printer: EscPosSimulator;
  printerPair: PtyPair;
  close(): Promise<void>;
}

export async function startDevices(): Promise<Bench> {
  const mrz = await MrzReaderSimulator.start({ baudRate: 115200, framing: 'cr' });
  // The module simulator paces replies at this rate: a fast link keeps the 36 KB image upload short.
  const zfm = await startPtySimulator({ baudRate: 921_600 });
  const printerPair = await openPtyPair();
  const printer = await EscPosSimulator.onPty(printerPair.simulatorPath, { paperWidth: 80, baudRate: 921_600 });
  return {
    mrz,
    zfm,
    printer,
    printerPair,
    async close() {
      await printer.stop().catch(() => undefined);
      await printerPair.close();
      await zfm.close();
      await mrz.close();
    },
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npx tsx provisioning/src/cli.ts …` as a child process; `onStderr` sees prompts as they come. */
export function runCli(args: readonly string[], onStderr?: (text: string, child: ChildProcess) => void, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'provisioning/src/cli.ts', ...args], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, NO_COLOR: '1', LOG_LEVEL: 'error', VITEST: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
      onStderr?.(t, child);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
