import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isApplianceError } from '@lmc/core/errors.ts';
import { BLOB_OVERHEAD, type BlobContext, openBlob, sealBlob } from './blob-cipher.ts';
import { dataKeyPath, loadOrCreateDataKey } from './data-key.ts';
import { useTempDir } from '@lmc/core/temp-dir-test-support.ts';
import { keyIdOf, newX25519PrivateKey, openPrintV2AtCentral, rawX25519Public } from '@lmc/protocol/print-seal.ts';

const REG_A = '11111111-1111-4111-8111-111111111111';
const REG_B = '22222222-2222-4222-8222-222222222222';
const ctx = (over: Partial<BlobContext> = {}): BlobContext => ({ kind: 'fingerprint-template', registrationId: REG_A, finger: 'right-index', ...over });

describe('data key at rest', () => {
  const tmp = useTempDir('dek-');

  it('is created once at first start with mode 0600 in a 0700 keys directory, then loaded unchanged', () => {
    const first = loadOrCreateDataKey(tmp.dir);
    expect(first.created).toBe(true);
    expect(statSync(dataKeyPath(tmp.dir)).mode & 0o777).toBe(0o600);
    expect(statSync(join(tmp.dir, 'keys')).mode & 0o777).toBe(0o700);
    const again = loadOrCreateDataKey(tmp.dir);
    expect(again.created).toBe(false);
    expect(again.keyId).toBe(first.keyId);
    // The same key: a blob sealed with the first opens with the second.
    const blob = sealBlob(first, Buffer.from('template bytes'), ctx());
    expect(openBlob(again, blob, ctx()).toString()).toBe('template bytes');
  });

  it('never shows key material when inspected or serialised', () => {
    const key = loadOrCreateDataKey(tmp.dir);
    const raw = (JSON.parse(readFileSync(dataKeyPath(tmp.dir), 'utf8')) as { key: string }).key;
    const rawHex = Buffer.from(raw, 'base64').toString('hex');
    for (const text of [inspect(key, { depth: 5 }), JSON.stringify(key)]) {
      expect(text).not.toContain(raw);
      expect(text).not.toContain(rawHex);
    }
  });

  it('refuses a damaged key file with DATA_KEY_INVALID instead of replacing it, and names no key bytes', () => {
    loadOrCreateDataKey(tmp.dir);
    writeFileSync(dataKeyPath(tmp.dir), '{"version":1,"algorithm":"aes-256-gcm","keyId":"00112233445566ff","key":"c2hvcnQ="}');
    const err = (() => {
      try {
        loadOrCreateDataKey(tmp.dir);
      } catch (e) {
        return e;
      }
    })();
    expect(isApplianceError(err, 'DATA_KEY_INVALID')).toBe(true);
    expect((err as Error).message).not.toContain('c2hvcnQ=');
    expect(readFileSync(dataKeyPath(tmp.dir), 'utf8')).toContain('c2hvcnQ=');
  });

  it('reports a group- or world-readable key file as permissive', () => {
    const { path } = loadOrCreateDataKey(tmp.dir);
    expect(loadOrCreateDataKey(tmp.dir).permissive).toBe(false);
    chmodSync(path, 0o644);
    expect(loadOrCreateDataKey(tmp.dir).permissive).toBe(true);
  });
});

