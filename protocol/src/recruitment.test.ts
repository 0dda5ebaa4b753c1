import { describe, expect, it } from 'vitest';
import {
  compareContract,
  type ContractTerms,
  discriminationGrounds,
  employerProblems,
  monthlyWageZarCents,
  recruitmentEventProblem,
  vacancyFlags,
  type VacancyRow,
  vacancyProblems,
} from './recruitment.ts';
import { FAIR_TERMS, FAIR_VACANCY_TERMS } from './recruitment-test-support.ts';
import { projectRow, referenceTable } from './reference-tables.ts';

const openVacancy = {
  vacancy_id: 'V-1',
  status: 'open',
  demo: false,
  positions: 40,
  title: 'Citrus pickers, Letsitele',
  ...FAIR_VACANCY_TERMS,
  start_date: '2027-03-01',
  closes_on: '2027-02-01',
};

const offer: ContractTerms = FAIR_TERMS;

describe('discrimination screen', () => {
  it.each([
    ['Women only', 'sex'],
    ['no union members', 'union_membership'],
    ['Must be Christian', 'religion'],
    ['unmarried workers', 'marital_status'],
    ['HIV negative certificate', 'hiv_status'],
    ['not pregnant', 'pregnancy'],
    ['Shona speakers of the tribe', 'ethnicity'],
    ['ZANU-PF card holders', 'political_opinion'],
    ['vakadzi chete', 'sex'],
  ])('names the ground in %j', (text, ground) => {
    expect(discriminationGrounds(text)).toContain(ground);
  });

  it('passes job-related text and does not match inside words', () => {
    expect(discriminationGrounds('Citrus pickers, Letsitele; packhouse experience an advantage')).toEqual([]);
    // "manager" contains "man", "unionised" would match but "communion" must not.
    expect(discriminationGrounds('Farm manager, Mopani')).toEqual([]);
    expect(discriminationGrounds('Communion wine cellar hand')).toEqual([]);
  });
});

describe('vacancy rules', () => {
  it('accepts a complete open vacancy', () => {
    expect(vacancyProblems(openVacancy)).toEqual([]);
  });

  it('refuses discriminatory free text, unknown requirement codes, under-age minimums and missing terms of an open vacancy', () => {
    expect(vacancyProblems({ ...openVacancy, terms_note: 'men only' }).join()).toMatch(/terms_note names a prohibited ground.*sex/);
    expect(vacancyProblems({ ...openVacancy, required_skills: ['christian'] }).join()).toMatch(/not a skill code/);
    expect(vacancyProblems({ ...openVacancy, min_age: 16 }).join()).toMatch(/min_age must be at least 18/);
    expect(vacancyProblems({ ...openVacancy, wage_zar_cents: null, travel_cost_payer: null }).join()).toMatch(/open vacancy needs wage_zar_cents, travel_cost_payer/);
    // A closed draft may lack terms.
    expect(vacancyProblems({ ...openVacancy, status: 'closed', wage_zar_cents: null })).toEqual([]);
  });

  it('flags costs the worker is to pay and a suspended employer', () => {
    expect(vacancyFlags(openVacancy, 'compliant')).toEqual([]);
    expect(vacancyFlags({ ...openVacancy, recruitment_cost_payer: 'worker', travel_cost_payer: 'shared' }, 'suspended')).toEqual([
      'worker_pays_recruitment',
      'worker_pays_travel',
      'employer_suspended',
    ]);
  });

  it('requires a compliance status and a CIPC-shaped registration number of a real employer', () => {
    expect(employerProblems({ demo: false, compliance_status: 'compliant', sa_registration_no: '2011/123456/07' })).toEqual([]);
    expect(employerProblems({ demo: false, compliance_status: null }).join()).toMatch(/compliance_status is required/);
    expect(employerProblems({ demo: false, compliance_status: 'ok', sa_registration_no: '123' })).toHaveLength(2);
  });
});

