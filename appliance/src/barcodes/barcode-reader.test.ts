import { monitorEventLoopDelay } from 'node:perf_hooks';
import jpeg from 'jpeg-js';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuPool } from '../workers/cpu-pool.ts';
import { type BarcodeReader, createBarcodeReader } from './barcode-reader.ts';
import { greyToPng, placeOn, pngBomb, pngChunk, pngIhdr, pngToGrey, rotate } from './test-images.ts';

const TEXT = 'ZLMCJOB1;LP-2231;Tshipise Citrus;Farm worker;2027-01-31';
const code = (c: string) => expect.objectContaining({ code: c });
/** Generous: the CI box has two loaded cores. The tight goal (< 50 ms) is the benchmark's (tests/bench/barcode-load.ts). */
const LOOP_P99_LIMIT_MS = 200;

async function photoJpeg(): Promise<Buffer> {
  const qr = pngToGrey(await QRCode.toBuffer(TEXT, { type: 'png', margin: 4, scale: 5 }));
  const grey = placeOn(rotate(qr, 12), 1280, 960, 500, 300);
  const rgba = Buffer.alloc(grey.width * grey.height * 4);
  for (let i = 0; i < grey.data.length; i++) rgba.fill(grey.data[i] ?? 255, i * 4, i * 4 + 3).writeUInt8(255, i * 4 + 3);
  return Buffer.from(jpeg.encode({ data: rgba, width: grey.width, height: grey.height }, 85).data);
}

/** Runs `work` while sampling the event loop's delay; p99 and max in ms. */
async function loopDelayDuring<T>(work: () => Promise<T>): Promise<{ result: T; p99: number; max: number }> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  try {
    const result = await work();
    return { result, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
  } finally {
    h.disable();
  }
}

describe('barcode reader (a lane of the CPU pool: bounded queue, time limit)', () => {
  let reader: BarcodeReader;
  let bomb: Buffer;
  beforeAll(async () => {
    // Long limits here: this block is about the queue and the event loop, not about timing out on a slow box.
    reader = createBarcodeReader({ maxWaitMs: 120_000, timeLimitMs: 60_000 });
    bomb = await pngBomb(6000, 6000);
  });
  afterAll(() => reader.close());

  it('reads a QR code from a PNG and from a JPEG photo in the worker', async () => {
    const png = await QRCode.toBuffer(TEXT, { type: 'png', margin: 4, scale: 4 });
    expect(await reader.decode(png)).toEqual({ format: 'QR_CODE', text: TEXT });
    expect(await reader.decode(await photoJpeg())).toEqual({ format: 'QR_CODE', text: TEXT });
  });

  it('brings the coded errors back from the worker: not an image, too large, nothing readable', async () => {
    await expect(reader.decode(Buffer.from('definitely not an image'))).rejects.toEqual(code('BARCODE_IMAGE_INVALID'));
    const claim = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngIhdr(9000, 9000), pngChunk('IEND')]);
    await expect(reader.decode(claim)).rejects.toEqual(expect.objectContaining({ code: 'BARCODE_IMAGE_TOO_LARGE', message: expect.stringMatching(/9000×9000/) }));
    await expect(reader.decode(greyToPng({ data: new Uint8ClampedArray(300 * 200).fill(255), width: 300, height: 200 }))).rejects.toEqual(
      code('BARCODE_NOT_FOUND'),
    );
  });

  it('8 concurrent 6000×6000 bombs: one runs, four wait, three are refused at once (BARCODE_BUSY); the event loop stays free', async () => {
    expect(bomb.length).toBeLessThan(48 * 1024); // the attacker's file size
    const { result, p99, max } = await loopDelayDuring(() => Promise.allSettled(Array.from({ length: 8 }, () => reader.decode(bomb))));
    const codes = result.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'decoded'));
    // The five taken are downscaled to 2000×2000 and scanned: nothing there.
    expect(codes).toEqual([...Array(5).fill('BARCODE_NOT_FOUND'), ...Array(3).fill('BARCODE_BUSY')]);
    const busy = (result[7] as PromiseRejectedResult).reason as { message: string; context: { retryAfterS: number } };
    expect(busy.message).toMatch(/busy \(4 images waiting\): try again in 60 s/);
    expect(busy.context.retryAfterS).toBe(60);
    expect(p99, `event-loop delay p99 ${p99.toFixed(1)} ms (max ${max.toFixed(1)} ms)`).toBeLessThan(LOOP_P99_LIMIT_MS);
    expect(reader.stats()).toMatchObject({ running: 0, waiting: 0 });
  }, 120_000);
});

