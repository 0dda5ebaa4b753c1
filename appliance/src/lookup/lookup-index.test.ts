import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentKey, type IndexEntry, keyedDocumentHash, type LookupIndexPage, packIndexEntries } from '@lmc/protocol/lookup.ts';
import { tempDir } from '../store/test-support.ts';
import { LOOKUP_INDEX_FILE, LookupIndex } from './lookup-index.ts';

const key = randomBytes(32);
const doc = (n: string) => ({ documentCode: 'P<', issuingState: 'ZWE', documentNumber: n, birthDate: '1990-01-01' });
const prefix = (n: string, k = key) => keyedDocumentHash(k, documentKey(doc(n)) as string).slice(0, 16);

function page(entries: IndexEntry[], o: Partial<LookupIndexPage> = {}, k = key): LookupIndexPage {
  const offices: string[] = [];
  const packed = packIndexEntries(entries, offices);
  return {
    epoch: 'feed-1',
    keyId: 'key-1',
    networkKey: k.toString('base64'),
    fromVersion: 0,
    toVersion: 10,
    complete: true,
    offices,
    entries: packed.toString('base64'),
    count: entries.length,
    serverTime: new Date().toISOString(),
    ...o,
  };
}

describe('LookupIndex', () => {
  it('finds a document by its keyed hash, after a restart from its file, and never stores a readable number', () => {
    const dir = tempDir('lookup-index-');
    try {
      const index = new LookupIndex(dir.dir);
      index.apply(page([{ hashes: [prefix('FN123456')], visits: [{ officeCode: 'HRE', day: '2026-10-02' }] }]));
      expect(index.find(doc('FN123456'))).toEqual([{ officeCode: 'HRE', day: '2026-10-02' }]);
      expect(index.find(doc('FN999999'))).toBeUndefined();
      // Fillers and case do not matter; another birth date is another document.
      expect(index.find({ ...doc('fn123456'), documentCode: 'P' })).toBeDefined();
      expect(index.find({ ...doc('FN123456'), birthDate: '1990-01-02' })).toBeUndefined();
      const again = new LookupIndex(dir.dir);
      expect(again.version).toBe(10);
      expect(again.find(doc('FN123456'))).toEqual([{ officeCode: 'HRE', day: '2026-10-02' }]);
      expect(readFileSync(join(dir.dir, LOOKUP_INDEX_FILE)).includes(Buffer.from('FN123456'))).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('replaces a person’s visits on a later page, and shares them between the person’s documents', () => {
    const index = new LookupIndex(null);
    index.apply(page([{ hashes: [prefix('A1')], visits: [{ officeCode: 'HRE', day: '2026-10-02' }] }]));
    index.apply(
      page(
        [{ hashes: [prefix('A1'), prefix('A2')], visits: [{ officeCode: 'BBR', day: '2026-11-20' }, { officeCode: 'HRE', day: '2026-10-02' }] }],
        { fromVersion: 10, toVersion: 12 },
      ),
    );
    expect(index.find(doc('A2'))?.map((v) => v.officeCode)).toEqual(['BBR', 'HRE']);
    expect(index.find(doc('A1'))).toBe(index.find(doc('A2')));
    expect(index.version).toBe(12);
  });

  it('refuses a later page of another epoch or key (the caller reloads from 0), and empties on a new epoch from 0', () => {
    const index = new LookupIndex(null);
    index.apply(page([{ hashes: [prefix('B1')], visits: [{ officeCode: 'HRE', day: '2026-10-02' }] }]));
    const other = randomBytes(32);
    expect(index.apply(page([], { epoch: 'feed-2', fromVersion: 10, toVersion: 11 }, other))).toEqual({ reset: true, applied: 0 });
    expect(index.find(doc('B1'))).toBeDefined();
    index.apply(page([{ hashes: [prefix('B2', other)], visits: [{ officeCode: 'MSV', day: '2026-11-01' }] }], { epoch: 'feed-2', keyId: 'key-2', fromVersion: 0, toVersion: 3 }, other));
    expect(index.find(doc('B1'))).toBeUndefined();
    expect(index.find(doc('B2'))).toEqual([{ officeCode: 'MSV', day: '2026-11-01' }]);
  });
});
