/**
 * Online backup and verified restore of the appliance store. The copy is made with SQLite's online
 * backup API (better-sqlite3 db.backup(), https://www.sqlite.org/backup.html): a consistent snapshot
 * that includes committed WAL content, taken while the appliance keeps writing. Never a file copy of
 * a live database (a copy can catch the main file and the WAL at different moments).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import Database from 'better-sqlite3';
import { DATA_KEY_FILE } from '@lmc/appliance/crypto/data-key.ts';
import { DEVICE_FILE, KEYS_DIR, loadOrCreateIdentity, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from '@lmc/appliance/keys/identity.ts';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import { schemaVersion, verifyAuditChain } from '@lmc/appliance/store/index.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { HARDWARE_FILE } from '../discovery/assign.ts';
import { CENTRAL_PUBLIC_KEY_FILE, ENROLMENT_FILE } from '../enrolment/enrol.ts';
import { CENTRAL_ENCRYPTION_KEY_FILE, CENTRAL_TLS_FILE } from '@lmc/appliance/keys/central-trust.ts';
import { ENCRYPTION_KEY_FILE } from '@lmc/appliance/keys/encryption-key.ts';
import { ProvisioningErrorCodes, provisioningError } from '../errors.ts';
import { type BackupManifest, decodeBackup, encodeBackup, openKeys, sealKeys, type StoreCounts } from './backup-format.ts';

const STORE_FILE = 'appliance.db';
// The pinned central (certificate, encryption key) and the appliance's X25519 key go with the identity (issue #16).
const KEY_FILES = [PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, DEVICE_FILE, DATA_KEY_FILE, CENTRAL_PUBLIC_KEY_FILE, ENROLMENT_FILE, CENTRAL_TLS_FILE, CENTRAL_ENCRYPTION_KEY_FILE, ENCRYPTION_KEY_FILE];

function counts(db: Database.Database): StoreCounts {
  const n = (t: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  return { registrations: n('registrations'), outbox: n('outbox'), auditRows: n('audit_log') };
}

export interface BackupOptions {
  dataDir: string;
  out: string;
  /** Replace an existing file at `out`. */
  force?: boolean;
  /** The config file to keep with the store (restored with it). */
  configPath?: string;
  /** Progress of the long steps. */
  onStep?: (text: string) => void;
  /** With keys: the passphrase that seals them. */
  passphrase?: string;
  logger: Logger;
}

export interface BackupResult {
  out: string;
  bytes: number;
  manifest: BackupManifest;
}

function within(dir: string, path: string): boolean {
  const r = relative(dir, path);
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !r.startsWith(sep));
}

/**
 * Where a backup may be written: never inside the data directory (a backup there is lost with the
 * appliance, and `--out <dataDir>/appliance.db` would overwrite the live store), never over an existing
 * file unless `force`, and only into an existing, writable folder (checked up front: a clear error, not
 * a loop on a path like /proc/nope).
 */
export function checkBackupTarget(dataDir: string, out: string, force: boolean): void {
  const usage = (m: string) => provisioningError(ProvisioningErrorCodes.UsageInvalid, m, { out });
  const parent = dirname(out);
  let parentReal: string;
  try {
    parentReal = realpathSync(parent);
  } catch (err) {
    throw usage(`cannot write the backup to ${out}: folder ${parent} does not exist (${(err as NodeJS.ErrnoException).code})`);
  }
  if (!statSync(parentReal).isDirectory()) throw usage(`cannot write the backup to ${out}: ${parent} is not a folder`);
  const target = join(parentReal, out.split(sep).at(-1) ?? '');
  let dataReal = resolve(dataDir);
  try {
    dataReal = realpathSync(dataDir);
  } catch {
    /* no data dir: nothing to protect */
  }
  if (within(dataReal, target)) throw usage(`refusing to write the backup inside the data directory ${dataDir}: choose a folder on other media (e.g. a USB stick)`);
  if (existsSync(target)) {
    if (!statSync(target).isFile()) throw usage(`${out} exists and is not a file`);
    if (!force) throw usage(`${out} already exists: choose another name, or --force to replace it`);
  }
}

