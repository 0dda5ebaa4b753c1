/**
 * What a test's central and appliances share for the secured link: one self-signed TLS pair for the
 * central (central/src/tls/tls.ts) and the central's Ed25519 signing key, pinned on the appliance
 * side exactly as `enrol` pins them (keys/central-trust.ts).
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveCentralTrust } from '@lmc/appliance/keys/central-trust.ts';
import { type CentralKey, centralKeyFromPrivate } from '@lmc/central/enrolment/central-key.ts';
import { generateSelfSignedPair, type TlsPair } from '@lmc/central/tls/tls.ts';

export interface LinkTrust {
  tls: TlsPair;
  centralKey: CentralKey;
  /** What an appliance's client takes: the central's public key and the pinned certificate. */
  client: { centralKey: KeyObject; pinnedTlsPem: string };
}

export async function makeLinkTrust(): Promise<LinkTrust> {
  const tls = await generateSelfSignedPair();
  const centralKey = centralKeyFromPrivate(generateKeyPairSync('ed25519').privateKey);
  return { tls, centralKey, client: { centralKey: createPublicKey(centralKey.publicKeyPem), pinnedTlsPem: tls.cert } };
}

/** Pins the central in an appliance data dir, as enrolment does. */
export function pinCentral(dataDir: string, trust: LinkTrust): void {
  saveCentralTrust(dataDir, { publicKeyPem: trust.centralKey.publicKeyPem, tlsPem: trust.tls.cert });
}

/** Files and environment for `central/src/main.ts` serving HTTPS with this pair and signing with this key. */
export function centralTrustEnv(dir: string, trust: LinkTrust): Record<string, string> {
  const certFile = join(dir, 'central-cert.pem');
  const keyFile = join(dir, 'central-key.pem');
  const signingKeyFile = join(dir, 'central-ed25519.key');
  writeFileSync(certFile, trust.tls.cert);
  writeFileSync(keyFile, trust.tls.key, { mode: 0o600 });
  writeFileSync(signingKeyFile, trust.centralKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  return { CENTRAL_TLS_CERT_FILE: certFile, CENTRAL_TLS_KEY_FILE: keyFile, CENTRAL_KEY_FILE: signingKeyFile };
}
