import { describe, expect, it } from 'vitest';
import { findPgBinDir } from '../../tests/support/pg-cluster.ts';

describe('pg-cluster harness', () => {
  it('fails with a clear message when the PostgreSQL binaries are missing, rather than skipping', () => {
    expect(() => findPgBinDir('/nonexistent/postgresql/bin')).toThrow(/PostgreSQL binaries not found in \/nonexistent/);
  });
});
