/**
 * The data-encryption key (DEK) for biometric blobs at rest: 32 random bytes for AES-256-GCM, kept in
 * `<dataDir>/keys/data.key` (mode 0600, directory 0700), outside the database, so a copied-off
 * appliance.db holds only ciphertext. Created at first start; loaded afterwards.
 *
 * `appliance/src/keys/identity.ts` holds the Ed25519 device identity and has no slot for a symmetric
 * key, so the DEK lives here, in the same directory.
 *
 * Creation is atomic and first-writer-wins: the key is written and fsynced under a temp name, then
 * hard-linked to its final name (link(2) fails with EEXIST rather than replacing, unlike rename(2)).
 * Two processes starting at once therefore agree on one key; a power cut leaves either no key file
 * or a whole one (plus a stray temp).
 */
import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import { ApplianceErrors, ApplianceError } from '../errors.ts';
import { KEYS_DIR, readKeyFileIfExists } from '../keys/identity.ts';

export const DATA_KEY_FILE = 'data.key';
const KEY_BYTES = 32;
const KEY_ID_BYTES = 8;

export interface DataKey {
  /** 8 random bytes (hex), written into every blob so a key rotation can tell generations apart. Not secret. */
  readonly keyId: string;
  /** A secret KeyObject: util.inspect and JSON.stringify of it show no key material. */
  readonly key: KeyObject;
  readonly path: string;
  /** true when this call created the key (first start). */
  readonly created: boolean;
  /** true when the file is readable by group or others (a technician copied it with a wide umask). */
  readonly permissive: boolean;
}

interface DataKeyFile {
  version: 1;
  algorithm: 'aes-256-gcm';
  keyId: string;
  key: string;
  createdAt: string;
}

export function dataKeyPath(dataDir: string): string {
  return join(dataDir, KEYS_DIR, DATA_KEY_FILE);
}

export function loadOrCreateDataKey(dataDir: string, now: () => Date = () => new Date()): DataKey {
  const path = dataKeyPath(dataDir);
  const existing = readKeyFileIfExists(path, ApplianceErrors.DATA_KEY_IO_ERROR.code, 'The data encryption key cannot be read; call a technician.');
  if (existing !== undefined) return parse(path, existing, false);
  const dir = join(dataDir, KEYS_DIR);
  const file: DataKeyFile = {
    version: 1,
    algorithm: 'aes-256-gcm',
    keyId: randomBytes(KEY_ID_BYTES).toString('hex'),
    key: randomBytes(KEY_BYTES).toString('base64'),
    createdAt: now().toISOString(),
  };
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // No clobber: another process that created the key between our read and our write wins; theirs is the key.
    if (!writeFileAtomic(path, `${JSON.stringify(file)}\n`, { mode: 0o600, noClobber: true })) {
      return parse(path, readFileSync(path, 'utf8'), false);
    }
  } catch (err) {
    if ((err as { code?: string }).code === ApplianceErrors.DATA_KEY_INVALID.code) throw err;
    throw new ApplianceError(ApplianceErrors.DATA_KEY_IO_ERROR.code, 'The data encryption key could not be created; call a technician.', {
      path,
      errno: (err as NodeJS.ErrnoException).code,
    });
  }
  return parse(path, readFileSync(path, 'utf8'), true);
}

function parse(path: string, text: string, created: boolean): DataKey {
  // Never the file content in an error: it is key material.
  const damaged = (what: string) =>
    new ApplianceError(ApplianceErrors.DATA_KEY_INVALID.code, `The data encryption key file ${path} is damaged (${what}); call a technician.`, { path });
  let file: Partial<DataKeyFile>;
  try {
    file = JSON.parse(text) as Partial<DataKeyFile>;
  } catch {
    throw damaged('not JSON');
  }
  if (file?.version !== 1 || file.algorithm !== 'aes-256-gcm') throw damaged('unknown version or algorithm');
  if (typeof file.keyId !== 'string' || !/^[0-9a-f]{16}$/.test(file.keyId)) throw damaged('no valid keyId');
  const raw = typeof file.key === 'string' ? Buffer.from(file.key, 'base64') : Buffer.alloc(0);
  if (raw.length !== KEY_BYTES) throw damaged('key is not 32 bytes');
  const key = createSecretKey(raw);
  raw.fill(0);
  const mode = statSync(path).mode & 0o777;
  return { keyId: file.keyId, key, path, created, permissive: (mode & 0o077) !== 0 };
}

