import bwipjs from 'bwip-js';
import jpeg from 'jpeg-js';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { jpegDecodeBytes, type JpegHeader, readImageHeader } from './image-header.ts';
import { decodeToLuminance, type Luminance, readLuminance } from './image-luminance.ts';
import { luma, overWhite } from './luminance-sink.ts';
import { encodePng, type PngSpec, pngBomb, pngChunk, pngIhdr, pngToGrey } from './test-images.ts';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Both decoders, the in-process one and the worker's streaming one, must agree on everything. */
async function bothWays(bytes: Buffer): Promise<Luminance> {
  const sync = decodeToLuminance(bytes);
  const streamed = await readLuminance(bytes);
  expect(streamed).toEqual(sync);
  return sync;
}

async function refusedBothWays(bytes: Buffer, errorCode: string, message?: RegExp): Promise<void> {
  const expected = expect.objectContaining({ code: errorCode, ...(message ? { message: expect.stringMatching(message) } : {}) });
  expect(() => decodeToLuminance(bytes)).toThrow(expected);
  await expect(readLuminance(bytes)).rejects.toEqual(expected);
}

/** Deterministic pixel pattern in a given bit depth: gradients plus a hash, so neighbouring rows differ. */
const sample = (x: number, y: number, k: number, max: number) => (x * 37 + y * 101 + k * 59 + ((x * y) % 13) * 17) % (max + 1);

/** What the decoder must produce for one pixel, from the samples the encoder wrote (§12.2 alpha over white paper). */
function expectedGrey(spec: PngSpec, s: number[]): number {
  const to8 = (v: number) => (spec.bitDepth === 16 ? v >> 8 : spec.bitDepth < 8 ? ((v * 255) / ((1 << spec.bitDepth) - 1)) | 0 : v);
  switch (spec.colorType) {
    case 0:
      return spec.trns && ((spec.trns[0]! << 8) | spec.trns[1]!) === s[0] ? 255 : to8(s[0]!);
    case 2:
      return spec.trns && [0, 1, 2].every((k) => ((spec.trns![2 * k]! << 8) | spec.trns![2 * k + 1]!) === s[k]) ? 255 : luma(to8(s[0]!), to8(s[1]!), to8(s[2]!));
    case 3: {
      const [r, g, b] = spec.palette![s[0]!]!;
      return overWhite(luma(r, g, b), spec.trns?.[s[0]!] ?? 255);
    }
    case 4:
      return overWhite(to8(s[0]!), to8(s[1]!));
    default:
      return overWhite(luma(to8(s[0]!), to8(s[1]!), to8(s[2]!)), to8(s[3]!));
  }
}

function specFor(colorType: PngSpec['colorType'], bitDepth: PngSpec['bitDepth'], interlace: 0 | 1): PngSpec {
  const max = (1 << bitDepth) - 1;
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  const spec: PngSpec = { width: 37, height: 23, colorType, bitDepth, interlace, pixel: (x, y) => Array.from({ length: channels }, (_, k) => sample(x, y, k, max)) };
  if (colorType === 3) {
    spec.palette = Array.from({ length: max + 1 }, (_, i) => [(i * 53) % 256, (i * 97) % 256, (i * 31) % 256] as [number, number, number]);
    spec.trns = Array.from({ length: Math.min(max + 1, 7) }, (_, i) => i * 40); // a partial tRNS: the rest are opaque
  }
  if (colorType === 0 && bitDepth <= 8) spec.trns = [0, sample(3, 2, 0, max)];
  // One colour is transparent (tRNS of grey and RGB images: a 16-bit sample value per channel), the one at (5, 5).
  if (colorType === 2 && bitDepth === 16) spec.trns = [0, 1, 2].flatMap((k) => [sample(5, 5, k, max) >> 8, sample(5, 5, k, max) & 255]);
  return spec;
}

