/**
 * Seeded pseudo-random numbers (mulberry32) for simulators, synthetic data and fault schedules: the same seed gives
 * the same sequence on every machine, so a failing run can be replayed. Not for anything secret.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A sequence seeded by text (FNV-1a of the text, then mulberry32): stable per person, finger or test name. */
export function seededRandom(seedText: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seedText.length; i++) h = Math.imul(h ^ seedText.charCodeAt(i), 0x01000193);
  return mulberry32(h >>> 0);
}
