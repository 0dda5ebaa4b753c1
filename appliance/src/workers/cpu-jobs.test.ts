import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { greyImageToPng } from '@lmc/firmware-bridge/fingerprint/image-png.ts';
import { scoreQuality } from '@lmc/firmware-bridge/fingerprint/quality.ts';
import { encodeBatch, verifyBatchSignature } from '@lmc/protocol/batch.ts';
import { registrationSlipPdf } from '../documents/registration-slip.ts';
import { receiptFacts } from '../printing/receipt-facts.ts';
import { finalizedRegistration, testSigner } from '../printing/test-support.ts';
import { encodeBatchInPool, encodeFingerprintPng, renderSlipPdf, scoreFingerprintQuality } from './cpu-jobs.ts';

/** The pool gives the same results as the functions it takes off the event loop, and their coded errors. */
describe('CPU jobs in the pool', () => {
  const ridges = () => {
    const width = 256;
    const height = 288;
    const pixels = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = 128 + Math.round(100 * Math.sin((x + 0.4 * y) / 3));
    return { width, height, pixels };
  };

  it('batch encoding: the same signed bytes and batch as encodeBatch on the event loop', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const records = Array.from({ length: 3 }, (_, i) => ({
      id: `0190a0c0-0000-7000-8000-00000000000${i}`,
      officeCode: 'BBR',
      finalizedAt: '2026-11-23T08:00:00.000Z',
      payload: { sex: 'F', nationality: 'ZWE', n: i },
    }));
    const options = { deviceId: 'apl-1', privateKey, batchId: '5d3e7c1a-2b4f-4c6d-8e9f-0a1b2c3d4e5f', sentAt: new Date('2026-11-23T09:00:00Z') };
    const blobs = [{ blobId: 'b1', data: Buffer.from('sealed bytes') }];
    for (const extra of [{}, { blobs }]) {
      const inline = encodeBatch(records, { ...options, ...extra });
      const pooled = await encodeBatchInPool(records, { ...options, ...extra });
      expect(Buffer.isBuffer(pooled.body)).toBe(true);
      expect(pooled.body.equals(inline.body)).toBe(true);
      // A per-attempt nonce and its signature differ from call to call by design; everything else is the same.
      const fixed = (e: typeof inline) => ({ ...e, headers: Object.fromEntries(Object.entries(e.headers).filter(([k]) => !k.startsWith('x-nonce') && !k.startsWith('x-attempt-'))) });
      expect(fixed(pooled)).toEqual(fixed(inline));
      expect(verifyBatchSignature(pooled.body, pooled.headers['x-signature'], publicKey)).toBe(true);
    }
  }, 60_000);

  it('fingerprint quality and PNG: the same score and bytes; a malformed image is FP_IMAGE_INVALID (4xx), not a crash', async () => {
    const image = ridges();
    expect(await scoreFingerprintQuality(image)).toBe(scoreQuality(image));
    expect((await encodeFingerprintPng(image)).equals(greyImageToPng(image))).toBe(true);
    await expect(scoreFingerprintQuality({ width: 10, height: 10, pixels: new Uint8Array(3) })).rejects.toEqual(expect.objectContaining({ code: 'FP_IMAGE_INVALID' }));
  }, 60_000);

  it('slip PDF: a PDF like the one rendered on the event loop; a bad document photo is DOCUMENT_PHOTO_INVALID from the worker', async () => {
    const facts = receiptFacts(finalizedRegistration(), { officeName: 'Beitbridge Labour Migration Centre', signer: testSigner() });
    const options = { fingerprints: null, generatedAt: '2026-11-23T08:00:00.000Z', deviceId: 'apl-0123456789ab' };
    const pdf = await renderSlipPdf(facts, options);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // pdfkit stamps the creation date, so compare sizes, not bytes.
    expect(Math.abs(pdf.length - (await registrationSlipPdf(facts, options)).length)).toBeLessThan(64);
    await expect(renderSlipPdf(facts, { ...options, documentPhoto: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]) })).rejects.toEqual(
      expect.objectContaining({ code: 'DOCUMENT_PHOTO_INVALID' }),
    );
  }, 60_000);
});
