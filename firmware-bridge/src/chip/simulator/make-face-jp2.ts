/**
 * Makes the JPEG 2000 fixtures of the simulated chips once (face-jp2.fixture.ts), with OpenJPEG's own encoder
 * (@cornerstonejs/codec-openjpeg, OpenJPEG compiled to WebAssembly; a dev dependency only: nothing at run time
 * encodes JPEG 2000). Run again only to change them:
 *
 *   npx tsx firmware-bridge/src/chip/simulator/make-face-jp2.ts
 *
 * - `FACE_JP2`: the synthetic face (sim-face.ts, 180×240, grain 3, seed 7) as RGB, irreversible 9/7 wavelet with
 *   the colour transform (setQuality(false, 0)), in a JP2 file: the signature, ftyp, jp2h (ihdr, colr sRGB) and jp2c
 *   boxes of ISO/IEC 15444-1 Annex I written around the codestream. This build of the encoder does not apply a
 *   compression ratio (setCompressionRatio changes nothing), so the size comes from the image: low grain and
 *   180×240 give about 20 KB, near a real DG2 face.
 * - `FACE_J2K`: the face in grey (luma of the pixels, 120×160, grain 3), a bare codestream (SOC FF4F … EOC FFD9):
 *   19794-5 allows either form inside DG2.
 * The sources are the pixels of syntheticFacePixels, so a test can compare a decode with them.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { J2K_FACE_SOURCE, JP2_FACE_SOURCE, syntheticFacePixels } from './sim-face.ts';

/** OpenJPEG's (@cornerstonejs/codec-openjpeg) description of an image; the appliance's decoder reads the same. */
export interface OpenJpegFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
}
interface Encoder {
  getDecodedBuffer(info: OpenJpegFrameInfo & { isUsingColorTransform: boolean }): Uint8Array;
  setQuality(lossless: boolean, quality: number): void;
  setCompressionRatio(layer: number, ratio: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}


/** Grey (ITU-R BT.601 luma, rounded) of RGBA pixels: the J2K fixture's source. */
export function lumaOf(rgba: Buffer): Buffer {
  const out = Buffer.alloc(rgba.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(0.299 * (rgba[4 * i] as number) + 0.587 * (rgba[4 * i + 1] as number) + 0.114 * (rgba[4 * i + 2] as number));
  return out;
}

/** RGB (no alpha) of RGBA pixels. */
export function rgbOf(rgba: Buffer): Buffer {
  const out = Buffer.alloc((rgba.length / 4) * 3);
  for (let i = 0; i < rgba.length / 4; i++) rgba.copy(out, 3 * i, 4 * i, 4 * i + 3);
  return out;
}

const box = (type: string, body: Buffer) => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
};

/** A JP2 file around a codestream (ISO/IEC 15444-1 I.5): 8-bit unsigned components, sRGB (16) or greyscale (17). */
export function jp2File(codestream: Buffer, width: number, height: number, components: 1 | 3): Buffer {
  const ihdr = Buffer.alloc(14);
  ihdr.writeUInt32BE(height, 0);
  ihdr.writeUInt32BE(width, 4);
  ihdr.writeUInt16BE(components, 8);
  ihdr[10] = 7; // bits per component - 1, unsigned
  ihdr[11] = 7; // compression type: JPEG 2000
  const colr = Buffer.from([1, 0, 0, 0, 0, 0, components === 3 ? 16 : 17]); // METH 1 (enumerated), PREC, APPROX, EnumCS (4 bytes)
  return Buffer.concat([
    Buffer.from('0000000c6a5020200d0a870a', 'hex'),
    box('ftyp', Buffer.concat([Buffer.from('jp2 ', 'latin1'), Buffer.alloc(4), Buffer.from('jp2 ', 'latin1')])),
    box('jp2h', Buffer.concat([box('ihdr', ihdr), box('colr', colr)])),
    box('jp2c', codestream),
  ]);
}

async function encode(samples: Buffer, width: number, height: number, components: 1 | 3): Promise<Buffer> {
  const require = createRequire(import.meta.url);
  const factory = require('@cornerstonejs/codec-openjpeg/wasmjs') as (o: object) => Promise<{ J2KEncoder: new () => Encoder }>;
  const lib = await factory({ print: () => {}, printErr: () => {} });
  const encoder = new lib.J2KEncoder();
  try {
    encoder.getDecodedBuffer({ width, height, bitsPerSample: 8, componentCount: components, isSigned: false, isUsingColorTransform: components === 3 }).set(samples);
    encoder.setQuality(false, 0);
    encoder.encode();
    return Buffer.from(encoder.getEncodedBuffer());
  } finally {
    encoder.delete();
  }
}

async function main(): Promise<void> {
  const colour = syntheticFacePixels(JP2_FACE_SOURCE);
  const jp2 = jp2File(await encode(rgbOf(colour.data), colour.width, colour.height, 3), colour.width, colour.height, 3);
  const grey = syntheticFacePixels(J2K_FACE_SOURCE);
  const j2k = await encode(lumaOf(grey.data), grey.width, grey.height, 1);
  const wrap = (b: Buffer) => (b.toString('base64').match(/.{1,160}/g) ?? []).map((l) => `  '${l}'`).join(',\n');
  const out = new URL('./face-jp2.fixture.ts', import.meta.url);
  writeFileSync(
    out,
    `/**
 * JPEG 2000 faces of the simulated chips, made once by make-face-jp2.ts with OpenJPEG's encoder (see there how);
 * generated, do not edit. Base64 in a module rather than files beside it, so a bundled build carries them too.
 */

/** JP2 file (boxes + codestream), RGB ${colour.width}×${colour.height}, ${jp2.length} bytes. */
export const FACE_JP2 = Buffer.from(
  [
${wrap(jp2)},
  ].join(''),
  'base64',
);

/** Bare J2K codestream, grey ${grey.width}×${grey.height}, ${j2k.length} bytes. */
export const FACE_J2K = Buffer.from(
  [
${wrap(j2k)},
  ].join(''),
  'base64',
);
`,
  );
  console.log(`wrote ${out.pathname}: JP2 ${jp2.length} bytes, J2K ${j2k.length} bytes`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
