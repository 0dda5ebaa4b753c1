/**
 * The appliance's own X25519 encryption key (issue #16): the central re-seals an earlier registration's templates
 * to it for a 1:1 verification at this counter (prints-remote/). Created beside the identity in `<dataDir>/keys/`
 * (`device-x25519.key`, PKCS#8 PEM, 0600; first writer wins) and published at enrolment; a re-key makes a new one.
 * Never leaves the appliance; never logged.
 */
import type { KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import { keyIdOf, newX25519PrivateKey, rawX25519Public, x25519PrivateFromPem } from '@lmc/protocol/print-seal.ts';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { KEYS_DIR } from './identity.ts';

export const ENCRYPTION_KEY_FILE = 'device-x25519.key';

export interface DeviceEncryptionKey {
  privateKey: KeyObject;
  /** Raw 32-byte public key, base64: what enrolment publishes. */
  publicKeyBase64: string;
  keyId: string;
  created: boolean;
}

function fromPrivate(privateKey: KeyObject, created: boolean): DeviceEncryptionKey {
  const raw = rawX25519Public(privateKey);
  return { privateKey, publicKeyBase64: raw.toString('base64'), keyId: keyIdOf(raw), created };
}

/** The key in `<dir>/keys/`, or undefined when there is none (enrolled before it existed). */
export function loadDeviceEncryptionKey(dataDir: string): DeviceEncryptionKey | undefined {
  const path = join(dataDir, KEYS_DIR, ENCRYPTION_KEY_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ApplianceError(ApplianceErrors.IDENTITY_IO_ERROR.code, 'The appliance key files cannot be read; call a technician.', { path });
  }
  try {
    return fromPrivate(x25519PrivateFromPem(text), false);
  } catch {
    throw new ApplianceError(ApplianceErrors.IDENTITY_INVALID.code, `The appliance encryption key file ${path} is damaged; call a technician.`, { path });
  }
}

export function loadOrCreateDeviceEncryptionKey(dataDir: string): DeviceEncryptionKey {
  const existing = loadDeviceEncryptionKey(dataDir);
  if (existing) return existing;
  const dir = join(dataDir, KEYS_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privateKey = newX25519PrivateKey();
  if (!writeFileAtomic(join(dir, ENCRYPTION_KEY_FILE), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600, noClobber: true })) {
    const other = loadDeviceEncryptionKey(dataDir);
    if (other) return other;
  }
  return fromPrivate(privateKey, true);
}
