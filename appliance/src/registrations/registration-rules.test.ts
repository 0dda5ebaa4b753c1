import { describe, expect, it } from 'vitest';
import { parseMrz, generateMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import type { StoredDocument } from '../store/index.ts';
import { DEFAULT_REGISTRATION_RULES as RULES, blockingCodes, isAnotherPerson, reviewDocument } from './registration-rules.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
const doc = (over: Record<string, string> = {}): StoredDocument =>
  ({
    ...parseMrz(
      generateMrz({
        format: 'TD3', documentCode: 'P', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FN123456',
        surname: 'MOYO', givenNames: 'TENDAI', sex: 'M', birthDate: '950314', expiryDate: '300101', ...over,
      } as Parameters<typeof generateMrz>[0]),
      { now: NOW },
    ),
  }) as StoredDocument;
const codes = (d: StoredDocument, today = '2026-11-23', rules = RULES) => blockingCodes(reviewDocument(d, today, rules).warnings);

describe('the finalize rules on a document', () => {
  it('an adult with a valid passport: nothing blocks', () => {
    expect(reviewDocument(doc(), '2026-11-23', RULES)).toEqual({ age: 31, warnings: [] });
  });

  it('the 18th birthday is the first day without approval, on the office day', () => {
    const d = doc({ birthDate: '081123' });
    expect(codes(d, '2026-11-22')).toEqual(['HOLDER_UNDER_18']);
    expect(reviewDocument(d, '2026-11-22', RULES).age).toBe(17);
    expect(codes(d, '2026-11-23')).toEqual([]);
    expect(codes(d, '2026-11-22', { ...RULES, minimumAge: 16 })).toEqual([]);
  });

  it('expired on the office day, not at scan time; the specimen state; an unknown state; an unknown birth date', () => {
    expect(codes(doc({ expiryDate: '261122' }))).toEqual(['DOCUMENT_EXPIRED']);
    expect(codes(doc({ expiryDate: '261123' }))).toEqual([]);
    expect(codes(doc({ issuingState: 'UTO', nationality: 'UTO' }))).toEqual(['SPECIMEN_DOCUMENT']);
    expect(codes(doc({ issuingState: 'XQZ' }))).toEqual(['UNKNOWN_STATE']);
    expect(codes({ ...doc(), birthDate: null })).toEqual(['BIRTH_DATE_UNKNOWN']);
  });

  it('other MRZ warnings are shown, and block only when the office says so', () => {
    const d = { ...doc(), warnings: [{ code: 'INVALID_SEX', field: 'sex', message: 'The sex field holds Q.' }] } as StoredDocument;
    expect(reviewDocument(d, '2026-11-23', RULES).warnings).toEqual([{ code: 'INVALID_SEX', field: 'sex', message: 'The sex field holds Q.', blocking: false }]);
    expect(codes(d, '2026-11-23', { ...RULES, blockingWarnings: ['INVALID_SEX'] })).toEqual(['INVALID_SEX']);
  });

  it("another person: a different number, nationality or birth date; fillers and case do not count", () => {
    const a = doc();
    expect(isAnotherPerson(a, doc())).toBe(false);
    expect(isAnotherPerson(a, { ...a, documentNumber: 'fn123456<<' })).toBe(false);
    expect(isAnotherPerson(a, doc({ documentNumber: 'FN123457' }))).toBe(true);
    expect(isAnotherPerson(a, doc({ nationality: 'ZAF' }))).toBe(true);
    expect(isAnotherPerson(a, doc({ birthDate: '950315' }))).toBe(true);
    expect(isAnotherPerson(a, doc({ surname: 'MOYO NCUBE' }))).toBe(false);
  });
});
