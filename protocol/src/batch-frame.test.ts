import { createHash, generateKeyPairSync } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBatch, verifyBatchSignature } from './batch.ts';
import { blobRefs, CONTENT_TYPE_BINARY_BATCH, decodeFrame, encodeFrame, FrameError } from './batch-frame.ts';

const json = Buffer.from('1f8b', 'hex');

describe('binary batch frame', () => {
  it('lays out magic, gzip JSON length, JSON, blob count, then id, sha256, length and raw bytes per blob', () => {
    const frame = encodeFrame(json, [{ blobId: 'ab', data: Buffer.from([0xde, 0xad]) }]);
    // "ZLB2" | u32 2 | 1f 8b | u32 1 | u8 2 "ab" | sha256(dead) | u32 2 | de ad
    const sha = createHash('sha256').update(Buffer.from([0xde, 0xad])).digest('hex');
    expect(frame.toString('hex')).toBe(`5a4c4232000000021f8b00000001026162${sha}00000002dead`);
    expect(decodeFrame(frame)).toEqual({ gzipJson: json, blobs: [{ blobId: 'ab', sha256: sha, data: Buffer.from([0xde, 0xad]) }] });
  });

  it('refuses a bad magic, a short frame, a changed blob byte, a repeated id and trailing bytes, each by name', () => {
    const frame = encodeFrame(json, [{ blobId: 'x', data: Buffer.from('blob') }]);
    const reason = (b: Buffer) => {
      try {
        decodeFrame(b);
        return 'accepted';
      } catch (err) {
        return err instanceof FrameError ? err.reason : `other: ${(err as Error).message}`;
      }
    };
    const flipped = Buffer.from(frame);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 1) ^ 1, flipped.length - 1);
    const twice = encodeFrame(json, [{ blobId: 'x', data: Buffer.from('a') }]);
    const doubled = Buffer.concat([twice.subarray(0, 10), Buffer.from([0, 0, 0, 2]), twice.subarray(14), twice.subarray(14)]);
    expect([
      reason(Buffer.concat([Buffer.from('ZLB1'), frame.subarray(4)])),
      reason(frame.subarray(0, frame.length - 1)),
      reason(flipped),
      reason(doubled),
      reason(Buffer.concat([frame, Buffer.of(0)])),
    ]).toEqual(['bad-magic', 'truncated', 'sha256-mismatch', 'duplicate-blob', 'trailing-bytes']);
  });

  it('never throws anything but a FrameError on arbitrary bytes after the magic', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        try {
          decodeFrame(Buffer.concat([Buffer.from('ZLB2'), Buffer.from(tail)]));
        } catch (err) {
          expect(err).toBeInstanceOf(FrameError);
        }
      }),
    );
  });

  it('encodeBatch sends the frame, signed over every byte, only when there are blobs', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const record = { id: '0b0e8a2c-7f4e-4f0b-9d5b-3b7c1f0a9e11', officeCode: 'BBR', finalizedAt: '2025-03-10T09:30:00+02:00', payload: { biometrics: [{ blobId: 'b1', sha256: 'a'.repeat(64), bytes: 3 }] } };
    const plain = encodeBatch([record], { deviceId: 'd', privateKey });
    expect(plain.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(plain.body).toString()).records).toHaveLength(1);
    const framed = encodeBatch([record], { deviceId: 'd', privateKey, blobs: [{ blobId: 'b1', data: Buffer.from('abc') }] });
    expect(framed.headers['content-type']).toBe(CONTENT_TYPE_BINARY_BATCH);
    expect(framed.headers['content-encoding']).toBeUndefined();
    expect(verifyBatchSignature(framed.body, framed.headers['x-signature'], publicKey)).toBe(true);
    const decoded = decodeFrame(framed.body);
    expect(JSON.parse(gunzipSync(decoded.gzipJson).toString()).batchId).toBe(framed.batch.batchId);
    expect(decoded.blobs.map((b) => b.data.toString())).toEqual(['abc']);
    expect(blobRefs(record.payload)).toEqual([{ blobId: 'b1', sha256: 'a'.repeat(64), bytes: 3 }]);
  });
});
