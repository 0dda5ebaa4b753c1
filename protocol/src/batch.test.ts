import { generateKeyPairSync } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash, encodeBatch, verifyBatchSignature } from './batch.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('treats undefined and toJSON exactly as a JSON round trip does', () => {
    const value = { a: undefined, when: new Date('2025-01-02T03:04:05.000Z'), list: [undefined, 1] };
    expect(canonicalJson(value)).toBe(canonicalJson(JSON.parse(JSON.stringify(value))));
    expect(canonicalJson(value)).toBe('{"list":[null,1],"when":"2025-01-02T03:04:05.000Z"}');
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });

  it('hashes any JSON value the same after a wire round trip with reversed key order', () => {
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reverseKeys)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]))
          : v;
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const roundTrip = JSON.parse(JSON.stringify(reverseKeys(v))) as unknown;
        expect(contentHash(roundTrip)).toBe(contentHash(v));
      }),
      { numRuns: 200 },
    );
  });

  it('gives the sha256 of the canonical text (known vector)', () => {
    // sha256('{"a":1}') computed independently: echo -n '{"a":1}' | sha256sum
    expect(contentHash({ a: 1 })).toBe('015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
  });
});

describe('encodeBatch / verifyBatchSignature', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  const record = {
    id: '0b9f0c4e-6a1d-4a57-9c43-1f2e3d4c5b6a',
    officeCode: 'BBR',
    finalizedAt: '2025-03-10T09:30:00+02:00',
    payload: { sex: 'M', returning: true },
  };

  it('produces a gzip JSON body whose records carry the payload hash, signed over the compressed bytes', () => {
    const enc = encodeBatch([record], { deviceId: 'bbr-01', privateKey, batchId: '5d3e7c1a-2b4f-4c6d-8e9f-0a1b2c3d4e5f' });
    const decoded = JSON.parse(gunzipSync(enc.body).toString('utf8'));
    expect(decoded.batchId).toBe('5d3e7c1a-2b4f-4c6d-8e9f-0a1b2c3d4e5f');
    expect(decoded.records[0].contentHash).toBe(contentHash(record.payload));
    expect(decoded.records[0].eventType).toBe('registration.finalized');
    expect(enc.headers['content-encoding']).toBe('gzip');
    expect(verifyBatchSignature(enc.body, enc.headers['x-signature'], publicKey)).toBe(true);
  });

  it('rejects a flipped body byte, another device key, and malformed signatures without throwing', () => {
    const enc = encodeBatch([record], { deviceId: 'bbr-01', privateKey });
    const tampered = Buffer.from(enc.body);
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0x01;
    expect(verifyBatchSignature(tampered, enc.headers['x-signature'], publicKey)).toBe(false);
    expect(verifyBatchSignature(enc.body, enc.headers['x-signature'], other.publicKey)).toBe(false);
    expect(verifyBatchSignature(enc.body, 'not base64!', publicKey)).toBe(false);
    expect(verifyBatchSignature(enc.body, '', publicKey)).toBe(false);
  });

  it('keeps a contentHash given by the caller (so the receiver can detect a stale one)', () => {
    const enc = encodeBatch([{ ...record, contentHash: 'f'.repeat(64) }], { deviceId: 'bbr-01', privateKey });
    expect(enc.batch.records[0]?.contentHash).toBe('f'.repeat(64));
  });
});
