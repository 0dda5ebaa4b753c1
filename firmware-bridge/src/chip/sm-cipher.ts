/**
 * The cipher suites of secure messaging (9303-11 §9.8.6–9.8.7): what the SM framing of
 * secure-messaging.ts needs of a cipher. 3DES (after BAC): CBC with a zero IV, ISO/IEC 9797-1 MAC
 * algorithm 3, 8-byte blocks. AES (after PACE with an AES protocol): CBC with IV = E(KSenc, SSC),
 * AES-CMAC truncated to 8 bytes, 16-byte blocks. AES through node:crypto, CMAC through @noble/ciphers.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { cmac } from '@noble/ciphers/aes.js';
import { padIso9797m2, retailMac, tdesDecrypt, tdesEncrypt } from './des.ts';

export interface SmCipher {
  /** Block length: padding of data and MAC input. */
  readonly block: 8 | 16;
  /** Encrypts whole blocks of a command's (or response's) data under the SSC of that message. */
  encrypt(data: Uint8Array, ssc: Buffer): Buffer;
  decrypt(data: Uint8Array, ssc: Buffer): Buffer;
  /** The 8-byte cryptographic checksum over SSC ‖ data (the function pads). */
  mac(data: Uint8Array): Buffer;
}

export function tdesSm(ksEnc: Buffer, ksMac: Buffer): SmCipher {
  return {
    block: 8,
    encrypt: (data) => tdesEncrypt(ksEnc, data),
    decrypt: (data) => tdesDecrypt(ksEnc, data),
    mac: (data) => retailMac(ksMac, data),
  };
}

const aesName = (key: Uint8Array, mode: 'cbc' | 'ecb') => {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new RangeError(`AES key of ${key.length} bytes`);
  return `aes-${key.length * 8}-${mode}`;
};

/** AES-CBC without padding; `iv` null means ECB (one block, the SM IV). */
export function aesCrypt(decrypt: boolean, key: Uint8Array, data: Uint8Array, iv: Uint8Array | null): Buffer {
  const c = decrypt ? createDecipheriv(aesName(key, iv ? 'cbc' : 'ecb'), key, iv) : createCipheriv(aesName(key, iv ? 'cbc' : 'ecb'), key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

/** AES-CMAC (NIST SP 800-38B) truncated to 8 bytes: the SM checksum and the PACE authentication token (9303-11 §9.4.3). */
export const cmac8 = (key: Uint8Array, data: Uint8Array): Buffer => Buffer.from(cmac(data, key)).subarray(0, 8);

export function aesSm(ksEnc: Buffer, ksMac: Buffer): SmCipher {
  const iv = (ssc: Buffer) => aesCrypt(false, ksEnc, ssc, null);
  return {
    block: 16,
    encrypt: (data, ssc) => aesCrypt(false, ksEnc, data, iv(ssc)),
    decrypt: (data, ssc) => aesCrypt(true, ksEnc, data, iv(ssc)),
    mac: (data) => cmac8(ksMac, padIso9797m2(data, 16)),
  };
}
