import { describe, expect, it } from 'vitest';
import { recordBytes, takeBatch } from './batch-bounds.ts';

const sized = (sizes: number[]) => sizes.map((size, i) => ({ i, size }));
const take = (sizes: number[], maxRecords: number, maxBytes: number) =>
  takeBatch(sized(sizes), (x) => x.size, { maxRecords, maxBytes }).map((x) => x.i);

describe('batch bounds', () => {
  it('stops at the record count bound', () => {
    expect(take([10, 10, 10, 10], 3, 1000)).toEqual([0, 1, 2]);
  });

  it('stops before the record that would pass the byte bound, keeping order', () => {
    expect(take([400, 400, 300, 10], 10, 1000)).toEqual([0, 1]);
    expect(take([400, 400, 200, 10], 10, 1000)).toEqual([0, 1, 2]);
  });

  it('sends a record larger than the byte bound alone rather than blocking the queue', () => {
    expect(take([5000, 10], 10, 1000)).toEqual([0]);
    expect(take([], 10, 1000)).toEqual([]);
  });

  it('counts UTF-8 bytes plus the separator, not characters', () => {
    // 8 ASCII characters + Ž and Ü at 2 bytes each in UTF-8 = 12 bytes, + 1 for the comma.
    expect(recordBytes('{"s":"ŽÜ"}')).toBe(13);
  });
});
