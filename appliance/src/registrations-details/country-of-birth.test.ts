/**
 * Country of birth at the details step (issue #16, ILO 20th ICLS 2018): optional, ISO 3166-1 alpha-3, stored only
 * when known, and counted by the central with the one normalisation both ends share.
 */
import { describe, expect, it } from 'vitest';
import { normaliseDetailStatistics } from '@lmc/protocol/statistics.ts';
import { type DetailsInput, validateDetails } from './details-validator.ts';
import type { ReferenceLookup } from './reference-lookup.ts';
import { completeDetailsBody } from './test-support.ts';

/** An appliance whose reference copy is still empty: the codes are checked for shape only. */
const EMPTY_REFERENCE: ReferenceLookup = {
  counts: () => ({ provinces: 0, districts: 0, occupations: 0, employers: 0, vacancies: 0 }),
  province: () => undefined,
  district: () => undefined,
  occupation: () => undefined,
  employer: () => undefined,
  vacancy: () => undefined,
  today: () => '2026-11-29',
};
const NOW = new Date('2026-11-29T10:00:00Z');
const input = (over: Record<string, unknown>) => completeDetailsBody('en', { employerId: null, vacancyId: null, ...over }) as unknown as DetailsInput;

describe('country of birth in the details', () => {
  it('is stored upper case when given, and absent when not known', () => {
    expect(validateDetails(input({ countryOfBirth: 'moz' }), EMPTY_REFERENCE, NOW).countryOfBirth).toBe('MOZ');
    expect(validateDetails(input({ countryOfBirth: ' ZWE ' }), EMPTY_REFERENCE, NOW).countryOfBirth).toBe('ZWE');
    for (const unknown of [null, '', undefined]) expect(validateDetails(input({ countryOfBirth: unknown }), EMPTY_REFERENCE, NOW)).not.toHaveProperty('countryOfBirth');
  });

  it('refuses what is not an alpha-3 code, naming the field', () => {
    for (const bad of ['Mozambique', 'MZ', 'Z1W']) {
      expect(() => validateDetails(input({ countryOfBirth: bad }), EMPTY_REFERENCE, NOW), bad).toThrow(expect.objectContaining({ context: expect.objectContaining({ field: 'countryOfBirth' }) }));
    }
  });

  it('counts at the central as saved here: country of birth, ISCED level of the education, destination country', () => {
    const details = validateDetails(input({ countryOfBirth: 'mwi', education: 'secondary-a-level', destinationProvince: 'ZA-MP' }), EMPTY_REFERENCE, NOW);
    // The details travel whole in the wire payload (appliance/src/sync/wire-record.ts); the province is lifted too.
    expect(normaliseDetailStatistics({ details, destinationProvince: details.destinationProvince })).toEqual({ educationIsced: '3', destinationCountry: 'ZAF', countryOfBirth: 'MWI' });
  });
});
