/**
 * Test support: a fresh private directory for each test of a `describe`, removed after it (real files, never
 * mocks). Import only from tests: it registers vitest hooks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

export interface TempDir {
  /** The current test's directory (a new one per test). */
  readonly dir: string;
}

export function useTempDir(prefix: string): TempDir {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return {
    get dir() {
      return dir;
    },
  };
}
