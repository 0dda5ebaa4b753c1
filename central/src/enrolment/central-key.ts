/**
 * The central's own Ed25519 key. Its public half is handed to every appliance at enrolment, so the
 * appliance can later check what the central signs. Kept in a file outside the database (mode 0600),
 * created on first use; tests pass a KeyObject instead.
 *
 * Beside it, the central's X25519 encryption keys (issue #16): appliances seal every print to the current one
 * (its public half is in the signed enrolment answer), so only the central can open forwarded prints
 * (central/src/prints/). `central-x25519.key` is the current key; `central-x25519.retired-<keyId>.key` files are
 * kept to open prints sealed before a rotation (README, "Prints the central can open").
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { keyIdOf, newX25519PrivateKey, rawX25519Public, x25519PrivateFromPem } from '@lmc/protocol/print-seal.ts';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import { dirname, join } from 'node:path';
import { validateAdminToken } from '../auth/admin-token.ts';
import { CentralErrorCodes, centralError } from '../errors.ts';

export interface CentralKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  /** The X25519 keys prints are sealed to; absent: enrolment hands out no encryption key (prints stay opaque). */
  encryption?: CentralEncryptionKeys;
}

export interface CentralEncryptionKeys {
  /** The key handed to appliances now. */
  current: { keyId: string; privateKey: KeyObject; publicKeyBase64: string };
  /** Every key this central can open with (current and retired), by key id. */
  keyring: ReadonlyMap<string, KeyObject>;
}

/** Current key first; retired keys open older prints only. */
export function centralEncryptionKeys(current: KeyObject, retired: readonly KeyObject[] = []): CentralEncryptionKeys {
  const raw = rawX25519Public(current);
  const keyring = new Map<string, KeyObject>();
  for (const k of [...retired, current]) keyring.set(keyIdOf(rawX25519Public(k)), k);
  return { current: { keyId: keyIdOf(raw), privateKey: current, publicKeyBase64: raw.toString('base64') }, keyring };
}

export const ENCRYPTION_KEY_FILE = 'central-x25519.key';
const RETIRED_PATTERN = /^central-x25519\.retired-[0-9a-f]{16}\.key$/;

/** The current encryption key at `path` (created on first use, 0600, first writer wins) and the retired keys beside it. */
/** The file's text, or undefined when there is no such file; any other failure is thrown (as `unreadable()` when given). */
function readIfPresent(path: string, unreadable?: () => Error): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable?.() ?? err;
  }
}

export function loadOrCreateEncryptionKeys(path: string): CentralEncryptionKeys {
  const readKey = (file: string): KeyObject => {
    try {
      return x25519PrivateFromPem(readFileSync(file, 'utf8'));
    } catch {
      throw centralError(CentralErrorCodes.ConfigInvalid, `The central encryption key file ${file} is not an X25519 PEM private key`, { path: file });
    }
  };
  let current = readIfPresent(path) === undefined ? undefined : readKey(path);
  if (!current) {
    const created = newX25519PrivateKey();
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    current = writeFileAtomic(path, created.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600, noClobber: true }) ? created : readKey(path);
  }
  const retired = readdirSync(dirname(path))
    .filter((n) => RETIRED_PATTERN.test(n))
    .map((n) => readKey(join(dirname(path), n)));
  return centralEncryptionKeys(current, retired);
}

export function centralKeyFromPrivate(privateKey: KeyObject): CentralKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw centralError(CentralErrorCodes.ConfigInvalid, 'The central key must be an Ed25519 private key');
  }
  return { privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() };
}

export function loadOrCreateCentralKey(path: string): CentralKey {
  const text = readIfPresent(path, () => centralError(CentralErrorCodes.ConfigInvalid, `Cannot read the central key file ${path}`, { path }));
  if (text !== undefined) {
    try {
      return centralKeyFromPrivate(createPrivateKey(text));
    } catch {
      // Never the file content: it is key material.
      throw centralError(CentralErrorCodes.ConfigInvalid, `The central key file ${path} is not an Ed25519 PEM private key`, { path });
    }
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Durable and first-writer-wins: two centrals starting on one data dir end up with one key.
  if (!writeFileAtomic(path, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600, noClobber: true })) {
    return loadOrCreateCentralKey(path);
  }
  return centralKeyFromPrivate(privateKey);
}

export interface EnrolmentSettings {
  /** Bearer token for the admin routes (at least 32 characters); undefined = admin sessions only. */
  adminToken: string | undefined;
  centralKey: CentralKey;
  /** Default lifetime of an enrolment code. */
  codeTtlMinutes: number;
}

/**
 * CENTRAL_ADMIN_TOKEN (at least 32 characters), CENTRAL_KEY_FILE (default
 * <CENTRAL_DATA_DIR>/keys/central-ed25519.key), CENTRAL_ENROLMENT_CODE_TTL_MIN (default 1440).
 */
export function enrolmentSettingsFromEnv(env: NodeJS.ProcessEnv): EnrolmentSettings {
  const token = validateAdminToken(env.CENTRAL_ADMIN_TOKEN);
  const ttl = Number(env.CENTRAL_ENROLMENT_CODE_TTL_MIN ?? 1440);
  if (!Number.isSafeInteger(ttl) || ttl < 1) {
    throw centralError(CentralErrorCodes.ConfigInvalid, 'CENTRAL_ENROLMENT_CODE_TTL_MIN must be a positive integer');
  }
  return { adminToken: token, centralKey: centralKeyFromEnv(env), codeTtlMinutes: ttl };
}

/** CENTRAL_ENCRYPTION_KEY_FILE, default <CENTRAL_DATA_DIR>/keys/central-x25519.key (retired keys beside it). */
export function encryptionKeyFile(env: NodeJS.ProcessEnv): string {
  return env.CENTRAL_ENCRYPTION_KEY_FILE || join(env.CENTRAL_DATA_DIR || './data/central', 'keys', ENCRYPTION_KEY_FILE);
}

/** CENTRAL_KEY_FILE, default <CENTRAL_DATA_DIR>/keys/central-ed25519.key. */
export function centralKeyFile(env: NodeJS.ProcessEnv): string {
  return env.CENTRAL_KEY_FILE || join(env.CENTRAL_DATA_DIR || './data/central', 'keys', 'central-ed25519.key');
}

export function centralKeyFromEnv(env: NodeJS.ProcessEnv): CentralKey {
  return { ...loadOrCreateCentralKey(centralKeyFile(env)), encryption: loadOrCreateEncryptionKeys(encryptionKeyFile(env)) };
}

/** A key given, a loader, or the environment's key file; loaded once, on first use. */
export function lazyCentralKey(given: CentralKey | (() => CentralKey) | undefined, env: NodeJS.ProcessEnv = process.env): () => CentralKey {
  let key: CentralKey | undefined = typeof given === 'object' ? given : undefined;
  return () => (key ??= typeof given === 'function' ? given() : centralKeyFromEnv(env));
}