describe('PNG scanline decoder (every colour type, bit depth, filter and interlacing)', () => {
  const cases: [PngSpec['colorType'], PngSpec['bitDepth']][] = [
    [0, 1], [0, 2], [0, 4], [0, 8], [0, 16],
    [2, 8], [2, 16],
    [3, 1], [3, 2], [3, 4], [3, 8],
    [4, 8], [4, 16],
    [6, 8], [6, 16],
  ];
  for (const interlace of [0, 1] as const) {
    it.each(cases)(`colour type %i, %i bits${interlace ? ', Adam7' : ''}: every pixel as the spec says`, async (colorType, bitDepth) => {
      const spec = specFor(colorType, bitDepth, interlace);
      const img = await bothWays(encodePng(spec));
      expect([img.width, img.height]).toEqual([spec.width, spec.height]);
      const want = Array.from({ length: spec.width * spec.height }, (_, i) => expectedGrey(spec, spec.pixel(i % spec.width, Math.floor(i / spec.width))));
      expect(Array.from(img.data)).toEqual(want);
    });
  }

  it('reads what the project\'s own encoders write (qrcode, bwip-js) exactly as pngjs does', async () => {
    for (const png of [
      await QRCode.toBuffer('ZLMCJOB1;LP-2231', { type: 'png', margin: 4, scale: 4 }),
      await bwipjs.toBuffer({ bcid: 'pdf417', text: 'ANSI 636000', scale: 2, paddingwidth: 10, paddingheight: 10 }),
    ]) {
      const reference = pngToGrey(png);
      const img = await bothWays(png);
      const maxDiff = Math.max(...Array.from(img.data, (v, i) => Math.abs(v - reference.data[i]!)));
      expect(maxDiff).toBeLessThanOrEqual(1); // integer vs float rounding of the BT.601 weights
    }
  });

  it('box-averages while decoding: longest side to at most 2000 px, the edge boxes averaged over what they hold', async () => {
    const spec: PngSpec = { width: 4100, height: 7, colorType: 0, bitDepth: 8, pixel: (x) => [x % 3 === 0 ? 0 : 255] };
    const img = await bothWays(encodePng(spec));
    expect([img.width, img.height]).toEqual([1367, 3]); // factor 3: ⌈4100/3⌉ × ⌈7/3⌉
    expect(img.data[0]).toBe(170); // (0 + 255 + 255) / 3
    expect(img.data[1366]).toBe(128); // the last box holds x = 4098, 4099 only: (0 + 255) / 2
    expect(img.data[2 * 1367]).toBe(170); // the last row of boxes holds one source row
  });

  it('refuses truncated and damaged files with BARCODE_IMAGE_INVALID, wherever they are cut', async () => {
    const png = encodePng(specFor(6, 8, 0));
    // (A file cut inside the last CRC or IEND still holds every pixel: it is read.)
    for (const cut of [8, 20, 33, 40, png.length - 60, png.length - 17]) {
      await refusedBothWays(png.subarray(0, cut), 'BARCODE_IMAGE_INVALID', /PNG image is (damaged|truncated)/);
    }
    const rows = (firstFilter: number) => deflateSync(Buffer.from([firstFilter, 9, 9, 9, 9, 0, 9, 9, 9, 9]));
    const png4x2 = (idat: Buffer) => Buffer.concat([SIGNATURE, pngIhdr(4, 2), pngChunk('IDAT', idat), pngChunk('IEND')]);
    expect(Array.from(decodeToLuminance(png4x2(rows(0))).data)).toEqual([9, 9, 9, 9, 9, 9, 9, 9]);
    const withBadFilter = png4x2(rows(5)); // filter type 5 does not exist
    await refusedBothWays(withBadFilter, 'BARCODE_IMAGE_INVALID', /unknown row filter 5/);
    const notZlib = Buffer.concat([SIGNATURE, pngIhdr(4, 2), pngChunk('IDAT', Buffer.from('not zlib at all')), pngChunk('IEND')]);
    await refusedBothWays(notZlib, 'BARCODE_IMAGE_INVALID', /compressed image data is broken/);
    await refusedBothWays(Buffer.concat([SIGNATURE, pngIhdr(4, 2, 8, 1)]), 'BARCODE_IMAGE_INVALID', /invalid header/); // colour type 1
    await refusedBothWays(Buffer.concat([SIGNATURE, pngIhdr(4, 2, 3, 0)]), 'BARCODE_IMAGE_INVALID', /invalid header/); // 3-bit grey
    await refusedBothWays(Buffer.concat([SIGNATURE, pngIhdr(0, 2)]), 'BARCODE_IMAGE_INVALID', /empty/);
    await refusedBothWays(Buffer.concat([SIGNATURE, pngIhdr(4, 2, 8, 3), pngChunk('IEND')]), 'BARCODE_IMAGE_INVALID', /PLTE|no image data/);
    await refusedBothWays(Buffer.from('GIF89a not a png'), 'BARCODE_IMAGE_INVALID', /not a PNG or JPEG/);
  });
});

