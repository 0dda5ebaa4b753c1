/**
 * The 3DES primitives of Basic Access Control, ICAO 9303-11 §9.7 and §9.8, on node:crypto
 * (two-key 3DES "des-ede-cbc", single DES "des-cbc"/"des-ecb" for the MAC). No hand-written cipher.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

const ZERO_IV = Buffer.alloc(8);

/** Sets the low bit of each byte so the byte has odd parity (DES keys, 9303-11 §9.7.1). */
export function withOddParity(key: Uint8Array): Buffer {
  const out = Buffer.from(key);
  for (let i = 0; i < out.length; i++) {
    const b = (out[i] as number) & 0xfe;
    let ones = 0;
    for (let v = b; v; v >>= 1) ones += v & 1;
    out[i] = b | (ones % 2 === 0 ? 1 : 0);
  }
  return out;
}

/** 9303-11 §9.7.1: KDF(K, c) = first 16 bytes of SHA-1(K ‖ c), parity-adjusted; c = 1 for enc, 2 for MAC. */
export function deriveDesKey(seed: Uint8Array, counter: 1 | 2): Buffer {
  const c = Buffer.alloc(4);
  c.writeUInt32BE(counter);
  const digest = createHash('sha1').update(seed).update(c).digest();
  return withOddParity(digest.subarray(0, 16));
}

/** Two-key 3DES in CBC mode with a zero IV, no padding (9303-11 §9.8.6.1). */
export function tdesEncrypt(key: Uint8Array, data: Uint8Array, iv: Uint8Array = ZERO_IV): Buffer {
  const c = createCipheriv('des-ede-cbc', key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

export function tdesDecrypt(key: Uint8Array, data: Uint8Array, iv: Uint8Array = ZERO_IV): Buffer {
  const d = createDecipheriv('des-ede-cbc', key, iv);
  d.setAutoPadding(false);
  return Buffer.concat([d.update(data), d.final()]);
}

/** ISO/IEC 9797-1 padding method 2: 0x80 then zeros to a multiple of the block (8 for 3DES, 16 for AES). */
export function padIso9797m2(data: Uint8Array, block = 8): Buffer {
  const padLen = block - (data.length % block);
  const out = Buffer.alloc(data.length + padLen);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** Strips padding method 2; null when the padding is malformed. */
export function unpadIso9797m2(data: Uint8Array, block = 8): Buffer | null {
  let i = data.length - 1;
  while (i >= 0 && data[i] === 0) i--;
  if (i < 0 || data[i] !== 0x80 || data.length - i > block) return null;
  return Buffer.from(data.subarray(0, i));
}

/**
 * ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC") with DES, padding method 2 (9303-11 §9.8.6.2):
 * single-DES CBC under Ka over every block but the last, then the last block through 3DES (Ka, Kb).
 * OpenSSL 3 keeps single DES in its legacy provider, so single DES is 3DES with Ka ‖ Ka (E·D·E = E).
 */
export function retailMac(key: Uint8Array, data: Uint8Array): Buffer {
  const ka = key.subarray(0, 8);
  const padded = padIso9797m2(data);
  const head = padded.subarray(0, padded.length - 8);
  const chain = head.length === 0 ? ZERO_IV : tdesEncrypt(Buffer.concat([ka, ka]), head).subarray(head.length - 8);
  return tdesEncrypt(key.subarray(0, 16), padded.subarray(padded.length - 8), chain);
}
