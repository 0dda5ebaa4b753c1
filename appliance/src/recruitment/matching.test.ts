import { describe, expect, it } from 'vitest';
import { type MatchableVacancy, type WorkProfile, exclusionOf, matchVacancy, occupationAffinity, rankVacancies, summarise } from './matching.ts';

const TODAY = '2026-11-29';

const vacancy = (over: Partial<MatchableVacancy> & { vacancyId: string }): MatchableVacancy => ({
  employerId: 'EMP-1',
  status: 'open',
  employerStatus: 'active',
  occupationIsco: '9211',
  destinationProvince: 'ZA-LP',
  district: 'Vhembe',
  positions: 40,
  positionsFilled: 26,
  opensOn: '2026-11-01',
  closesOn: '2027-06-30',
  minExperienceSeasons: 0,
  requiredSkills: [],
  minAge: 18,
  ...over,
});

const profile = (over: Partial<WorkProfile> = {}): WorkProfile => ({
  occupationIsco: '9211',
  experienceSeasons: 2,
  skills: ['pruning'],
  destinationProvinces: ['ZA-LP'],
  destinationDistricts: [],
  age: 30,
  ...over,
});

describe('vacancies never offered', () => {
  const cases: Array<[string, Partial<MatchableVacancy>, string]> = [
    ['closed', { status: 'closed' }, 'not-open'],
    ['filled', { status: 'filled' }, 'not-open'],
    ['suspended employer', { employerStatus: 'suspended' }, 'employer-suspended'],
    ['past closing date', { closesOn: '2026-11-28' }, 'closed-by-date'],
    ['not yet open', { opensOn: '2026-12-01' }, 'not-yet-open'],
    ['every place taken', { positions: 10, positionsFilled: 10 }, 'no-places-left'],
  ];
  for (const [name, over, why] of cases) {
    it(`${name} → ${why}, and absent from the ranking`, () => {
      const v = vacancy({ vacancyId: 'V', ...over });
      expect(exclusionOf(v, TODAY)).toBe(why);
      expect(rankVacancies(profile(), [v, vacancy({ vacancyId: 'OK' })], TODAY).map((m) => m.vacancy.vacancyId)).toEqual(['OK']);
    });
  }

  it('a vacancy closing today is still open all day', () => {
    expect(exclusionOf(vacancy({ vacancyId: 'V', closesOn: TODAY }), TODAY)).toBeUndefined();
    expect(matchVacancy(profile(), vacancy({ vacancyId: 'V', closesOn: TODAY }), TODAY)?.reasons).toContainEqual({ code: 'closes-soon', closesOn: TODAY, days: 0 });
  });

  it('a migrant under the minimum age sees nothing; an unknown age is not excluded here (the review blocks it)', () => {
    expect(rankVacancies(profile({ age: 17 }), [vacancy({ vacancyId: 'V' })], TODAY)).toEqual([]);
    expect(rankVacancies(profile({ age: 20 }), [vacancy({ vacancyId: 'V', minAge: 21 })], TODAY)).toEqual([]);
    expect(rankVacancies(profile({ age: null }), [vacancy({ vacancyId: 'V' })], TODAY)).toHaveLength(1);
  });

  it('an occupation outside the migrant’s ISCO sub-major group is no match', () => {
    expect(rankVacancies(profile(), [vacancy({ vacancyId: 'DRIVER', occupationIsco: '8341' })], TODAY)).toEqual([]);
  });
});

describe('occupationAffinity', () => {
  it('grades ISCO-08 codes by the digits they share', () => {
    expect(occupationAffinity('9211', '9211')).toBe('exact');
    expect(occupationAffinity('9211', '9212')).toBe('minor');
    expect(occupationAffinity('9211', '9215')).toBe('minor');
    expect(occupationAffinity('9211', '9312')).toBeNull();
    expect(occupationAffinity('9211', '9621')).toBeNull();
    expect(occupationAffinity('6111', '6121')).toBe('sub-major');
    // A migrant recorded only at group level matches unit groups under it as related, never as exact.
    expect(occupationAffinity('921', '9211')).toBe('minor');
    expect(occupationAffinity('92', '9211')).toBe('sub-major');
  });
});

