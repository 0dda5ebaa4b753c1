import { describe, expect, it } from 'vitest';
import { windowTensor } from './structure-tensor.ts';

const image = (width: number, height: number, grey: (x: number, y: number) => number) => ({
  width,
  height,
  pixels: Uint8Array.from({ length: width * height }, (_, i) => grey(i % width, Math.floor(i / width))),
});

describe('windowTensor', () => {
  it('vertical stripes: all gradient across x, coherence 1, the stripes’ contrast', () => {
    const t = windowTensor(image(32, 32, (x) => (x % 4 < 2 ? 50 : 200)), 0, 0, 32, 32);
    expect(t.gyy).toBe(0);
    expect(t.gxy).toBe(0);
    expect(t.gxx).toBeGreaterThan(0);
    expect(t.coherence).toBe(1);
    expect(t.mean).toBe(125);
    expect(t.std).toBe(75);
  });

  it('a flat window has no contrast and no orientation; border pixels add grey levels but no gradient', () => {
    const flat = windowTensor(image(8, 8, () => 90), 0, 0, 8, 8);
    expect(flat).toEqual({ mean: 90, std: 0, gxx: 0, gyy: 0, gxy: 0, coherence: 0 });
    // Only the border column differs: it counts in the mean but its neighbours' gradients see it.
    const edge = windowTensor(image(8, 8, (x) => (x === 0 ? 0 : 80)), 0, 0, 8, 8);
    expect(edge.mean).toBe(70);
    expect(edge.gxx).toBe(6 * 80 * 80);
  });
});
