import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-file.ts';
import { useTempDir } from './temp-dir-test-support.ts';

describe('writeFileAtomic', () => {
  const tmp = useTempDir('atomic-');

  it('replaces the content whole, with the given mode, and leaves no temporary file', () => {
    const path = join(tmp.dir, 'config.json');
    writeFileSync(path, 'old');
    expect(writeFileAtomic(path, 'new content', { mode: 0o600 })).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('new content');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(tmp.dir)).toEqual(['config.json']);
  });

  it('with noClobber keeps the first writer\'s file and tells the second', () => {
    const path = join(tmp.dir, 'data.key');
    expect(writeFileAtomic(path, 'first', { noClobber: true })).toBe(true);
    expect(writeFileAtomic(path, 'second', { noClobber: true })).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('first');
    expect(readdirSync(tmp.dir)).toEqual(['data.key']);
  });
});