describe('ranking', () => {
  it('explains a match in the issue’s words', () => {
    const m = matchVacancy(profile({ skills: [] }), vacancy({ vacancyId: 'V', minExperienceSeasons: 0 }), TODAY);
    expect(m?.summary).toBe("matches occupation 9211, 2 seasons' experience, in preferred province ZA-LP; 14 of 40 places left");
    expect(m?.placesLeft).toBe(14);
  });

  it('puts the exact occupation above a related one, and requirements met above requirements not met', () => {
    const vs = [
      vacancy({ vacancyId: 'RELATED', occupationIsco: '9212' }),
      vacancy({ vacancyId: 'NEEDS-5-SEASONS', minExperienceSeasons: 5 }),
      vacancy({ vacancyId: 'EXACT' }),
      vacancy({ vacancyId: 'NEEDS-TRACTOR', requiredSkills: ['tractor-driving'] }),
    ];
    const ranked = rankVacancies(profile(), vs, TODAY);
    expect(ranked.map((m) => m.vacancy.vacancyId)).toEqual(['EXACT', 'RELATED', 'NEEDS-5-SEASONS', 'NEEDS-TRACTOR']);
    expect(ranked.map((m) => m.meetsRequirements)).toEqual([true, true, false, false]);
    expect(ranked[2]?.reasons).toContainEqual({ code: 'experience-short', seasons: 2, required: 5 });
    expect(ranked[3]?.reasons).toContainEqual({ code: 'skills-missing', skills: ['tractor-driving'] });
    expect(ranked[2]?.summary).toContain("asks 5 seasons' experience, has 2");
  });

  it('ranks a vacancy in a preferred province and district above the same one elsewhere', () => {
    const p = profile({ destinationProvinces: ['ZA-LP'], destinationDistricts: ['vhembe'] });
    const ranked = rankVacancies(p, [vacancy({ vacancyId: 'MP', destinationProvince: 'ZA-MP', district: 'Ehlanzeni' }), vacancy({ vacancyId: 'LP' })], TODAY);
    expect(ranked.map((m) => m.vacancy.vacancyId)).toEqual(['LP', 'MP']);
    expect(ranked[0]?.reasons).toContainEqual({ code: 'district-preferred', district: 'Vhembe' });
    expect(ranked[1]?.reasons).toContainEqual({ code: 'destination-other', province: 'ZA-MP' });
    expect(ranked[0]?.score).toBeGreaterThan(ranked[1]?.score ?? 100);
  });

  it('a skill the vacancy asks for and the migrant has raises the score; case and spaces do not matter', () => {
    const v = vacancy({ vacancyId: 'V', requiredSkills: ['Pruning '] });
    const withSkill = matchVacancy(profile({ skills: ['pruning'] }), v, TODAY);
    const without = matchVacancy(profile({ skills: [] }), v, TODAY);
    expect(withSkill?.meetsRequirements).toBe(true);
    expect(without?.meetsRequirements).toBe(false);
    expect(withSkill?.score ?? 0).toBeGreaterThan(without?.score ?? 100);
  });

  it('a certificate asked for and not held is a requirement not met', () => {
    const v = vacancy({ vacancyId: 'V', requiredCertificates: ['driving_licence_c'] });
    const holder = matchVacancy(profile({ certificates: ['driving_licence_c'] }), v, TODAY);
    const other = matchVacancy(profile({ certificates: ['first_aid_level_1'] }), v, TODAY);
    expect(holder?.meetsRequirements).toBe(true);
    expect(holder?.reasons).toContainEqual({ code: 'certificates-met', certificates: ['driving_licence_c'] });
    expect(other?.meetsRequirements).toBe(false);
    expect(other?.summary).toContain('needs driving_licence_c');
  });

  it('equal fits: the one closing first comes first, then by id (stable on every screen)', () => {
    const ranked = rankVacancies(profile(), [vacancy({ vacancyId: 'B', closesOn: '2027-05-01' }), vacancy({ vacancyId: 'C', closesOn: '2027-02-01' }), vacancy({ vacancyId: 'A', closesOn: '2027-05-01' })], TODAY);
    expect(ranked.map((m) => m.vacancy.vacancyId)).toEqual(['C', 'A', 'B']);
  });

  it('scores stay within 0–100', () => {
    const m = matchVacancy(profile({ experienceSeasons: 40, destinationDistricts: ['Vhembe'] }), vacancy({ vacancyId: 'V' }), TODAY);
    expect(m?.score).toBeGreaterThan(0);
    expect(m?.score).toBeLessThanOrEqual(100);
  });

  it('summarise joins what fits and what is missing', () => {
    expect(summarise([{ code: 'occupation-exact', isco: '8341' }, { code: 'places-left', left: 1, total: 4 }, { code: 'closes-soon', closesOn: '2026-12-01', days: 2 }])).toBe(
      'matches occupation 8341; 1 of 4 places left; closes in 2 days',
    );
  });
});
