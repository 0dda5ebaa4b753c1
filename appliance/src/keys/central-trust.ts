/**
 * What the appliance learnt about its central at enrolment (provisioning/src/enrolment/enrol.ts writes
 * both files, 0600, beside the identity in <dataDir>/keys/):
 * - central-ed25519.pub: the central's Ed25519 public key (SPKI PEM). Every answer that changes the
 *   appliance's state (batch acknowledgements and refusals, reference pages) must carry a signature
 *   by it, bound to the request (protocol/src/batch-envelope.ts); without it nothing is sent.
 * - central-tls.pem: the central's TLS certificate, or the CA that issues it: the only trust anchor of
 *   the link (central-link/central-link.ts pins it). Absent: the system's CAs.
 * - central-x25519.pub: the central's X25519 encryption key (`{"keyId","publicKey"}`, raw key in base64), from
 *   the signed enrolment answer: prints are also sealed to it (crypto/blob-cipher.ts format 2) so the central
 *   can open them. Absent (enrolled before the central had one): prints stay sealed under the data key only.
 */
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { recipientFromBase64, type X25519Recipient } from '@lmc/protocol/print-seal.ts';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { KEYS_DIR } from './identity.ts';

export const CENTRAL_PUBLIC_KEY_FILE = 'central-ed25519.pub';
export const CENTRAL_TLS_FILE = 'central-tls.pem';
export const CENTRAL_ENCRYPTION_KEY_FILE = 'central-x25519.pub';

export interface CentralTrust {
  /** The central's answer-signing key; null: not enrolled (nothing is sent). */
  publicKey: KeyObject | null;
  /** Pinned certificate(s) for TLS; null: system CAs. */
  tlsPem: string | null;
  /** The central's encryption key prints are also sealed to; null: enrolled before it had one (format 1 blobs). */
  encryption: X25519Recipient | null;
}

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ApplianceError(ApplianceErrors.CENTRAL_TRUST_INVALID.code, `The central's pinned key file ${path} cannot be read; call a technician.`, {
      path,
      errno: (err as NodeJS.ErrnoException).code,
    });
  }
}

function invalid(path: string, what: string): ApplianceError {
  return new ApplianceError(ApplianceErrors.CENTRAL_TRUST_INVALID.code, `The central's pinned ${what} ${path} is damaged; enrol the appliance again.`, { path });
}

export function loadCentralTrust(dataDir: string): CentralTrust {
  const keyPath = join(dataDir, KEYS_DIR, CENTRAL_PUBLIC_KEY_FILE);
  const tlsPath = join(dataDir, KEYS_DIR, CENTRAL_TLS_FILE);
  const keyText = readOptional(keyPath);
  const tlsPem = readOptional(tlsPath);
  let publicKey: KeyObject | null = null;
  if (keyText !== null) {
    try {
      publicKey = createPublicKey(keyText);
    } catch {
      throw invalid(keyPath, 'key');
    }
    if (publicKey.asymmetricKeyType !== 'ed25519') throw invalid(keyPath, 'key');
  }
  if (tlsPem !== null) {
    try {
      new X509Certificate(tlsPem);
    } catch {
      throw invalid(tlsPath, 'certificate');
    }
  }
  const encPath = join(dataDir, KEYS_DIR, CENTRAL_ENCRYPTION_KEY_FILE);
  const encText = readOptional(encPath);
  let encryption: X25519Recipient | null = null;
  if (encText !== null) {
    try {
      const file = JSON.parse(encText) as { keyId?: unknown; publicKey?: unknown };
      encryption = recipientFromBase64(String(file.publicKey));
      if (file.keyId !== encryption.keyId) throw new TypeError('key id');
    } catch {
      throw invalid(encPath, 'encryption key');
    }
  }
  return { publicKey, tlsPem, encryption };
}

/** Writes what enrolment (or the development launcher) learnt; each given file replaced atomically, 0600. */
export function saveCentralTrust(dataDir: string, trust: { publicKeyPem?: string; tlsPem?: string; encryptionPublicKey?: string }): void {
  const dir = join(dataDir, KEYS_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (trust.encryptionPublicKey !== undefined) {
    const r = recipientFromBase64(trust.encryptionPublicKey);
    writeFileAtomic(join(dir, CENTRAL_ENCRYPTION_KEY_FILE), `${JSON.stringify({ keyId: r.keyId, publicKey: trust.encryptionPublicKey })}\n`, { mode: 0o600 });
  }
  if (trust.publicKeyPem !== undefined) writeFileAtomic(join(dir, CENTRAL_PUBLIC_KEY_FILE), trust.publicKeyPem, { mode: 0o600 });
  if (trust.tlsPem !== undefined) writeFileAtomic(join(dir, CENTRAL_TLS_FILE), trust.tlsPem, { mode: 0o600 });
}
