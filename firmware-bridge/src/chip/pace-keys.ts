/**
 * PACE keys, ICAO 9303-11 §9.7.1 and §9.7.3: KDF(K, c) = H(K ‖ c) with c a 32-bit counter
 * (1 KSenc, 2 KSmac, 3 Kπ); H is SHA-1 for AES-128 (first 16 bytes) and SHA-256 for AES-192/256
 * (first 24 / 32 bytes). With the MRZ as password, K = f(π) = SHA-1(MRZ information), all 20 bytes
 * (the same MRZ information as BAC, bac-keys.ts).
 */
import { createHash } from 'node:crypto';
import { type BacKeyInput, mrzInformation } from './bac-keys.ts';

export type AesKeyBytes = 16 | 24 | 32;

export function paceKdf(secret: Uint8Array, counter: 1 | 2 | 3, keyBytes: AesKeyBytes): Buffer {
  const c = Buffer.alloc(4);
  c.writeUInt32BE(counter);
  const hash = keyBytes === 16 ? 'sha1' : 'sha256';
  return createHash(hash).update(secret).update(c).digest().subarray(0, keyBytes);
}

/** f(π) for the MRZ password: SHA-1 of the MRZ information. */
export function mrzPasswordSecret(input: BacKeyInput): Buffer {
  return createHash('sha1').update(mrzInformation(input), 'latin1').digest();
}

/** Kπ = KDFπ(f(π)) = KDF(f(π), 3). */
export const pacePasswordKey = (input: BacKeyInput, keyBytes: AesKeyBytes): Buffer => paceKdf(mrzPasswordSecret(input), 3, keyBytes);
