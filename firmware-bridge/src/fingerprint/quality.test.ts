import { describe, expect, it } from 'vitest';
import { blankSensorImage, renderCapture } from '../zfm/zfm-sim-fingers.ts';
import { isApplianceError } from '@lmc/core/errors.ts';
import { assessQuality, scoreQuality } from './quality.ts';

// Simulated prints are the fixtures: the generator is deterministic per seed.
const capture = (conditions = {}) => renderCapture('quality-person', 'right-index', 'q', conditions);

describe('scoreQuality', () => {
  const clean = scoreQuality(capture());

  it('scores a clean, centred print high', () => {
    expect(clean).toBeGreaterThanOrEqual(70);
    expect(clean).toBeLessThanOrEqual(100);
  });

  it('scores a noisy print lower than the clean one, through lost ridge clarity', () => {
    const noisy = assessQuality(capture({ noise: 45 }));
    expect(noisy.score).toBeLessThan(clean - 25);
    expect(noisy.clarity).toBeLessThan(assessQuality(capture()).clarity);
  });

  it('scores a partial print lower, through lost area', () => {
    const partial = assessQuality(capture({ coverage: 0.3 }));
    expect(partial.score).toBeLessThan(clean - 25);
    expect(partial.foreground).toBeLessThan(0.35);
  });

  it('scores a faint, low-contrast print lower', () => {
    expect(scoreQuality(capture({ contrast: 0.15 }))).toBeLessThan(clean - 40);
  });

  it('scores an empty sensor window about 0', () => {
    expect(scoreQuality(blankSensorImage())).toBeLessThanOrEqual(2);
  });

  it('rejects an image whose pixel count does not match its size', () => {
    let err: unknown;
    try {
      scoreQuality({ width: 10, height: 10, pixels: new Uint8Array(50) });
    } catch (e) {
      err = e;
    }
    expect(isApplianceError(err, 'FP_IMAGE_INVALID')).toBe(true);
  });
});
