import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-file.ts';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the content whole, with the given mode, and leaves no temporary file', () => {
    const path = join(dir, 'config.json');
    writeFileSync(path, 'old');
    expect(writeFileAtomic(path, 'new content', { mode: 0o600 })).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('new content');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['config.json']);
  });

  it('with noClobber keeps the first writer\'s file and tells the second', () => {
    const path = join(dir, 'data.key');
    expect(writeFileAtomic(path, 'first', { noClobber: true })).toBe(true);
    expect(writeFileAtomic(path, 'second', { noClobber: true })).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('first');
    expect(readdirSync(dir)).toEqual(['data.key']);
  });
});
