/**
 * The counter's recruitment records over a real store file: matching from the local copy, candidacies and costs
 * committed with their audit row and their event for the central (all or none), the events held until the
 * registration is at the central, and kept across a restart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recruitmentEventProblem } from '@lmc/protocol/recruitment.ts';
import { isApplianceError } from '../errors.ts';
import { createDetailsParts } from '../registrations-details/index.ts';
import { openApplianceStore } from '../schema.ts';
import { createRecruitmentOutbox } from './recruitment-outbox.ts';
import { RecruitmentService } from './recruitment-service.ts';
import { OFFICER, type RecruitmentFixture, openRecruitmentFixture, putVacancy } from './test-support.ts';

const NOW = new Date('2026-11-29T09:00:00Z');
let fx: RecruitmentFixture;
let service: RecruitmentService;

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return isApplianceError(err) ? err.code : `not coded: ${(err as Error).message}`;
  }
  return undefined;
};

beforeEach(() => {
  fx = openRecruitmentFixture(() => NOW);
  service = new RecruitmentService({ store: fx.store, now: () => NOW });
  const db = fx.store.connection;
  putVacancy(db, { vacancy_id: 'V-PICKERS', title: 'Citrus pickers', positions: 40, places_left: 14, min_experience_seasons: 1 });
  putVacancy(db, { vacancy_id: 'V-TOMATO', title: 'Tomato harvest hands', positions: 25, required_skills: ['vegetable_harvesting'] });
  putVacancy(db, { vacancy_id: 'V-CLOSED', status: 'closed' });
  putVacancy(db, { vacancy_id: 'V-FILLED', status: 'filled' });
  putVacancy(db, { vacancy_id: 'V-PAST', closes_on: '2026-11-28' });
  putVacancy(db, { vacancy_id: 'V-FULL', places_left: 0 });
  putVacancy(db, { vacancy_id: 'V-SUSPENDED', employer_id: 'EMP-SUSPENDED' });
  putVacancy(db, { vacancy_id: 'V-FLAGGED', flags: ['employer_suspended'] });
  putVacancy(db, { vacancy_id: 'V-DRIVER', occupation_isco: '8341', title: 'Tractor drivers' });
});
afterEach(() => fx.close());

describe('matching from the local copy', () => {
  it('ranks the open vacancies of the migrant’s occupation and explains them; never closed, filled, past, full or suspended', () => {
    const id = fx.registration();
    service.saveProfile(id, { experienceSeasons: 2, skills: [], certificates: [], destinationProvinces: ['ZA-LP'], destinationDistricts: [] }, OFFICER);
    const { matches, profile } = service.matches(id);
    expect(profile).toMatchObject({ occupationIsco: '9211', experienceSeasons: 2, saved: true, age: 31 });
    expect(matches.map((m) => m.vacancy.vacancyId)).toEqual(['V-PICKERS', 'V-TOMATO']);
    expect(matches[0]?.summary).toBe("matches occupation 9211, 2 seasons' experience (1 asked), in preferred province ZA-LP; 14 of 40 places left");
    expect(matches[1]?.meetsRequirements).toBe(false);
    expect(matches[0]?.vacancy.terms).toMatchObject({ wageZarCents: 2750, wagePeriod: 'hour', hoursPerWeek: 45, contractMonths: 8, recruitmentCostPayer: 'employer' });
    expect(matches[0]?.vacancy.terms.monthlyWageZarCents).toBe(Math.round(2750 * 45 * (52 / 12)));
  });

  it('before the profile is saved, the destination comes from the details and experience is 0', () => {
    const id = fx.registration();
    expect(service.profile(id)).toMatchObject({ saved: false, experienceSeasons: 0, destinationProvinces: ['ZA-LP'] });
    // 0 seasons where 1 is asked: still shown, below the one whose requirements are met? Neither is met here.
    expect(service.matches(id).matches.map((m) => m.meetsRequirements)).toEqual([false, false]);
  });

  it('needs saved details, refuses a discarded draft and an unknown registration, and bad profile fields by name', () => {
    const bare = fx.store.registrations.create({ officeCode: 'BBR', officerId: OFFICER });
    expect(codeOf(() => service.matches(bare.id))).toBe('RECRUITMENT_DETAILS_MISSING');
    expect(codeOf(() => service.matches('00000000-0000-4000-8000-000000000000'))).toBe('NOT_FOUND');
    const id = fx.registration();
    expect(codeOf(() => service.saveProfile(id, { experienceSeasons: 41, skills: [], certificates: [], destinationProvinces: [], destinationDistricts: [] }, OFFICER))).toBe('RECRUITMENT_INVALID');
    expect(codeOf(() => service.saveProfile(id, { experienceSeasons: 1, skills: ['juggling'], certificates: [], destinationProvinces: [], destinationDistricts: [] }, OFFICER))).toBe('RECRUITMENT_INVALID');
    createDetailsParts({ store: fx.store, now: () => NOW }).counter.discard(id, 'training', null, OFFICER);
    expect(codeOf(() => service.matches(id))).toBe('REGISTRATION_DISCARDED');
  });
});

describe('candidacies', () => {
  it('records interest with its audit row and its event in one transaction; idempotent per vacancy', () => {
    const id = fx.registration();
    const items = service.addCandidacies(id, ['V-PICKERS', 'V-TOMATO'], OFFICER);
    expect(items.map((c) => [c.vacancyId, c.status])).toEqual([
      ['V-PICKERS', 'candidate'],
      ['V-TOMATO', 'candidate'],
    ]);
    expect(items[0]?.vacancy.terms.wageZarCents).toBe(2750);
    expect(items[0]?.match?.summary).toContain('14 of 40 places left');
    service.addCandidacies(id, ['V-PICKERS'], OFFICER);
    expect(service.candidacies(id)).toHaveLength(2);
    const audit = fx.store.audit.forEntity('registration', id).filter((a) => a.action === 'recruitment.candidacy_recorded');
    expect(audit.map((a) => a.details.vacancyId)).toEqual(['V-PICKERS', 'V-TOMATO']);
    const events = fx.store.connection.prepare('SELECT payload_json FROM recruitment_outbox ORDER BY seq').pluck().all() as string[];
    expect(events).toHaveLength(2);
    for (const e of events) expect(recruitmentEventProblem(JSON.parse(e))).toBeUndefined();
    expect(JSON.parse(events[0] as string)).toMatchObject({ kind: 'candidacy', registrationId: id, vacancyId: 'V-PICKERS', candidacyId: items[0]?.candidacyId, officerId: OFFICER });
    expect(fx.store.audit.verify().ok).toBe(true);
  });

  for (const vacancyId of ['V-CLOSED', 'V-FILLED', 'V-PAST', 'V-FULL', 'V-SUSPENDED', 'V-FLAGGED', 'NO-SUCH']) {
    it(`refuses ${vacancyId} and records nothing of the request`, () => {
      const id = fx.registration();
      expect(codeOf(() => service.addCandidacies(id, ['V-PICKERS', vacancyId], OFFICER))).toBe('VACANCY_NOT_OFFERED');
      expect(service.candidacies(id)).toEqual([]);
      expect(fx.store.connection.prepare('SELECT count(*) FROM recruitment_outbox').pluck().get()).toBe(0);
      expect(fx.store.audit.forEntity('registration', id).some((a) => a.action.startsWith('recruitment.'))).toBe(false);
    });
  }

  it('a withdrawal is recorded and forwarded; interest shown again later is a new candidacy', () => {
    const id = fx.registration();
    const [first] = service.addCandidacies(id, ['V-PICKERS'], OFFICER);
    const withdrawn = service.withdraw(id, first?.candidacyId as string, OFFICER);
    expect(withdrawn.status).toBe('withdrew');
    const [again] = service.addCandidacies(id, ['V-PICKERS'], OFFICER);
    expect(again?.candidacyId).not.toBe(first?.candidacyId);
    const kinds = fx.store.connection.prepare('SELECT kind FROM recruitment_outbox ORDER BY seq').pluck().all();
    expect(kinds).toEqual(['candidacy', 'candidacy-withdrawn', 'candidacy']);
  });

  it('shows the central’s outcome when it arrives in the reference copy', () => {
    const id = fx.registration();
    const [c] = service.addCandidacies(id, ['V-PICKERS'], OFFICER);
    fx.store.connection
      .prepare(`INSERT INTO ref_recruitment_outcomes VALUES (?, ?, 'V-PICKERS', 'BBR', 'selected', '2026-12-02', '["wage_lower"]', 1, NULL, NULL)`)
      .run(c?.candidacyId, id);
    expect(service.candidacies(id)[0]).toMatchObject({ status: 'selected', statusOn: '2026-12-02', contractFlags: ['wage_lower'] });
  });
});

describe('recruitment costs', () => {
  it('records what was paid, to whom and for what; a recruiter or agent raises the protection flag', () => {
    const id = fx.registration();
    const fee = service.addCost(id, { amountMinor: 5000, currency: 'USD', paidTo: 'recruiter', purpose: 'recruitment_fee', paidOn: '2026-11-20' }, OFFICER);
    const bus = service.addCost(id, { amountMinor: 1500, currency: 'USD', paidTo: 'transport', purpose: 'travel', paidOn: '2026-11-21', vacancyId: 'V-PICKERS' }, OFFICER);
    expect(fee.protectionFlag).toBe(true);
    expect(bus.protectionFlag).toBe(false);
    expect(service.costs(id).map((c) => [c.paidTo, c.amountMinor])).toEqual([
      ['recruiter', 5000],
      ['transport', 1500],
    ]);
    const audit = fx.store.audit.forEntity('registration', id).filter((a) => a.action === 'recruitment.cost_recorded');
    expect(audit.map((a) => a.details)).toEqual([
      { costId: fee.costId, paidTo: 'recruiter', purpose: 'recruitment_fee', protectionFlag: true },
      { costId: bus.costId, paidTo: 'transport', purpose: 'travel', protectionFlag: false },
    ]);
    // The audit holds no amounts; the event for the central does.
    expect(JSON.stringify(audit)).not.toContain('5000');
    const event = JSON.parse(fx.store.connection.prepare("SELECT payload_json FROM recruitment_outbox WHERE kind = 'cost-report' ORDER BY seq LIMIT 1").pluck().get() as string);
    expect(event).toMatchObject({ kind: 'cost-report', eventId: fee.costId, amountMinor: 5000, currency: 'USD', paidTo: 'recruiter', purpose: 'recruitment_fee', paidOn: '2026-11-20', vacancyId: null });
    expect(recruitmentEventProblem(event)).toBeUndefined();
  });

  it('also at a later visit, on a finalized registration', () => {
    const id = fx.registration();
    fx.store.registrations.finalize(id, OFFICER);
    expect(service.addCost(id, { amountMinor: 2000, currency: 'ZAR', paidTo: 'medical', purpose: 'medical_exam', paidOn: '2026-11-29' }, OFFICER).currency).toBe('ZAR');
  });

  it('refuses a bad amount, currency, payee, purpose or date by field', () => {
    const id = fx.registration();
    const base = { amountMinor: 100, currency: 'USD', paidTo: 'agent', purpose: 'recruitment_fee', paidOn: '2026-11-20' } as const;
    const fieldOf = (over: Record<string, unknown>) => {
      try {
        service.addCost(id, { ...base, ...over } as never, OFFICER);
      } catch (err) {
        return isApplianceError(err) ? `${err.code}:${(err.context as { field?: string }).field}` : 'uncoded';
      }
      return 'accepted';
    };
    expect(fieldOf({ amountMinor: -1 })).toBe('RECRUITMENT_INVALID:amountMinor');
    expect(fieldOf({ amountMinor: 1.5 })).toBe('RECRUITMENT_INVALID:amountMinor');
    expect(fieldOf({ currency: 'XXX' })).toBe('RECRUITMENT_INVALID:currency');
    expect(fieldOf({ paidTo: 'friend' })).toBe('RECRUITMENT_INVALID:paidTo');
    expect(fieldOf({ purpose: 'gift' })).toBe('RECRUITMENT_INVALID:purpose');
    expect(fieldOf({ paidOn: '2026-12-01' })).toBe('RECRUITMENT_INVALID:paidOn');
    expect(fieldOf({ paidOn: '29/11/2026' })).toBe('RECRUITMENT_INVALID:paidOn');
    expect(service.costs(id)).toEqual([]);
  });
});

describe('the outbox for the central', () => {
  it('holds events until the registration’s record was acknowledged, then releases them oldest first', () => {
    const id = fx.registration();
    service.addCandidacies(id, ['V-PICKERS'], OFFICER);
    service.addCost(id, { amountMinor: 5000, currency: 'USD', paidTo: 'recruiter', purpose: 'recruitment_fee', paidOn: '2026-11-20' }, OFFICER);
    expect(service.outbox.due(10)).toEqual([]);
    fx.store.registrations.finalize(id, OFFICER);
    expect(service.outbox.due(10)).toEqual([]);
    const [finalized] = fx.store.outbox.pending(10);
    fx.store.outbox.markSent(finalized?.seq as number);
    expect(service.outbox.due(10).map((e) => e.event.kind)).toEqual(['candidacy', 'cost-report']);
    expect(service.outbox.status()).toMatchObject({ pending: 2, due: 2, rejected: 0 });
  });

  it('the events of a draft that is never finalized (e.g. discarded) never become due', () => {
    const id = fx.registration();
    service.addCandidacies(id, ['V-PICKERS'], OFFICER);
    createDetailsParts({ store: fx.store, now: () => NOW }).counter.discard(id, 'migrant-left', null, OFFICER);
    expect(service.outbox.status()).toMatchObject({ pending: 1, due: 0 });
    expect(service.outbox.due(10)).toEqual([]);
  });

  it('survives closing the store (a crash or power cut after commit) and is marked sent, rejected or failed', () => {
    const id = fx.registration();
    service.addCandidacies(id, ['V-PICKERS', 'V-TOMATO'], OFFICER);
    fx.store.registrations.finalize(id, OFFICER);
    fx.store.outbox.markSent((fx.store.outbox.pending(1)[0]?.seq ?? 0) as number);
    const path = fx.store.health().path;
    fx.store.close();
    const reopened = openApplianceStore({ dataDir: fx.dir, now: () => NOW });
    try {
      const outbox = createRecruitmentOutbox(reopened.connection);
      const due = outbox.due(10);
      expect(due).toHaveLength(2);
      outbox.markFailed([due[0]?.eventId as string], 'connect-refused: down');
      expect(outbox.status().lastError).toBe('connect-refused: down');
      expect(outbox.markSent([due[0]?.eventId as string], NOW.toISOString())).toBe(1);
      expect(outbox.markRejected([{ eventId: due[1]?.eventId as string, code: 'VACANCY_UNKNOWN' }], NOW.toISOString())).toBe(1);
      expect(outbox.due(10)).toEqual([]);
      expect(outbox.status()).toMatchObject({ pending: 0, rejected: 1 });
      expect(path).toContain(fx.dir);
    } finally {
      reopened.close();
    }
  });
});
