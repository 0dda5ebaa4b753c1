import type { GreyImage } from './fingerprint-reader.ts';
import { assertGreyImage } from './image-png.ts';
import { windowTensor } from './structure-tensor.ts';

/**
 * A fast, device-independent fingerprint image quality score, 0 (nothing usable) … 100.
 *
 * The image is cut into 16 × 16 px blocks (about two ridge periods at 500 dpi). For each block:
 *  - contrast: grey-level standard deviation; blocks below `FOREGROUND_STD` are background;
 *  - clarity: orientation coherence of the gradient structure tensor (Bazen & Gerez 2002), 1 for
 *    clean parallel ridges, near 0 for noise, smudges or a blank window;
 *  - block quality = coherence × min(1, std / FULL_CONTRAST_STD).
 * The score is 100 × mean block quality over the foreground × min(1, foreground share / expected
 * share of a well-placed finger), so a clean but partial print scores low as well.
 *
 * This is NOT NFIQ 2 (NIST IR 8382 / ISO/IEC 29794-4), which is the standard reference and whose
 * scores are comparable across vendors; it is a stand-in used to ask for a recapture at the desk. An
 * NFIQ 2 plug-in can replace it later behind the same `scoreQuality(image)` signature.
 */
export interface QualityReport {
  readonly score: number;
  /** Share of the image that holds ridges. */
  readonly foreground: number;
  /** Mean orientation coherence over the foreground, 0..1. */
  readonly clarity: number;
  /** Mean grey-level standard deviation over the foreground. */
  readonly contrast: number;
}

const BLOCK = 16;
const FOREGROUND_STD = 12;
const FULL_CONTRAST_STD = 50;
/** A flat, centred finger covers roughly half of a 256 × 288 R30x window. */
const EXPECTED_FOREGROUND = 0.45;

export function assessQuality(image: GreyImage): QualityReport {
  assertGreyImage(image);
  const { width: W, height: H } = image;
  const cols = Math.floor(W / BLOCK);
  const rows = Math.floor(H / BLOCK);
  let fgBlocks = 0;
  let qualitySum = 0;
  let coherenceSum = 0;
  let stdSum = 0;
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < cols; bx++) {
      const { std, coherence } = windowTensor(image, bx * BLOCK, by * BLOCK, (bx + 1) * BLOCK, (by + 1) * BLOCK);
      if (std < FOREGROUND_STD) continue;
      fgBlocks++;
      coherenceSum += coherence;
      stdSum += std;
      qualitySum += coherence * Math.min(1, std / FULL_CONTRAST_STD);
    }
  }
  const total = cols * rows;
  if (fgBlocks === 0 || total === 0) return { score: 0, foreground: 0, clarity: 0, contrast: 0 };
  const foreground = fgBlocks / total;
  const area = Math.min(1, foreground / EXPECTED_FOREGROUND);
  const score = Math.round(100 * area * (qualitySum / fgBlocks));
  return { score, foreground, clarity: coherenceSum / fgBlocks, contrast: stdSum / fgBlocks };
}

export function scoreQuality(image: GreyImage): number {
  return assessQuality(image).score;
}
