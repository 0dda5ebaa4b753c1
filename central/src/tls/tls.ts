/**
 * The central's TLS certificate and key. In production both come from files (CENTRAL_TLS_CERT_FILE,
 * CENTRAL_TLS_KEY_FILE: the national CA's or an operator's certificate). When neither is set, the
 * central creates a self-signed pair once in <CENTRAL_DATA_DIR>/tls/ (key 0600) and logs its
 * SHA-256 fingerprint, which a technician gives to `enrol` to pin it; `npm start` does this for its
 * development central. Plain HTTP only with CENTRAL_INSECURE_HTTP=true (a TLS-terminating proxy in
 * front, or development).
 *
 * Generation uses `selfsigned` (X.509 via @peculiar/x509): an ECDSA P-256 key, SHA-256 signature,
 * subjectAltName for the given names and addresses, valid for ten years (it is pinned, not trusted
 * through a chain, so expiry protects nothing and would only cut a border post off).
 */
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import { generate } from 'selfsigned';
import { CentralErrorCodes, centralError } from '../errors.ts';

export interface TlsPair {
  cert: string;
  key: string;
}

export const DEFAULT_TLS_NAMES = ['localhost', '127.0.0.1', '::1'];

export async function generateSelfSignedPair(names: readonly string[] = DEFAULT_TLS_NAMES): Promise<TlsPair> {
  const dnsNames = names.filter((n) => isIP(n) === 0);
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: dnsNames[0] ?? names[0] ?? 'zlmc-central' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 24 * 3_600_000),
    notAfterDate: new Date(now.getTime() + 10 * 365 * 24 * 3_600_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((n) => (isIP(n) === 0 ? { type: 2 as const, value: n } : { type: 7 as const, ip: n })) },
    ],
  } as Parameters<typeof generate>[1]);
  return { cert: pems.cert, key: pems.private };
}

/** SHA-256 of the certificate's DER, as `openssl x509 -fingerprint -sha256` prints it (colon-separated hex). */
export function certificateFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** The pair in `dir` (tls/cert.pem, tls/key.pem), created on first use; first writer wins. */
export async function loadOrCreateSelfSigned(dir: string, names: readonly string[] = DEFAULT_TLS_NAMES): Promise<TlsPair & { created: boolean; certFile: string }> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  try {
    return { ...readTlsFiles(certFile, keyFile), created: false, certFile };
  } catch (err) {
    if ((err as { context?: { errno?: string } }).context?.errno !== 'ENOENT') throw err;
  }
  const pair = await generateSelfSignedPair(names);
  mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
  // Key first, certificate last: the certificate file is the marker that the pair is complete.
  writeFileAtomic(keyFile, pair.key, { mode: 0o600 });
  writeFileAtomic(certFile, pair.cert, { mode: 0o644 });
  return { ...pair, created: true, certFile };
}

export function readTlsFiles(certFile: string, keyFile: string): TlsPair {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      const errno = (err as NodeJS.ErrnoException).code;
      throw centralError(CentralErrorCodes.ConfigInvalid, `Cannot read the TLS ${what} ${path} (${errno})`, { path, errno });
    }
  };
  const cert = read(certFile, 'certificate');
  const key = read(keyFile, 'key');
  try {
    new X509Certificate(cert);
  } catch {
    throw centralError(CentralErrorCodes.ConfigInvalid, `The TLS certificate ${certFile} is not a PEM certificate`, { path: certFile });
  }
  return { cert, key };
}
