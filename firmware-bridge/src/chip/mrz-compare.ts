/**
 * DG1 against the printed MRZ. The chip's copy is authoritative only when passive authentication
 * passes; a difference is shown to the officer field by field either way.
 */
import { parseMrz } from '../mrz/parse.ts';
import type { BacKeyInput } from './bac-keys.ts';

export interface MrzComparison {
  readonly same: boolean;
  /** Fields whose values differ (documentNumber, surname, birthDate...), empty when the same. */
  readonly differingFields: string[];
}

export function compareMrz(printed: readonly string[], chip: readonly string[]): MrzComparison {
  const a = printed.join('');
  const b = chip.join('');
  if (a === b) return { same: true, differingFields: [] };
  try {
    const pa = parseMrz([...printed]);
    const pb = parseMrz([...chip]);
    const names = new Set([...Object.keys(pa.fields), ...Object.keys(pb.fields)]);
    const differingFields = [...names].filter((n) => pa.fields[n]?.raw !== pb.fields[n]?.raw);
    return { same: false, differingFields: differingFields.length ? differingFields : ['mrz'] };
  } catch {
    return { same: false, differingFields: ['mrz'] };
  }
}

/** The BAC key fields from scanned MRZ lines (raw as printed, fillers kept). */
export function bacInputFromMrz(lines: readonly string[]): BacKeyInput {
  const doc = parseMrz([...lines]);
  const raw = (f: string) => doc.fields[f]?.raw ?? '';
  return { documentNumber: raw('documentNumber'), birthDate: raw('birthDate'), expiryDate: raw('expiryDate') };
}
