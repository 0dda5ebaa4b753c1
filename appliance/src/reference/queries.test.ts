import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReferenceApplier } from './apply.ts';
import { createReferenceQueries, localDate } from './queries.ts';
import { district, employer, occupation, openReferenceFixture, page, province, type ReferenceFixture, vacancy } from './test-support.ts';

// 23:30 UTC on 30 June is already 1 July in Harare (UTC+2).
const NOW = new Date('2027-06-30T23:30:00Z');
let fx: ReferenceFixture;

beforeEach(() => {
  fx = openReferenceFixture();
  createReferenceApplier(fx.db).applyPage(
    page(0, [
      province('ZW-MS', 'Matabeleland South'),
      province('ZW-MV', 'Masvingo'),
      district('ZW-MS-GWANDA', 'ZW-MS', 'Gwanda'),
      district('ZW-MS-BEITBRIDGE', 'ZW-MS', 'Beitbridge'),
      district('ZW-MV-CHIREDZI', 'ZW-MV', 'Chiredzi'),
      occupation('9', 'Elementary occupations'),
      occupation('2', 'Professionals'),
      occupation('2211', 'Generalist medical practitioners'),
      occupation('9313', 'Building construction labourers', ['construction', 2]),
      occupation('9211', 'Crop farm labourers', ['farm', 1]),
      occupation('7112', 'Bricklayers and related workers', ['construction', 3]),
      occupation('5_1', 'Odd_title 100% test'),
      employer('E1', 'Demo Citrus'),
      employer('E2', 'Demo Builders'),
      employer('E3', 'Demo Closed Farm', false),
      vacancy('V1', 'E1', '9211', { closes_on: '2027-06-30' }),
      vacancy('V2', 'E1', '7112', { closes_on: null }),
      vacancy('V3', 'E2', '9313', { status: 'filled' }),
      vacancy('V4', 'E2', '9313', { opens_on: '2027-08-01' }),
      vacancy('V5', 'E3', '9211', { status: 'closed' }),
    ]),
    { reset: false, expectedVersion: 0, now: NOW },
  );
});
afterEach(() => fx.close());

describe('reference queries over the local copy', () => {
  it('lists districts of a province by code or by name', () => {
    const q = createReferenceQueries(fx.db, () => NOW);
    expect(q.districts('ZW-MS').map((d) => d.name)).toEqual(['Beitbridge', 'Gwanda']);
    expect(q.districts('matabeleland south').map((d) => d.name)).toEqual(['Beitbridge', 'Gwanda']);
    expect(q.districts().map((d) => d.code)).toHaveLength(3);
    expect(q.districts('Nowhere')).toEqual([]);
  });

  it('puts the common farm and construction jobs first, then the rest by level and code', () => {
    const q = createReferenceQueries(fx.db, () => NOW);
    expect(q.occupations().map((o) => o.iscoCode)).toEqual(['9211', '9313', '7112', '2211', '5_1', '2', '9']);
    expect(q.occupations('labour').map((o) => o.iscoCode)).toEqual(['9211', '9313']);
    expect(q.occupations('22').map((o) => o.iscoCode)).toEqual(['2211']);
    expect(q.occupations('9211')[0]).toEqual({ iscoCode: '9211', title: 'Crop farm labourers', level: 4, parentCode: '921', commonSector: 'farm' });
  });

  it('treats % and _ in the search text literally', () => {
    const q = createReferenceQueries(fx.db, () => NOW);
    expect(q.occupations('100%').map((o) => o.iscoCode)).toEqual(['5_1']);
    // Unescaped, '_' would match any character ("pr-act-itioners").
    expect(q.occupations('a_t').map((o) => o.iscoCode)).toEqual([]);
    expect(q.occupations('%').map((o) => o.iscoCode)).toEqual(['5_1']);
  });

  it('lists employers with their open vacancies only: not filled, closed, not yet open, or past closing in Harare time', () => {
    const q = createReferenceQueries(fx.db, () => NOW, 'Africa/Harare');
    expect(localDate(NOW, 'Africa/Harare')).toBe('2027-07-01');
    const list = q.employers();
    expect(list.map((e) => [e.employerId, e.openVacancies.map((v) => v.vacancyId)])).toEqual([['E1', ['V2']]]);
    expect(list[0]).toMatchObject({ name: 'Demo Citrus', demo: true, openVacancies: [{ occupationTitle: 'Bricklayers and related workers', closesOn: null }] });
    const all = q.employers({ withOpenVacanciesOnly: false });
    expect(all.map((e) => e.employerId)).toEqual(['E2', 'E1', 'E3']);
    expect(all.find((e) => e.employerId === 'E3')?.demo).toBe(false);
    expect(q.employers({ q: 'build', withOpenVacanciesOnly: false }).map((e) => e.employerId)).toEqual(['E2']);
    // The day before, in Harare, V1 (closing 30 June) is still open.
    const q2 = createReferenceQueries(fx.db, () => new Date('2027-06-30T21:00:00Z'));
    expect(q2.employers()[0]?.openVacancies.map((v) => v.vacancyId)).toEqual(['V1', 'V2']);
  });

  it('counts rows per table', () => {
    expect(createReferenceQueries(fx.db).counts()).toEqual({ provinces: 2, districts: 3, occupations: 7, offices: 0, officers: 0, employers: 3, vacancies: 5 });
  });
});