export async function backup(o: BackupOptions): Promise<BackupResult> {
  const src = join(o.dataDir, STORE_FILE);
  if (!existsSync(src)) throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `no appliance store at ${src}`);
  checkBackupTarget(o.dataDir, o.out, o.force ?? false);
  const step = o.onStep ?? (() => undefined);
  const work = mkdtempSync(join(tmpdir(), 'lmc-backup-'));
  try {
    const snapshot = join(work, STORE_FILE);
    const live = new Database(src, { fileMustExist: true });
    try {
      live.pragma('busy_timeout = 5000');
      step('copying the store (SQLite online backup)');
      await live.backup(snapshot, {
        progress: ({ totalPages, remainingPages }) => {
          step(`copying the store: ${totalPages - remainingPages}/${totalPages} pages`);
          return 256;
        },
      });
    } finally {
      live.close();
    }
    step('verifying the copy (integrity check, audit chain)');
    // Verify the snapshot before calling it a backup: a backup of a damaged store is found out now, not at restore.
    const snap = new Database(snapshot, { fileMustExist: true });
    let manifestDb: BackupManifest['db'];
    try {
      snap.pragma('journal_mode = DELETE');
      const integrity = (snap.pragma('integrity_check', { simple: true }) as string) ?? '';
      if (integrity !== 'ok') throw provisioningError(ProvisioningErrorCodes.BackupInvalid, `the store fails integrity_check: ${integrity}`);
      const audit = verifyAuditChain(snap);
      if (!audit.ok) throw provisioningError(ProvisioningErrorCodes.BackupInvalid, `the audit chain does not verify at seq ${audit.firstBadSeq}: ${audit.reason}`);
      manifestDb = { bytes: 0, sha256: '', schemaVersion: schemaVersion(snap), counts: counts(snap) };
    } finally {
      snap.close();
    }
    const dbBytes = readFileSync(snapshot);
    manifestDb.bytes = dbBytes.length;
    manifestDb.sha256 = createHash('sha256').update(dbBytes).digest('hex');
    const keysDir = join(o.dataDir, KEYS_DIR);
    const deviceId = existsSync(join(keysDir, DEVICE_FILE)) ? loadOrCreateIdentity(o.dataDir).deviceId : null;
    const files: NonNullable<BackupManifest['files']> = {};
    if (o.configPath && existsSync(o.configPath)) files.config = readFileSync(o.configPath, 'utf8');
    if (existsSync(join(o.dataDir, HARDWARE_FILE))) files.hardware = readFileSync(join(o.dataDir, HARDWARE_FILE), 'utf8');
    const manifest: BackupManifest = { version: 1, createdAt: new Date().toISOString(), deviceId, files, db: manifestDb };
    let sealed: Buffer | undefined;
    if (o.passphrase !== undefined) {
      const files: Record<string, string> = {};
      for (const f of KEY_FILES) if (existsSync(join(keysDir, f))) files[f] = readFileSync(join(keysDir, f), 'utf8');
      const s = sealKeys(files, o.passphrase, manifestDb.sha256);
      manifest.keys = s.meta;
      sealed = s.blob;
    }
    const file = encodeBackup(manifest, dbBytes, sealed);
    step(`writing ${o.out}`);
    writeFileAtomic(o.out, file as unknown as string, { mode: 0o600 });
    return { out: o.out, bytes: file.length, manifest };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface RestoreOptions {
  input: string;
  dataDir: string;
  passphrase?: string;
  /** Accept a restore without the keys (new identity and data key; sealed records become unreadable). */
  withoutKeys?: boolean;
  /** Where the backup's config file is restored (the current file is kept as <path>.before-restore). */
  configPath?: string;
  logger: Logger;
}

export interface RestoreResult {
  dataDir: string;
  manifest: BackupManifest;
  counts: StoreCounts;
  auditRows: number;
  keysRestored: string[];
  /** Without keys: fingerprint records sealed under the backup's data key, now unreadable. */
  unreadableSealed: number;
  /** Without keys: registrations waiting for the central that a new identity cannot forward. */
  unsendable: number;
  configRestored: string | null;
  hardwareRestored: boolean;
}

export function restore(o: RestoreOptions): RestoreResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(o.input);
  } catch (err) {
    throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `cannot read the backup ${o.input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { input: o.input });
  }
  const { manifest, db, keys } = decodeBackup(bytes);
  if (existsSync(o.dataDir) && readdirSync(o.dataDir).length > 0) {
    throw provisioningError(ProvisioningErrorCodes.RestoreTargetNotEmpty, `${o.dataDir} is not empty: restore onto a fresh data directory`);
  }
  if (!o.withoutKeys && (!keys || o.passphrase === undefined)) {
    const why = keys ? 'the backup holds keys but no --passphrase-file was given' : 'the backup holds no keys (taken without --include-keys)';
    throw provisioningError(
      ProvisioningErrorCodes.RestoreWithoutKeys,
      `${why}: restored without them the appliance gets a new identity and data key, its sealed fingerprint records become unreadable and its unsent registrations cannot be forwarded. Give the passphrase, or --without-keys to accept that`,
    );
  }
  // Keys first (still nothing written): a wrong passphrase must not leave a half restore behind.
  const keyFiles = keys && manifest.keys && o.passphrase !== undefined ? openKeys(keys, manifest.keys, o.passphrase, manifest.db.sha256) : undefined;
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  try {
    writeFileAtomic(join(o.dataDir, STORE_FILE), db as unknown as string, { mode: 0o600 });
    const restored: string[] = [];
    if (keyFiles) {
      mkdirSync(join(o.dataDir, KEYS_DIR), { recursive: true, mode: 0o700 });
      for (const [name, content] of Object.entries(keyFiles)) {
        if (!KEY_FILES.includes(name)) continue;
        writeFileAtomic(join(o.dataDir, KEYS_DIR, name), content, { mode: 0o600 });
        restored.push(name);
      }
    }
    const lost = keyFiles ? { unreadableSealed: 0, unsendable: 0 } : countLost(join(o.dataDir, STORE_FILE));
    const verified = verifyRestored(o.dataDir, manifest, o.logger);
    if (keyFiles && manifest.deviceId && loadOrCreateIdentity(o.dataDir).deviceId !== manifest.deviceId) {
      throw provisioningError(ProvisioningErrorCodes.RestoreVerifyFailed, 'the restored identity is not the one the backup was taken from');
    }
    let hardwareRestored = false;
    if (manifest.files?.hardware !== undefined) {
      writeFileAtomic(join(o.dataDir, HARDWARE_FILE), manifest.files.hardware, { mode: 0o644 });
      hardwareRestored = true;
    }
    let configRestored: string | null = null;
    if (manifest.files?.config !== undefined && o.configPath) {
      if (existsSync(o.configPath)) writeFileAtomic(`${o.configPath}.before-restore`, readFileSync(o.configPath, 'utf8'), { mode: 0o640 });
      writeFileAtomic(o.configPath, manifest.files.config, { mode: 0o640 });
      configRestored = o.configPath;
    }
    return { dataDir: o.dataDir, manifest, ...verified, keysRestored: restored, ...lost, configRestored, hardwareRestored };
  } catch (err) {
    // Nothing half-way: a restore that does not verify leaves the target as it found it (empty).
    for (const f of readdirSync(o.dataDir)) rmSync(join(o.dataDir, f), { recursive: true, force: true });
    throw err;
  }
}

/** What a restore without keys loses: sealed fingerprint blobs, and registrations still waiting for the central. */
function countLost(dbPath: string): { unreadableSealed: number; unsendable: number } {
  const db = new Database(dbPath, { readonly: true });
  try {
    const has = (t: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined;
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      unreadableSealed: has('fingerprints') ? n('SELECT COUNT(*) AS n FROM fingerprints WHERE template_blob IS NOT NULL OR image_blob IS NOT NULL') : 0,
      unsendable: has('outbox') ? n('SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL') : 0,
    };
  } finally {
    db.close();
  }
}

function verifyRestored(dataDir: string, manifest: BackupManifest, logger: Logger): { counts: StoreCounts; auditRows: number } {
  const fail = (why: string) => provisioningError(ProvisioningErrorCodes.RestoreVerifyFailed, `the restored store does not verify: ${why}`);
  // Through openStore: the same open path (WAL, migrations to this software's schema) the appliance takes.
  const store = openApplianceStore({ dataDir, logger });
  try {
    const integrity = store.integrityCheck();
    if (integrity !== 'ok') throw fail(`integrity_check: ${integrity}`);
    const audit = store.audit.verify();
    if (!audit.ok) throw fail(`audit chain breaks at seq ${audit.firstBadSeq}: ${audit.reason}`);
    const reader = new Database(join(dataDir, STORE_FILE), { readonly: true });
    let c: StoreCounts;
    try {
      c = counts(reader);
    } finally {
      reader.close();
    }
    const want = manifest.db.counts;
    if (c.registrations !== want.registrations || c.outbox !== want.outbox || c.auditRows !== want.auditRows) {
      throw fail(`record counts ${JSON.stringify(c)} differ from the backup's ${JSON.stringify(want)}`);
    }
    return { counts: c, auditRows: audit.rows };
  } finally {
    store.close();
  }
}