describe('AES-256-GCM blobs bound to their record', () => {
  const tmp = useTempDir('blob-');

  it('round-trips and hides the plaintext', () => {
    const key = loadOrCreateDataKey(tmp.dir);
    const plain = Buffer.alloc(512, 0);
    for (let i = 0; i < plain.length; i++) plain[i] = (i * 37) & 0xff;
    const blob = sealBlob(key, plain, ctx());
    expect(blob.length).toBe(plain.length + BLOB_OVERHEAD);
    expect(blob.includes(plain.subarray(0, 16))).toBe(false);
    expect(openBlob(key, blob, ctx()).equals(plain)).toBe(true);
    // A fresh nonce each time: sealing twice never gives the same bytes.
    expect(sealBlob(key, plain, ctx()).equals(blob)).toBe(false);
  });

  it.each([
    ['another registration', { registrationId: REG_B }],
    ['another finger', { finger: 'left-index' }],
    ['another kind', { kind: 'fingerprint-image' as const }],
    ["the chip's face photo", { kind: 'document-face' as const }],
  ])('refuses a blob moved to %s with CRYPTO_DECRYPT_FAILED', (_what, over) => {
    const key = loadOrCreateDataKey(tmp.dir);
    const blob = sealBlob(key, Buffer.from('secret template'), ctx());
    expect(() => openBlob(key, blob, ctx(over))).toThrow(expect.objectContaining({ code: 'CRYPTO_DECRYPT_FAILED' }));
  });

  it('refuses altered, truncated, foreign-key and unknown-version blobs with coded errors', () => {
    const key = loadOrCreateDataKey(tmp.dir);
    const blob = sealBlob(key, Buffer.from('secret template'), ctx());
    const flipped = Buffer.from(blob);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    expect(() => openBlob(key, flipped, ctx())).toThrow(expect.objectContaining({ code: 'CRYPTO_DECRYPT_FAILED' }));
    expect(() => openBlob(key, blob.subarray(0, 20), ctx())).toThrow(expect.objectContaining({ code: 'CRYPTO_BLOB_INVALID' }));
    const v2 = Buffer.from(blob);
    v2[0] = 2;
    expect(() => openBlob(key, v2, ctx())).toThrow(expect.objectContaining({ code: 'CRYPTO_BLOB_INVALID' }));
    const other = loadOrCreateDataKey(join(tmp.dir, 'another-appliance'));
    expect(() => openBlob(other, blob, ctx())).toThrow(expect.objectContaining({ code: 'CRYPTO_KEY_MISMATCH' }));
  });

  it('seals format 2 when the central\'s encryption key is known: the vault and the central open it, a foreign data key does not', async () => {
    const key = loadOrCreateDataKey(tmp.dir);
    const centralKey = newX25519PrivateKey();
    const raw = rawX25519Public(centralKey);
    const central = { keyId: keyIdOf(raw), publicKey: raw };
    const blob = sealBlob(key, Buffer.from('secret template'), ctx(), central);
    expect(blob[0]).toBe(2);
    expect(blob.subarray(1, 9).toString('hex')).toBe(key.keyId);
    expect(openBlob(key, blob, ctx()).toString()).toBe('secret template');
    expect((await openPrintV2AtCentral(new Map([[central.keyId, centralKey]]), blob, ctx())).toString()).toBe('secret template');
    expect(() => openBlob(key, blob, ctx({ finger: 'left-index' }))).toThrow(expect.objectContaining({ code: 'CRYPTO_DECRYPT_FAILED' }));
    expect(() => openBlob(loadOrCreateDataKey(join(tmp.dir, 'elsewhere')), blob, ctx())).toThrow(expect.objectContaining({ code: 'CRYPTO_KEY_MISMATCH' }));
    expect(() => openBlob(key, blob.subarray(0, 100), ctx())).toThrow(expect.objectContaining({ code: 'CRYPTO_BLOB_INVALID' }));
  });

  it("seals the chip's face as its own kind, in format 1 and format 2: it opens only as the face, at the appliance and at the central", async () => {
    const key = loadOrCreateDataKey(tmp.dir);
    const centralKey = newX25519PrivateKey();
    const raw = rawX25519Public(centralKey);
    const face = ctx({ kind: 'document-face', finger: 'dg2' });
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    for (const central of [null, { keyId: keyIdOf(raw), publicKey: raw }]) {
      const blob = sealBlob(key, jpeg, face, central);
      expect(blob[0]).toBe(central ? 2 : 1);
      expect(openBlob(key, blob, face).equals(jpeg)).toBe(true);
      expect(() => openBlob(key, blob, ctx({ kind: 'fingerprint-image', finger: 'dg2' }))).toThrow(expect.objectContaining({ code: 'CRYPTO_DECRYPT_FAILED' }));
      if (central) {
        const keys = new Map([[central.keyId, centralKey]]);
        expect((await openPrintV2AtCentral(keys, blob, face)).equals(jpeg)).toBe(true);
        await expect(openPrintV2AtCentral(keys, blob, ctx({ kind: 'fingerprint-image', finger: 'dg2' }))).rejects.toThrow();
      }
    }
  });
});
