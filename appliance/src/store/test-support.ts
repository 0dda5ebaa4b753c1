/** Shared fixtures for the store's tests (real SQLite files in throwaway directories). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredDocument } from './types.ts';

export function tempDir(prefix = 'store-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A TD3 passport as the MRZ parser hands it over. The ICAO 9303 Part 4 specimen (Anna Maria
 * Eriksson, Utopia) with the document number swapped per test so several people can be told apart.
 */
export function passport(documentNumber = 'L898902C3', extra: Record<string, unknown> = {}): StoredDocument {
  const num = documentNumber.padEnd(9, '<').slice(0, 9);
  return {
    format: 'TD3',
    documentCode: 'P',
    documentNumber,
    issuingState: 'UTO',
    nationality: 'UTO',
    surname: 'ERIKSSON',
    givenNames: 'ANNA MARIA',
    sex: 'female',
    birthDate: '740812',
    expiryDate: '120415',
    valid: true,
    lines: ['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<', `${num}6UTO7408122F1204159ZE184226B<<<<<10`],
    // The parser's object carries more than the typed fields; the store must keep it all.
    optional1: 'ZE184226B',
    details: [{ field: 'surname', valid: true }],
    ...extra,
  };
}

/** A clock that moves forward 1 ms per reading, so timestamps are distinct and predictable. */
export function steppingClock(start = Date.UTC(2025, 0, 6, 8, 0, 0)): () => Date {
  let t = start;
  return () => new Date(t++);
}
