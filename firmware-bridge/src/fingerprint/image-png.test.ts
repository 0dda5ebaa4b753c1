import { thrownCode } from '@lmc/core/error-test-support.ts';
import { describe, expect, it } from 'vitest';
import { renderCapture } from '../zfm/zfm-sim-fingers.ts';
import { greyImageToPng, pngToGreyImage } from './image-png.ts';

describe('grey image ↔ PNG', () => {
  it('writes an 8-bit greyscale PNG that reads back pixel for pixel', () => {
    const image = renderCapture('png-person', 'left-index', '1');
    const png = greyImageToPng(image);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    // IHDR: bit depth 8 (byte 24), colour type 0 = greyscale (byte 25).
    expect(png[24]).toBe(8);
    expect(png[25]).toBe(0);
    const back = pngToGreyImage(png);
    expect(back.width).toBe(256);
    expect(back.height).toBe(288);
    expect(Buffer.from(back.pixels).equals(Buffer.from(image.pixels))).toBe(true);
  });

  it('refuses a malformed image and unreadable PNG bytes with FP_IMAGE_INVALID', () => {
    const codeOf = thrownCode;
    expect(codeOf(() => greyImageToPng({ width: 4, height: 4, pixels: new Uint8Array(3) }))).toBe('FP_IMAGE_INVALID');
    expect(codeOf(() => pngToGreyImage(Buffer.from('not a png')))).toBe('FP_IMAGE_INVALID');
  });
});