describe('size from the header, before any pixel', () => {
  it('refuses more than 40 megapixels, or more than 20 000 px a side, from IHDR alone (the pixel data is never read)', async () => {
    // The IDAT is not even zlib: had the decoder started on it, the answer would be "damaged", not "too large".
    const claim = (w: number, h: number) => Buffer.concat([SIGNATURE, pngIhdr(w, h, 8, 6), pngChunk('IDAT', Buffer.from('junk')), pngChunk('IEND')]);
    await refusedBothWays(claim(7000, 7000), 'BARCODE_IMAGE_TOO_LARGE', /too large \(7000×7000\).*40 megapixels/);
    await refusedBothWays(claim(30_000, 10), 'BARCODE_IMAGE_TOO_LARGE', /20000 pixels a side/);
    await refusedBothWays(claim(0xffffffff, 0xffffffff), 'BARCODE_IMAGE_TOO_LARGE');
    expect(readImageHeader(claim(6000, 6000))).toMatchObject({ format: 'png', width: 6000, height: 6000, colorType: 6 });
  });

  it('a 6000×6000 bomb under the cap is read a row at a time: downscaled to 2000×2000, memory far below its 144 MB of RGBA', async () => {
    const bomb = await pngBomb(6000, 6000, 6);
    expect(bomb.length).toBeLessThan(200_000);
    const base = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
    }, 2);
    try {
      const img = await readLuminance(bomb);
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
      expect([img.width, img.height]).toEqual([2000, 2000]);
      expect(img.data.every((v) => v === 255)).toBe(true); // transparent black over white paper
    } finally {
      clearInterval(sampler);
    }
    // A full decode holds the 144 MB inflated stream and (pngjs) another 144 MB of RGBA. Streaming keeps a
    // row and the 4 MB plane; what is measured above that is zlib's 256 KiB pieces waiting for the GC.
    expect(peak).toBeLessThan(100 * 1024 * 1024);
  });

  it('reads JPEG dimensions and sampling from SOF0 and refuses oversized frames before jpeg-js allocates', async () => {
    const data = Buffer.alloc(64 * 48 * 4, 200);
    const small = Buffer.from(jpeg.encode({ data, width: 64, height: 48 }, 90).data);
    const header = readImageHeader(small) as JpegHeader;
    expect(header).toMatchObject({ format: 'jpeg', width: 64, height: 48, sof: 0xc0, components: [{ h: 1, v: 1 }, { h: 1, v: 1 }, { h: 1, v: 1 }] });
    expect((await bothWays(small)).width).toBe(64);

    const sof = small.indexOf(Buffer.from([0xff, 0xc0]));
    const claim = (w: number, h: number) => {
      const patched = Buffer.from(small);
      patched.writeUInt16BE(h, sof + 5);
      patched.writeUInt16BE(w, sof + 7);
      return patched;
    };
    await refusedBothWays(claim(9000, 9000), 'BARCODE_IMAGE_TOO_LARGE', /9000×9000/);
    // Under the pixel cap but a bomb for jpeg-js (4:4:4, ~500 MB of DCT blocks): refused from the estimate, at once.
    expect(jpegDecodeBytes(readImageHeader(claim(6000, 6000)) as JpegHeader)).toBeGreaterThan(400 * 1024 * 1024);
    const t0 = performance.now();
    await refusedBothWays(claim(6000, 6000), 'BARCODE_IMAGE_TOO_LARGE', /6000×6000/);
    expect(performance.now() - t0).toBeLessThan(500);

    await refusedBothWays(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2]), 'BARCODE_IMAGE_INVALID', /no frame header/);
    await refusedBothWays(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'BARCODE_IMAGE_INVALID', /JPEG image is damaged or truncated/);
    await refusedBothWays(small.subarray(0, sof + 6), 'BARCODE_IMAGE_INVALID', /truncated/);
    await refusedBothWays(claim(64, 0), 'BARCODE_IMAGE_INVALID', /DNL/);
  });
});
