/**
 * JPEG 2000 faces made displayable (face-display.ts): the committed fixtures (OpenJPEG's encoder, make-face-jp2.ts)
 * decode to the size and, within the loss of the 9/7 wavelet, to the pixels they were made from; the JPEG derived
 * for the screen decodes (jpeg-js) to the same size and close to them; the CPU pool runs it in a worker; absurd
 * sizes, broken boxes and garbage are refused with CHIP_FACE_UNDECODABLE before the decoder sees them, and a
 * corrupt codestream never takes the pool down.
 */
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { FACE_J2K, FACE_JP2 } from '@lmc/firmware-bridge/chip/simulator/face-jp2.fixture.ts';
import { lumaOf, rgbOf } from '@lmc/firmware-bridge/chip/simulator/make-face-jp2.ts';
import { J2K_FACE_SOURCE, JP2_FACE_SOURCE, syntheticFacePixels } from '@lmc/firmware-bridge/chip/simulator/sim-face.ts';
import { createCpuPool } from '../workers/cpu-pool.ts';
import { faceJpegInPool } from '../workers/cpu-jobs.ts';
import { decodeJpeg2000, FACE_DECODE_LIMITS, jpeg2000Header, jpeg2000ToJpeg } from './face-display.ts';

const UNDECODABLE = { code: 'CHIP_FACE_UNDECODABLE' };

/** Mean and largest absolute difference of two sample arrays, over `channels` of every `stride` samples. */
function difference(a: ArrayLike<number>, aStride: number, b: ArrayLike<number>, bStride: number, channels: number): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  const n = a.length / aStride;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) {
      const d = Math.abs((a[i * aStride + c] as number) - (b[i * bStride + c] as number));
      sum += d;
      max = Math.max(max, d);
    }
  }
  return { mean: sum / (n * channels), max };
}

/** The codestream's SIZ Xsiz (offset 8 from SOC) set to `width`. */
function withWidth(codestream: Buffer, width: number): Buffer {
  const b = Buffer.from(codestream);
  b.writeUInt32BE(width, 8);
  return b;
}

describe('JPEG 2000 face → displayable JPEG', () => {
  it('the JP2 fixture (RGB, boxes) decodes to 180×240 and to the pixels it was made from', async () => {
    expect(jpeg2000Header(FACE_JP2)).toMatchObject({ width: 180, height: 240, components: 3, bits: 8, colourSpace: 16 });
    const { width, height, rgba } = await decodeJpeg2000(FACE_JP2);
    expect([width, height]).toEqual([JP2_FACE_SOURCE.width, JP2_FACE_SOURCE.height]);
    const source = rgbOf(syntheticFacePixels(JP2_FACE_SOURCE).data);
    const d = difference(rgba, 4, source, 3, 3);
    expect(d.mean).toBeLessThan(1.5);
    expect(d.max).toBeLessThan(24);
  });

  it('the J2K fixture (grey, bare codestream) decodes to 120×160 and to its luma', async () => {
    expect(jpeg2000Header(FACE_J2K)).toMatchObject({ width: 120, height: 160, components: 1, colourSpace: null });
    const { width, height, rgba } = await decodeJpeg2000(FACE_J2K);
    expect([width, height]).toEqual([J2K_FACE_SOURCE.width, J2K_FACE_SOURCE.height]);
    const d = difference(rgba, 4, lumaOf(syntheticFacePixels(J2K_FACE_SOURCE).data), 1, 1);
    expect(d.mean).toBeLessThan(1.5);
    // Grey: the three channels are equal.
    expect(rgba[0]).toBe(rgba[1]);
  });

  it('the derived JPEG is a baseline JPEG of the same size, close to the source', async () => {
    const { jpeg: out, width, height } = await jpeg2000ToJpeg(FACE_JP2);
    expect(out.subarray(0, 2).toString('hex')).toBe('ffd8');
    const back = jpeg.decode(out, { useTArray: true });
    expect([back.width, back.height, width, height]).toEqual([180, 240, 180, 240]);
    expect(difference(back.data, 4, rgbOf(syntheticFacePixels(JP2_FACE_SOURCE).data), 3, 3).mean).toBeLessThan(4);
  });

  it('refuses before decoding: absurd sizes, too many bytes, a JP2 without codestream, a box past the end, garbage', async () => {
    const codestreamAt = FACE_JP2.indexOf(Buffer.from('ff4fff51', 'hex'));
    const huge = Buffer.concat([FACE_JP2.subarray(0, codestreamAt), withWidth(FACE_JP2.subarray(codestreamAt), 60_000)]);
    await expect(decodeJpeg2000(huge)).rejects.toMatchObject(UNDECODABLE);
    await expect(decodeJpeg2000(withWidth(FACE_J2K, FACE_DECODE_LIMITS.maxSide + 1))).rejects.toMatchObject(UNDECODABLE);
    await expect(decodeJpeg2000(Buffer.alloc(FACE_DECODE_LIMITS.maxBytes + 1))).rejects.toMatchObject(UNDECODABLE);
    await expect(decodeJpeg2000(FACE_JP2.subarray(0, codestreamAt - 8))).rejects.toMatchObject(UNDECODABLE);
    const longBox = Buffer.from(FACE_JP2);
    longBox.writeUInt32BE(0x7fffffff, codestreamAt - 8);
    await expect(decodeJpeg2000(longBox)).rejects.toMatchObject(UNDECODABLE);
    await expect(decodeJpeg2000(Buffer.from('not a JPEG 2000 image at all, only words'))).rejects.toMatchObject(UNDECODABLE);
    const subsampled = Buffer.from(FACE_J2K);
    subsampled[42 + 1] = 2;
    await expect(decodeJpeg2000(subsampled)).rejects.toMatchObject(UNDECODABLE);
  });

  it('a truncated codestream (header intact) is refused by the decoder, not a crash', async () => {
    await expect(decodeJpeg2000(FACE_J2K.subarray(0, 200))).rejects.toMatchObject(UNDECODABLE);
    // The module is still usable afterwards.
    expect((await decodeJpeg2000(FACE_J2K)).width).toBe(120);
  });
});

describe('in the CPU pool (a real worker thread)', () => {
  const pool = createCpuPool({ threads: 1 });
  afterAll(() => pool.close());

  it('converts in the worker, answers a corrupt face with CHIP_FACE_UNDECODABLE and keeps working', async () => {
    const { jpeg: out, width, height } = await faceJpegInPool(FACE_JP2, pool);
    expect([width, height]).toEqual([180, 240]);
    expect(jpeg.decode(out).width).toBe(180);
    await expect(faceJpegInPool(FACE_JP2.subarray(0, 400), pool)).rejects.toMatchObject(UNDECODABLE);
    expect((await faceJpegInPool(FACE_J2K, pool)).width).toBe(120);
    expect(pool.stats().lanes.faces?.completed).toBe(3);
  }, 60_000);
});
