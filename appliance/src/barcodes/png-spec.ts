/**
 * Two tables of the PNG specification, for the decoder (png-luminance.ts) and the test encoder (test-images.ts).
 * Shared, so png-spec.test.ts checks them against the specification's own figures: the encoder cannot be the
 * decoder's oracle for these.
 */

/** Samples per pixel of each colour type (§6.1): grey, RGB, palette index, grey + alpha, RGBA. */
export const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7 passes: x0, y0, dx, dy (§8.2). */
export const ADAM7_PASSES = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;
