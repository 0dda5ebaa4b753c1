/**
 * Online backup and verified restore of the appliance store. The copy is made with SQLite's online
 * backup API (better-sqlite3 db.backup(), https://www.sqlite.org/backup.html): a consistent snapshot
 * that includes committed WAL content, taken while the appliance keeps writing. Never a file copy of
 * a live database (a copy can catch the main file and the WAL at different moments).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { DATA_KEY_FILE } from '@lmc/appliance/crypto/data-key.ts';
import { DEVICE_FILE, KEYS_DIR, loadOrCreateIdentity, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from '@lmc/appliance/keys/identity.ts';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import { openStore, schemaVersion, verifyAuditChain } from '@lmc/appliance/store/index.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { CENTRAL_PUBLIC_KEY_FILE, ENROLMENT_FILE } from '../enrolment/enrol.ts';
import { ProvisioningErrorCodes, provisioningError } from '../errors.ts';
import { type BackupManifest, decodeBackup, encodeBackup, openKeys, sealKeys, type StoreCounts } from './backup-format.ts';

const STORE_FILE = 'appliance.db';
const KEY_FILES = [PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, DEVICE_FILE, DATA_KEY_FILE, CENTRAL_PUBLIC_KEY_FILE, ENROLMENT_FILE];

function counts(db: Database.Database): StoreCounts {
  const n = (t: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  return { registrations: n('registrations'), outbox: n('outbox'), auditRows: n('audit_log') };
}

export interface BackupOptions {
  dataDir: string;
  out: string;
  /** With keys: the passphrase that seals them. */
  passphrase?: string;
  logger: Logger;
}

export interface BackupResult {
  out: string;
  bytes: number;
  manifest: BackupManifest;
}

export async function backup(o: BackupOptions): Promise<BackupResult> {
  const src = join(o.dataDir, STORE_FILE);
  if (!existsSync(src)) throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `no appliance store at ${src}`);
  const work = mkdtempSync(join(tmpdir(), 'lmc-backup-'));
  try {
    const snapshot = join(work, STORE_FILE);
    const live = new Database(src, { fileMustExist: true });
    try {
      live.pragma('busy_timeout = 5000');
      await live.backup(snapshot);
    } finally {
      live.close();
    }
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
    const manifest: BackupManifest = { version: 1, createdAt: new Date().toISOString(), deviceId, db: manifestDb };
    let sealed: Buffer | undefined;
    if (o.passphrase !== undefined) {
      const files: Record<string, string> = {};
      for (const f of KEY_FILES) if (existsSync(join(keysDir, f))) files[f] = readFileSync(join(keysDir, f), 'utf8');
      const s = sealKeys(files, o.passphrase, manifestDb.sha256);
      manifest.keys = s.meta;
      sealed = s.blob;
    }
    const file = encodeBackup(manifest, dbBytes, sealed);
    mkdirSync(dirname(o.out), { recursive: true });
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
  logger: Logger;
}

export interface RestoreResult {
  dataDir: string;
  manifest: BackupManifest;
  counts: StoreCounts;
  auditRows: number;
  keysRestored: string[];
}

export function restore(o: RestoreOptions): RestoreResult {
  const { manifest, db, keys } = decodeBackup(readFileSync(o.input));
  if (existsSync(o.dataDir) && readdirSync(o.dataDir).length > 0) {
    throw provisioningError(ProvisioningErrorCodes.RestoreTargetNotEmpty, `${o.dataDir} is not empty: restore onto a fresh data directory`);
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
    const verified = verifyRestored(o.dataDir, manifest, o.logger);
    if (keyFiles && manifest.deviceId && loadOrCreateIdentity(o.dataDir).deviceId !== manifest.deviceId) {
      throw provisioningError(ProvisioningErrorCodes.RestoreVerifyFailed, 'the restored identity is not the one the backup was taken from');
    }
    return { dataDir: o.dataDir, manifest, ...verified, keysRestored: restored };
  } catch (err) {
    // Nothing half-way: a restore that does not verify leaves the target as it found it (empty).
    for (const f of readdirSync(o.dataDir)) rmSync(join(o.dataDir, f), { recursive: true, force: true });
    throw err;
  }
}

function verifyRestored(dataDir: string, manifest: BackupManifest, logger: Logger): { counts: StoreCounts; auditRows: number } {
  const fail = (why: string) => provisioningError(ProvisioningErrorCodes.RestoreVerifyFailed, `the restored store does not verify: ${why}`);
  // Through openStore: the same open path (WAL, migrations to this software's schema) the appliance takes.
  const store = openStore({ dataDir, logger });
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

