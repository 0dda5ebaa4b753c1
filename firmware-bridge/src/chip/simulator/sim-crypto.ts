/**
 * The simulated chip's own 3DES toolkit (chip side of ICAO 9303-11 §9.7–9.8). Deliberately not the
 * reader's code: both are held to the Appendix D vectors, so a shared bug cannot pass both tests.
 * Single DES is 3DES with a repeated key (OpenSSL 3 has no plain DES outside its legacy provider).
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

const IV0 = new Uint8Array(8);

function run(decrypt: boolean, key: Uint8Array, data: Uint8Array, iv: Uint8Array = IV0): Buffer {
  const k = key.length === 8 ? Buffer.concat([key, key]) : key;
  const c = decrypt ? createDecipheriv('des-ede-cbc', k, iv) : createCipheriv('des-ede-cbc', k, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

export const encrypt3 = (key: Uint8Array, data: Uint8Array) => run(false, key, data);
export const decrypt3 = (key: Uint8Array, data: Uint8Array) => run(true, key, data);

export function pad(data: Uint8Array, block = 8): Buffer {
  const n = Math.ceil((data.length + 1) / block) * block;
  const out = Buffer.alloc(n);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

export function unpad(data: Buffer): Buffer {
  const at = data.lastIndexOf(0x80);
  return data.subarray(0, at < 0 ? data.length : at);
}

/** Retail MAC, computed block by block: DES-CBC with Ka, then DES⁻¹ with Kb and DES with Ka on the result. */
export function mac(key: Uint8Array, data: Uint8Array): Buffer {
  const ka = key.subarray(0, 8);
  const kb = key.subarray(8, 16);
  const m = pad(data);
  let y: Buffer = Buffer.alloc(8);
  for (let i = 0; i < m.length; i += 8) {
    const x = Buffer.alloc(8);
    for (let j = 0; j < 8; j++) x[j] = (y[j] as number) ^ (m[i + j] as number);
    y = run(false, ka, x);
  }
  return run(false, ka, run(true, kb, y));
}

/** 9303-11 §9.7.1 key derivation, parity set from a popcount table. */
export function kdf(seed: Uint8Array, c: number): Buffer {
  const d = createHash('sha1').update(Buffer.concat([seed, Buffer.from([0, 0, 0, c])])).digest();
  const k = Buffer.from(d.subarray(0, 16));
  for (let i = 0; i < 16; i++) {
    const v = k[i] as number;
    const bits = v.toString(2).slice(0, -1).split('').filter((b) => b === '1').length;
    k[i] = (v & 0xfe) | (bits % 2 ? 0 : 1);
  }
  return k;
}

const WEIGHT = [7, 3, 1];
const digit = (s: string) =>
  [...s].reduce((sum, ch, i) => sum + (ch === '<' ? 0 : /\d/.test(ch) ? Number(ch) : ch.charCodeAt(0) - 55) * (WEIGHT[i % 3] as number), 0) % 10;

/** SHA-1 of the MRZ information (document number, birth, expiry with check digits): BAC K_seed is its first 16 bytes, PACE's f(π) all 20. */
export function mrzDigest(documentNumber: string, birth: string, expiry: string): Buffer {
  const doc = documentNumber.padEnd(9, '<');
  const info = `${doc}${digit(doc)}${birth}${digit(birth)}${expiry}${digit(expiry)}`;
  return createHash('sha1').update(info).digest();
}

/** K_enc ‖ K_mac of the chip from the MRZ fields printed on its data page. */
export function chipAccessKeys(documentNumber: string, birth: string, expiry: string): { enc: Buffer; mac: Buffer } {
  const seed = mrzDigest(documentNumber, birth, expiry).subarray(0, 16);
  return { enc: kdf(seed, 1), mac: kdf(seed, 2) };
}
