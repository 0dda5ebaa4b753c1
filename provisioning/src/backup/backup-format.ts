/**
 * The backup file: `ZLMCBKP1`, a 4-byte big-endian manifest length, the manifest (JSON), the SQLite
 * database image, then (only with --include-keys) the key files sealed with AES-256-GCM under a key
 * derived from the technician's passphrase by scrypt (RFC 7914). The GCM additional data is the
 * database's SHA-256, so sealed keys cannot be moved onto another backup's database unnoticed.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { ProvisioningErrorCodes, provisioningError } from '../errors.ts';

export const BACKUP_MAGIC = Buffer.from('ZLMCBKP1', 'ascii');

export interface StoreCounts {
  registrations: number;
  outbox: number;
  auditRows: number;
}

export interface BackupManifest {
  version: 1;
  createdAt: string;
  deviceId: string | null;
  /** The appliance config file's text and the hardware inventory (hardware.json), restored with the store. */
  files?: { config?: string; hardware?: string };
  db: { bytes: number; sha256: string; schemaVersion: number; counts: StoreCounts };
  keys?: {
    bytes: number;
    kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
    cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
  };
}

/** Shortest passphrase that may seal keys: the backup leaves the appliance, the scrypt cost is all that guards it. */
export const MIN_PASSPHRASE_LENGTH = 12;

/** N = 2^15, r = 8: ~32 MiB and well under a second on the mini-PCs; a passphrase guess costs the same. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1 };

function deriveKey(passphrase: string, salt: Buffer, k: { N: number; r: number; p: number }): Buffer {
  return scryptSync(passphrase.normalize('NFC'), salt, 32, { N: k.N, r: k.r, p: k.p, maxmem: 128 * k.N * k.r * 2 });
}

export function sealKeys(files: Record<string, string>, passphrase: string, dbSha256: string): { blob: Buffer; meta: NonNullable<BackupManifest['keys']> } {
  if ([...passphrase.normalize('NFC')].length < MIN_PASSPHRASE_LENGTH) {
    throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `the passphrase is too short: at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = deriveKey(passphrase, salt, SCRYPT);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(dbSha256, 'hex'));
  const blob = Buffer.concat([cipher.update(JSON.stringify(files), 'utf8'), cipher.final()]);
  key.fill(0);
  return {
    blob,
    meta: {
      bytes: blob.length,
      kdf: { name: 'scrypt', ...SCRYPT, salt: salt.toString('base64') },
      cipher: { name: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') },
    },
  };
}

export function openKeys(blob: Buffer, meta: NonNullable<BackupManifest['keys']>, passphrase: string, dbSha256: string): Record<string, string> {
  const key = deriveKey(passphrase, Buffer.from(meta.kdf.salt, 'base64'), meta.kdf);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(meta.cipher.iv, 'base64'));
    decipher.setAAD(Buffer.from(dbSha256, 'hex'));
    decipher.setAuthTag(Buffer.from(meta.cipher.tag, 'base64'));
    const text = Buffer.concat([decipher.update(blob), decipher.final()]).toString('utf8');
    return JSON.parse(text) as Record<string, string>;
  } catch {
    throw provisioningError(ProvisioningErrorCodes.BackupPassphrase, 'the passphrase does not open the keys in this backup (or they were altered)');
  } finally {
    key.fill(0);
  }
}

export function encodeBackup(manifest: BackupManifest, db: Buffer, keys?: Buffer): Buffer {
  const m = Buffer.from(JSON.stringify(manifest), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(m.length);
  return Buffer.concat([BACKUP_MAGIC, len, m, db, keys ?? Buffer.alloc(0)]);
}

export function decodeBackup(file: Buffer): { manifest: BackupManifest; db: Buffer; keys: Buffer | undefined } {
  const bad = (why: string) => provisioningError(ProvisioningErrorCodes.BackupInvalid, `not a usable appliance backup: ${why}`);
  if (file.length < 12 || !file.subarray(0, 8).equals(BACKUP_MAGIC)) throw bad('wrong file type');
  const mLen = file.readUInt32BE(8);
  if (12 + mLen > file.length) throw bad('truncated manifest');
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(file.subarray(12, 12 + mLen).toString('utf8')) as BackupManifest;
  } catch {
    throw bad('manifest is not JSON');
  }
  if (manifest?.version !== 1 || typeof manifest.db?.bytes !== 'number') throw bad('unknown manifest version');
  const dbStart = 12 + mLen;
  const dbEnd = dbStart + manifest.db.bytes;
  const keysEnd = dbEnd + (manifest.keys?.bytes ?? 0);
  if (keysEnd !== file.length) throw bad('length does not match the manifest (truncated or appended to)');
  const db = file.subarray(dbStart, dbEnd);
  if (createHash('sha256').update(db).digest('hex') !== manifest.db.sha256) throw bad('database image does not match its checksum');
  return { manifest, db, keys: manifest.keys ? file.subarray(dbEnd, keysEnd) : undefined };
}
