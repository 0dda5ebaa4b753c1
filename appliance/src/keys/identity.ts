/**
 * The appliance's identity towards the central database: a device id and an Ed25519 key pair
 * (RFC 8032) whose signature covers every batch (protocol/src/batch.ts). Created at first
 * start in `<dataDir>/keys/`, outside the database so a copied-off appliance.db carries no key,
 * loaded afterwards. Provisioning will replace the self-generated pair with an enrolled one; until
 * then a technician enrols `deviceId` + `publicKeyPem` at the centre.
 *
 * The private key is a KeyObject (its inspect/JSON forms show no key material) and is never logged.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import { ApplianceError, type ApplianceErrorCode, ApplianceErrors } from '../errors.ts';


export const KEYS_DIR = 'keys';
export const PRIVATE_KEY_FILE = 'device-ed25519.key';
export const PUBLIC_KEY_FILE = 'device-ed25519.pub';
export const DEVICE_FILE = 'device.json';

export interface ApplianceIdentity {
  deviceId: string;
  privateKey: KeyObject;
  /** SPKI PEM: what the centre's devices list holds. */
  publicKeyPem: string;
  createdAt: string;
  /** true when this call generated the identity (first start). */
  created: boolean;
}

interface DeviceFile {
  version: 1;
  deviceId: string;
  createdAt: string;
}

/** A key file's text, or undefined when there is none yet; any other failure is `code` with the path and errno. */
export function readKeyFileIfExists(path: string, code: ApplianceErrorCode, message: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ApplianceError(code, message, { path, errno: (err as NodeJS.ErrnoException).code });
  }
}

const readIfExists = (path: string) => readKeyFileIfExists(path, ApplianceErrors.IDENTITY_IO_ERROR.code, 'The appliance key files cannot be read; call a technician.');

function invalid(path: string, what: string): ApplianceError {
  // Never the file content: it is key material.
  return new ApplianceError(ApplianceErrors.IDENTITY_INVALID.code, `The appliance identity file ${path} is damaged (${what}); call a technician.`, {
    path,
  });
}

function load(dir: string, deviceText: string, keyText: string): Omit<ApplianceIdentity, 'created'> {
  const devicePath = join(dir, DEVICE_FILE);
  let device: DeviceFile;
  try {
    device = JSON.parse(deviceText) as DeviceFile;
  } catch {
    throw invalid(devicePath, 'not JSON');
  }
  if (typeof device?.deviceId !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(device.deviceId)) {
    throw invalid(devicePath, 'no valid deviceId');
  }
  const keyPath = join(dir, PRIVATE_KEY_FILE);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyText);
  } catch {
    throw invalid(keyPath, 'not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw invalid(keyPath, 'not an Ed25519 key');
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { deviceId: device.deviceId, privateKey, publicKeyPem, createdAt: String(device.createdAt) };
}

/**
 * Load the identity from `<dataDir>/keys/`, creating it on first start. The private key is written
 * before device.json: device.json is the commit marker, so a power cut half-way leaves no identity
 * and the next start generates a fresh pair (nothing was enrolled with the lost one).
 */
export function loadOrCreateIdentity(dataDir: string, now: () => Date = () => new Date()): ApplianceIdentity {
  const dir = join(dataDir, KEYS_DIR);
  const deviceText = readIfExists(join(dir, DEVICE_FILE));
  if (deviceText !== undefined) {
    const keyText = readIfExists(join(dir, PRIVATE_KEY_FILE));
    if (keyText === undefined) throw invalid(join(dir, PRIVATE_KEY_FILE), 'missing');
    return { ...load(dir, deviceText, keyText), created: false };
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    const device: DeviceFile = { version: 1, deviceId: `apl-${randomBytes(6).toString('hex')}`, createdAt: now().toISOString() };
    writeFileAtomic(join(dir, PRIVATE_KEY_FILE), privatePem, { mode: 0o600 });
    writeFileAtomic(join(dir, PUBLIC_KEY_FILE), publicKeyPem, { mode: 0o600 });
    writeFileAtomic(join(dir, DEVICE_FILE), `${JSON.stringify(device, null, 2)}\n`, { mode: 0o600 });
    return { deviceId: device.deviceId, privateKey, publicKeyPem, createdAt: device.createdAt, created: true };
  } catch (err) {
    if (err instanceof ApplianceError) throw err;
    throw new ApplianceError(ApplianceErrors.IDENTITY_IO_ERROR.code, 'The appliance identity could not be created; call a technician.', {
      dir,
      errno: (err as NodeJS.ErrnoException).code,
    });
  }
}