describe('barcode reader limits', () => {
  it('stops a job at its time limit with BARCODE_TIMEOUT, and the next job gets a fresh worker', async () => {
    const reader = createBarcodeReader({ timeLimitMs: 150 });
    try {
      const bomb = await pngBomb(6000, 6000); // ~0.5–2 s of decoding and scanning: always over 150 ms
      await expect(reader.decode(bomb)).rejects.toEqual(
        expect.objectContaining({ code: 'BARCODE_TIMEOUT', message: expect.stringMatching(/longer than 0.15 s/) }),
      );
      expect(reader.stats().timedOut).toBe(1);
      // The fresh worker loads tsx and zxing before it starts: that is not counted against the job. An answer
      // from the header check (microseconds) shows a new worker took the job.
      await expect(reader.decode(Buffer.from('not an image'))).rejects.toEqual(code('BARCODE_IMAGE_INVALID'));
    } finally {
      await reader.close();
    }
  }, 120_000);

  it('refuses a job that waited longer than maxWaitMs behind a slow one with BARCODE_BUSY', async () => {
    const reader = createBarcodeReader({ maxWaitMs: 50, timeLimitMs: 60_000 });
    try {
      const bomb = await pngBomb(6000, 6000);
      const [first, second] = await Promise.allSettled([reader.decode(bomb), reader.decode(bomb)]);
      expect(first).toMatchObject({ status: 'rejected', reason: code('BARCODE_NOT_FOUND') });
      expect(second).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ code: 'BARCODE_BUSY', message: expect.stringMatching(/waited 0.05 s/) }) });
    } finally {
      await reader.close();
    }
  }, 120_000);

  it('a job that runs the worker out of its heap is BARCODE_IMAGE_TOO_LARGE, and the next job gets a fresh worker', async () => {
    // A pool of its own: the heap bound is the pool's, and this one is small.
    const pool = createCpuPool({ maxHeapMb: 32, threads: 1 });
    const reader = createBarcodeReader({ pool });
    try {
      // jpeg-js keeps an Int32Array per DCT block: a 6 MP 4:4:4 JPEG needs ~280 000 of them on the heap.
      const grey = Buffer.alloc(3000 * 2000 * 4, 128);
      const big = Buffer.from(jpeg.encode({ data: grey, width: 3000, height: 2000 }, 80).data);
      await expect(reader.decode(big)).rejects.toEqual(
        expect.objectContaining({ code: 'BARCODE_IMAGE_TOO_LARGE', message: expect.stringMatching(/more memory than the barcode reader may use/) }),
      );
      expect(await reader.decode(await QRCode.toBuffer(TEXT, { type: 'png', margin: 4, scale: 2 }))).toEqual({ format: 'QR_CODE', text: TEXT });
    } finally {
      await pool.close();
    }
  }, 120_000);

  it('close() refuses waiting jobs and later ones with BARCODE_READER_UNAVAILABLE and ends the worker', async () => {
    const reader = createBarcodeReader();
    const bomb = await pngBomb(3000, 3000);
    const jobs = [reader.decode(bomb), reader.decode(bomb), reader.decode(bomb)].map((p) => p.catch((err: unknown) => err));
    await reader.close();
    for (const outcome of await Promise.all(jobs)) expect(outcome).toEqual(code('BARCODE_READER_UNAVAILABLE'));
    await expect(reader.decode(bomb)).rejects.toEqual(code('BARCODE_READER_UNAVAILABLE'));
    await reader.close(); // idempotent
  });
});
