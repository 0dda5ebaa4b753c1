/**
 * The simulated chip's AES toolkit (chip side of ICAO 9303-11 §9.7–9.8 after PACE): key derivation,
 * CBC with IV = E(KSenc, SSC), and a CMAC built here from the AES block (RFC 4493 / NIST SP 800-38B) —
 * deliberately not the reader's code (which takes CMAC from @noble/ciphers), so a mistake in either is
 * caught by the other and both are held to Appendix G and RFC 4493.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

const cipherName = (key: Uint8Array, mode: string) => `aes-${key.length * 8}-${mode}`;

/** One AES block, forward. */
function block(key: Uint8Array, b: Uint8Array): Buffer {
  const c = createCipheriv(cipherName(key, 'ecb'), key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(b), c.final()]);
}

export function cbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const c = createCipheriv(cipherName(key, 'cbc'), key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

export function cbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const d = createDecipheriv(cipherName(key, 'cbc'), key, iv);
  d.setAutoPadding(false);
  return Buffer.concat([d.update(data), d.final()]);
}

export const smIv = (ksEnc: Uint8Array, ssc: Uint8Array): Buffer => block(ksEnc, ssc);

/** Doubling in GF(2^128) (RFC 4493 §2.3 subkeys). */
function dbl(b: Buffer): Buffer {
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) out[i] = (((b[i] as number) << 1) | ((b[i + 1] ?? 0) >> 7)) & 0xff;
  if ((b[0] as number) & 0x80) out[15] = (out[15] as number) ^ 0x87;
  return out;
}

/** AES-CMAC, full 16 bytes (RFC 4493 §2.4). */
export function aesCmac(key: Uint8Array, msg: Uint8Array): Buffer {
  const k1 = dbl(block(key, Buffer.alloc(16)));
  const k2 = dbl(k1);
  const n = Math.max(1, Math.ceil(msg.length / 16));
  const complete = msg.length > 0 && msg.length % 16 === 0;
  const last = Buffer.alloc(16);
  const tail = msg.subarray((n - 1) * 16);
  last.set(tail);
  if (!complete) last[tail.length] = 0x80;
  const sub = complete ? k1 : k2;
  for (let i = 0; i < 16; i++) last[i] = (last[i] as number) ^ (sub[i] as number);
  let x: Buffer = Buffer.alloc(16);
  for (let j = 0; j < n; j++) {
    const m = j === n - 1 ? last : msg.subarray(j * 16, j * 16 + 16);
    const y = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) y[i] = (x[i] as number) ^ (m[i] as number);
    x = block(key, y);
  }
  return x;
}

/** 9303-11 §9.7.1 KDF for AES: SHA-1 for 128-bit keys, SHA-256 otherwise, cut to the key length. */
export function aesKdf(secret: Uint8Array, counter: number, keyBytes: number): Buffer {
  const h = createHash(keyBytes === 16 ? 'sha1' : 'sha256');
  return h.update(Buffer.concat([secret, Buffer.from([0, 0, 0, counter])])).digest().subarray(0, keyBytes);
}