describe('the vacancies row type', () => {
  it('names exactly the columns reference-tables.ts declares for vacancies, and a full row passes the feed check', () => {
    const row: VacancyRow = {
      ...openVacancy,
      employer_id: 'EMP-1',
      occupation_isco: '9211',
      destination_province: 'ZA-LP',
      opens_on: '2027-01-01',
      workplace_district: 'Mopani',
      terms_note: null,
      min_experience_seasons: 0,
      places_left: 40,
      flags: [],
    };
    const def = referenceTable('vacancies');
    expect(Object.keys(row).sort()).toEqual(def?.columns.map((c) => c.name).sort());
    expect(def && projectRow(def, row)).toEqual({ row });
  });
});

describe('monthly wage and contract comparison', () => {
  it('converts each wage period to a month (52/12 weeks)', () => {
    expect(monthlyWageZarCents({ wage_zar_cents: 500_000, wage_period: 'month', hours_per_week: 45, days_per_week: 5 })).toBe(500_000);
    expect(monthlyWageZarCents({ wage_zar_cents: 100_000, wage_period: 'week', hours_per_week: 45, days_per_week: 5 })).toBe(433_333);
    expect(monthlyWageZarCents({ wage_zar_cents: 2_842, wage_period: 'hour', hours_per_week: 45, days_per_week: 5 })).toBe(Math.round(((2_842 * 45 * 52) / 12)));
    expect(monthlyWageZarCents({ wage_zar_cents: 25_000, wage_period: 'day', hours_per_week: 45, days_per_week: 5 })).toBe(Math.round((25_000 * 5 * 52) / 12));
    expect(monthlyWageZarCents({ wage_zar_cents: 2_842, wage_period: 'hour', hours_per_week: null, days_per_week: null })).toBeUndefined();
  });

  it('flags every term worse than advertised, and nothing for the same or a better offer', () => {
    expect(compareContract(openVacancy as never, offer)).toEqual([]);
    expect(compareContract(openVacancy as never, { ...offer, wage_zar_cents: 3_000 })).toEqual([]);
    expect(
      compareContract(openVacancy as never, {
        ...offer,
        wage_zar_cents: 2_500,
        hours_per_week: 50,
        contract_months: 4,
        accommodation: 'provided_deducted',
        recruitment_cost_payer: 'worker',
      }),
    ).toEqual(['wage_lower', 'hours_longer', 'length_differs', 'accommodation_worse', 'worker_pays_recruitment']);
    // A monthly offer equal to the hourly advert's monthly amount is not lower.
    const monthly = monthlyWageZarCents(openVacancy as never) as number;
    expect(compareContract(openVacancy as never, { ...offer, wage_period: 'month', wage_zar_cents: monthly })).toEqual([]);
    expect(compareContract(openVacancy as never, { ...offer, wage_period: 'month', wage_zar_cents: monthly - 1 })).toEqual(['wage_lower']);
  });
});

describe('recruitment events', () => {
  const base = { eventId: '6f1c2a3e-1111-4a4a-8b8b-000000000001', recordedAt: '2027-01-10T09:00:00+02:00', officerId: 'off-1' };
  it('accepts well-formed events and names the first problem of a bad one', () => {
    expect(
      recruitmentEventProblem({ ...base, kind: 'candidacy', candidacyId: '6f1c2a3e-1111-4a4a-8b8b-000000000002', registrationId: '6f1c2a3e-1111-4a4a-8b8b-000000000003', vacancyId: 'V-1' }),
    ).toBeUndefined();
    const cost = { ...base, kind: 'cost-report', registrationId: '6f1c2a3e-1111-4a4a-8b8b-000000000003', vacancyId: null, amountMinor: 5000, currency: 'USD', paidTo: 'recruiter', purpose: 'recruitment_fee', paidOn: '2027-01-02' };
    expect(recruitmentEventProblem(cost)).toBeUndefined();
    expect(recruitmentEventProblem({ ...cost, amountMinor: 12.5 })).toMatch(/amountMinor/);
    expect(recruitmentEventProblem({ ...cost, currency: 'usd' })).toMatch(/currency/);
    expect(recruitmentEventProblem({ ...cost, paidTo: 'church' })).toMatch(/paidTo/);
    expect(recruitmentEventProblem({ ...cost, eventId: 'x' })).toMatch(/eventId/);
    expect(recruitmentEventProblem({ ...base, kind: 'other' })).toMatch(/kind/);
  });
});
