import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApplianceStore } from '../schema.ts';
import { useTempDir } from '@lmc/core/temp-dir-test-support.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('store files are private whatever the umask or an earlier copy left', () => {
  const tmp = useTempDir('file-modes-');

  it('makes a wide-open data dir 0700 and a 0644 database and its WAL 0600 at start', () => {
    const dataDir = join(tmp.dir, 'data');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const first = openApplianceStore({ dataDir });
    first.registrations.create({ officeCode: 'BBR', officerId: 'BBR-017' });
    const dbPath = first.health().path;
    first.close();
    // A technician's copy with umask 022, or a restore by hand.
    chmodSync(dataDir, 0o755);
    chmodSync(dbPath, 0o644);
    writeFileSync(`${dbPath}-wal`, '');
    chmodSync(`${dbPath}-wal`, 0o644);

    const store = openApplianceStore({ dataDir });
    try {
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(dbPath)).toBe(0o600);
      expect(mode(`${dbPath}-wal`)).toBe(0o600);
      expect(mode(`${dbPath}-shm`)).toBe(0o600);
    } finally {
      store.close();
    }
  });

  it('creates a new data dir 0700 with a 0600 database even under umask 000', () => {
    const old = process.umask(0);
    try {
      const dataDir = join(tmp.dir, 'fresh', 'data');
      const store = openApplianceStore({ dataDir });
      try {
        expect(mode(dataDir)).toBe(0o700);
        expect(mode(store.health().path)).toBe(0o600);
        expect(mode(`${store.health().path}-wal`)).toBe(0o600);
      } finally {
        store.close();
      }
    } finally {
      process.umask(old);
    }
  });
});
