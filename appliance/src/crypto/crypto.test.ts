import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isApplianceError } from '@lmc/core/errors.ts';
import { BLOB_OVERHEAD, type BlobContext, openBlob, sealBlob } from './blob-cipher.ts';
import { dataKeyPath, loadOrCreateDataKey } from './data-key.ts';

const REG_A = '11111111-1111-4111-8111-111111111111';
const REG_B = '22222222-2222-4222-8222-222222222222';
const ctx = (over: Partial<BlobContext> = {}): BlobContext => ({ kind: 'fingerprint-template', registrationId: REG_A, finger: 'right-index', ...over });

describe('data key at rest', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dek-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created once at first start with mode 0600 in a 0700 keys directory, then loaded unchanged', () => {
    const first = loadOrCreateDataKey(dir);
    expect(first.created).toBe(true);
    expect(statSync(dataKeyPath(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    const again = loadOrCreateDataKey(dir);
    expect(again.created).toBe(false);
    expect(again.keyId).toBe(first.keyId);
    // The same key: a blob sealed with the first opens with the second.
    const blob = sealBlob(first, Buffer.from('template bytes'), ctx());
    expect(openBlob(again, blob, ctx()).toString()).toBe('template bytes');
  });

  it('never shows key material when inspected or serialised', () => {
    const key = loadOrCreateDataKey(dir);
    const raw = (JSON.parse(readFileSync(dataKeyPath(dir), 'utf8')) as { key: string }).key;
    const rawHex = Buffer.from(raw, 'base64').toString('hex');
    for (const text of [inspect(key, { depth: 5 }), JSON.stringify(key)]) {
      expect(text).not.toContain(raw);
      expect(text).not.toContain(rawHex);
    }
  });

  it('refuses a damaged key file with DATA_KEY_INVALID instead of replacing it, and names no key bytes', () => {
    loadOrCreateDataKey(dir);
    writeFileSync(dataKeyPath(dir), '{"version":1,"algorithm":"aes-256-gcm","keyId":"00112233445566ff","key":"c2hvcnQ="}');
    const err = (() => {
      try {
        loadOrCreateDataKey(dir);
      } catch (e) {
        return e;
      }
    })();
    expect(isApplianceError(err, 'DATA_KEY_INVALID')).toBe(true);
    expect((err as Error).message).not.toContain('c2hvcnQ=');
    expect(readFileSync(dataKeyPath(dir), 'utf8')).toContain('c2hvcnQ=');
  });

  it('reports a group- or world-readable key file as permissive', () => {
    const { path } = loadOrCreateDataKey(dir);
    expect(loadOrCreateDataKey(dir).permissive).toBe(false);
    chmodSync(path, 0o644);
    expect(loadOrCreateDataKey(dir).permissive).toBe(true);
  });
});

describe('AES-256-GCM blobs bound to their record', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'blob-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips and hides the plaintext', () => {
    const key = loadOrCreateDataKey(dir);
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
  ])('refuses a blob moved to %s with CRYPTO_DECRYPT_FAILED', (_what, over) => {
    const key = loadOrCreateDataKey(dir);
    const blob = sealBlob(key, Buffer.from('secret template'), ctx());
    expect(() => openBlob(key, blob, ctx(over))).toThrow(expect.objectContaining({ code: 'CRYPTO_DECRYPT_FAILED' }));
  });

  it('refuses altered, truncated, foreign-key and unknown-version blobs with coded errors', () => {
    const key = loadOrCreateDataKey(dir);
    const blob = sealBlob(key, Buffer.from('secret template'), ctx());
    const flipped = Buffer.from(blob);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    expect(() => openBlob(key, flipped, ctx())).toThrow(expect.objectContaining({ code: 'CRYPTO_DECRYPT_FAILED' }));
    expect(() => openBlob(key, blob.subarray(0, 20), ctx())).toThrow(expect.objectContaining({ code: 'CRYPTO_BLOB_INVALID' }));
    const v2 = Buffer.from(blob);
    v2[0] = 2;
    expect(() => openBlob(key, v2, ctx())).toThrow(expect.objectContaining({ code: 'CRYPTO_BLOB_INVALID' }));
    const other = loadOrCreateDataKey(join(dir, 'another-appliance'));
    expect(() => openBlob(other, blob, ctx())).toThrow(expect.objectContaining({ code: 'CRYPTO_KEY_MISMATCH' }));
  });
});
