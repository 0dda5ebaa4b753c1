import { type ComponentChild, h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Stepper } from '../components/idle-overlay.ts';
import { t } from '../i18n/i18n.ts';
import type { MatchReason } from '@lmc/appliance/recruitment/matching.ts';
import type { CandidacyView, MatchAnswer, StoredWorkProfile as WorkProfileView } from '@lmc/appliance/recruitment/recruitment-service.ts';
import type { VacancyView } from '@lmc/appliance/recruitment/vacancy-view.ts';
import type { Registration } from '../types.ts';
import { errorText } from './errors.ts';

/** Rands from cents, grouped (12,345.67); whole rands without decimals. */
export const rands = (cents: number): string => {
  const whole = Math.floor(cents / 100);
  const rest = cents % 100;
  return `${whole.toLocaleString('en-US')}${rest ? `.${String(rest).padStart(2, '0')}` : ''}`;
};

const PERIOD_KEY: Record<string, string> = { hour: 'perHour', day: 'perDay', week: 'perWeek', fortnight: 'perFortnight', month: 'perMonth' };
const skillName = (code: string) => t(`jobs.skill.${code}`, { defaultValue: code.replaceAll('_', ' ') });
const certificateName = (code: string) => t(`jobs.certificate.${code}`, { defaultValue: code.replaceAll('_', ' ') });

/** One reason of the ranking in the officer's language (the server's codes: recruitment/matching.ts MatchReason). */
export function reasonText(r: MatchReason): string {
  const vars: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(r)) if (k !== 'code') vars[k] = Array.isArray(v) ? v.map((s) => (k === 'skills' ? skillName(String(s)) : k === 'certificates' ? certificateName(String(s)) : String(s))).join(', ') : (v as string | number);
  return t(`jobs.reason.${r.code}`, vars);
}

/** The terms a migrant is told: wage, hours and length, housing, transport, who pays. */
function Terms(props: { v: VacancyView }) {
  const x = props.v.terms;
  const none = t('jobs.notStated');
  const workerPays = [
    ...(x.recruitmentCostPayer && x.recruitmentCostPayer !== 'employer' ? [t('jobs.recruitmentCosts')] : []),
    ...(x.travelCostPayer && x.travelCostPayer !== 'employer' ? [t('jobs.travelCosts')] : []),
  ];
  const provision = (p: string | null) => (p ? t(`jobs.provision.${p}`) : none);
  return h(
    'ul',
    { class: 'terms' },
    h('li', { 'data-term': 'wage' }, x.wageZarCents !== null && x.wagePeriod ? t(`jobs.${PERIOD_KEY[x.wagePeriod] ?? 'perMonth'}`, { amount: rands(x.wageZarCents) }) : `${t('jobs.wage')}: ${none}`),
    h('li', { 'data-term': 'hours' }, x.hoursPerWeek !== null && x.contractMonths !== null ? t('jobs.hoursMonths', { hours: x.hoursPerWeek, months: x.contractMonths }) : none),
    h('li', null, t('jobs.housing', { what: provision(x.accommodation) })),
    h('li', null, t('jobs.transport', { what: provision(x.transport) })),
    x.startDate ? h('li', null, t('jobs.start', { date: x.startDate })) : null,
    h('li', { class: workerPays.length > 0 ? 'term-bad' : 'term-ok', 'data-term': 'costs' }, workerPays.length > 0 ? `⚠ ${t('jobs.workerPays', { what: workerPays.join(', ') })}` : `✓ ${t('jobs.employerPays')}`),
  );
}

interface Props {
  registration: Registration;
  onBack: () => void;
  onContinue: () => void;
  onCosts: () => void;
}

/**
 * After the details: the open vacancies that fit this migrant, best first, each with why it fits and its terms,
 * from the appliance's copy of the vacancies (works with the link down). The officer sets the migrant's
 * experience, skills and where they would go (the list re-ranks at once) and records the migrant's interest in each
 * vacancy they want with one tap (withdrawn with another); recruitment costs are one tap away.
 */
export function VacancyMatch(props: Props) {
  const id = props.registration.id;
  const [answer, setAnswer] = useState<MatchAnswer | null>(null);
  const [vocabulary, setVocabulary] = useState<{ skills: string[]; destinations: string[] } | null>(null);
  const [costCount, setCostCount] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const saving = useRef<Promise<unknown>>(Promise.resolve());

  const load = useCallback(async () => {
    try {
      const [a, costs] = await Promise.all([api<MatchAnswer>('GET', `/api/registrations/${id}/vacancy-matches`), api<{ items: unknown[] }>('GET', `/api/registrations/${id}/recruitment-costs`, undefined, { background: true })]);
      setAnswer(a);
      setCostCount(costs.items.length);
    } catch (err) {
      setError(errorText(err));
    }
  }, [id]);
  useEffect(() => {
    void load();
    void api<{ skills: string[]; destinations: string[] }>('GET', '/api/recruitment/vocabulary', undefined, { background: true }).then(setVocabulary, () => {});
  }, [load]);

  /** Saves the profile and re-ranks; changes are sent one after the other so the last one wins. */
  const changeProfile = (patch: Partial<WorkProfileView>) => {
    if (!answer) return;
    const p = { ...answer.profile, ...patch };
    setAnswer({ ...answer, profile: p });
    saving.current = saving.current.then(async () => {
      try {
        await api('PUT', `/api/registrations/${id}/work-profile`, {
          experienceSeasons: p.experienceSeasons,
          skills: p.skills,
          certificates: p.certificates,
          destinationProvinces: p.destinationProvinces,
          destinationDistricts: p.destinationDistricts,
        });
        setAnswer(await api<MatchAnswer>('GET', `/api/registrations/${id}/vacancy-matches`));
        setError(null);
      } catch (err) {
        setError(errorText(err));
      }
    });
  };

  const recorded = new Map((answer?.candidacies ?? []).filter((c) => c.status !== 'withdrew').map((c) => [c.vacancyId, c] as const));
  /** One tap records the interest (audited, queued for the central): nothing is lost when the officer moves on. */
  const interested = async (vacancyId: string) => {
    setBusy(true);
    try {
      await saving.current;
      await api('POST', `/api/registrations/${id}/candidacies`, { vacancyIds: [vacancyId] });
      setError(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      await load();
      setBusy(false);
    }
  };
  const withdraw = async (c: CandidacyView) => {
    setBusy(true);
    try {
      await api('POST', `/api/registrations/${id}/candidacies/${c.candidacyId}/withdraw`);
      await load();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const profile = answer?.profile;
  // The skills worth asking about: those the listed vacancies ask for, and any the migrant already has.
  const wanted = new Set([...(answer?.matches ?? []).flatMap((m) => m.vacancy.requiredSkills), ...(profile?.skills ?? [])]);
  const skills = (vocabulary?.skills ?? []).filter((s) => wanted.has(s));
  // Likewise the certificates (a driving licence…) the listed vacancies ask for.
  const certificates = [...new Set([...(answer?.matches ?? []).flatMap((m) => m.vacancy.requiredCertificates ?? []), ...(profile?.certificates ?? [])])];
  const chip = (selected: boolean, data: Record<string, string>, label: ComponentChild, onClick: () => void) =>
    h('button', { type: 'button', class: `choice choice-small${selected ? ' selected' : ''}`, 'aria-pressed': selected, onClick, ...data }, selected ? '✓ ' : '', label);
  /** A chip for each option, a tap adding it to or taking it from the profile's list `field` (data-`attribute` names it). */
  const toggles = (list: 'skills' | 'certificates' | 'destinationProvinces', key: string, options: readonly string[], attribute: string, label: (o: string) => string) =>
    h(
      'div',
      { class: 'choices', key },
      options.map((o) => {
        const chosen = profile?.[list] ?? [];
        return chip(chosen.includes(o), { key: o, [`data-${attribute}`]: o }, label(o), () => changeProfile({ [list]: chosen.includes(o) ? chosen.filter((x) => x !== o) : [...chosen, o] }));
      }),
    );

  return h(
    'main',
    { class: 'screen vacancy-match', 'data-screen': 'jobs' },
    h(Stepper, { current: 'details', title: t('jobs.title') }),
    error ? h('p', { class: 'message message-bad', role: 'alert' }, error) : null,
    h(
      'div',
      { class: 'match-grid' },
      h(
        'section',
        { class: 'match-profile', 'aria-label': t('jobs.profile') },
        h('h2', null, t('jobs.profile')),
        profile
          ? [
              h('p', { class: 'field-label', key: 'sl' }, t('jobs.seasons', { occupation: profile.occupationTitle ?? profile.occupationIsco })),
              h(
                'div',
                { class: 'stepper-input', key: 'si' },
                h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-action': 'seasons-down', 'aria-label': '−', disabled: profile.experienceSeasons <= 0, onClick: () => changeProfile({ experienceSeasons: profile.experienceSeasons - 1 }) }, '−'),
                h('output', { 'data-seasons': String(profile.experienceSeasons) }, String(profile.experienceSeasons)),
                h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-action': 'seasons-up', 'aria-label': '+', disabled: profile.experienceSeasons >= 40, onClick: () => changeProfile({ experienceSeasons: profile.experienceSeasons + 1 }) }, '+'),
              ),
              skills.length > 0 ? h('p', { class: 'field-label', key: 'kl' }, t('jobs.skills')) : null,
              toggles('skills', 'ks', skills, 'skill', skillName),
              certificates.length > 0 ? h('p', { class: 'field-label', key: 'cl' }, t('jobs.certificates')) : null,
              toggles('certificates', 'cs', certificates, 'certificate', certificateName),
              h('p', { class: 'field-label', key: 'dl' }, t('jobs.destinations')),
              toggles('destinationProvinces', 'ds', vocabulary?.destinations ?? profile.destinationProvinces, 'destination', (d) => t(`destination.${d}`, { defaultValue: d })),
            ]
          : null,
      ),
      h(
        'section',
        { class: 'match-list', 'aria-label': t('jobs.title') },
        answer && answer.matches.length === 0 ? h('p', { class: 'message message-info', 'data-empty': 'matches' }, t('jobs.none')) : null,
        h(
          'ol',
          { class: 'vacancies' },
          (answer?.matches ?? []).map((m) => {
            const v = m.vacancy;
            const c = recorded.get(v.vacancyId);
            const on = !!c;
            return h(
              'li',
              { key: v.vacancyId, class: `vacancy${on ? ' vacancy-on' : ''}${m.meetsRequirements ? '' : ' vacancy-short'}`, 'data-vacancy-match': v.vacancyId, 'data-score': String(m.score) },
              h(
                'div',
                { class: 'vacancy-head' },
                h('p', { class: 'vacancy-title' }, v.title ?? v.occupationTitle ?? v.occupationIsco, v.demo ? h('span', { class: 'badge badge-draft' }, t('jobs.demo')) : null),
                c
                  ? h(
                      'span',
                      { class: 'vacancy-recorded' },
                      h('span', { class: 'badge badge-finalized', 'data-candidacy': c.status }, `✓ ${t(`jobs.outcome.${c.status}`)}`),
                      c.status === 'candidate' ? h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'data-action': 'withdraw', disabled: busy, onClick: () => void withdraw(c) }, t('jobs.withdraw')) : null,
                    )
                  : h(
                      'button',
                      { type: 'button', class: 'choice', 'aria-pressed': false, 'data-interest': v.vacancyId, disabled: busy, onClick: () => void interested(v.vacancyId) },
                      t('jobs.interested'),
                    ),
              ),
              h('p', { class: 'vacancy-employer' }, `${v.employerName} · ${[v.district, t(`destination.${v.destinationProvince}`, { defaultValue: v.destinationProvince })].filter(Boolean).join(', ')}`),
              h('p', { class: 'vacancy-why', 'data-why': m.summary }, m.reasons.filter((r) => r.code !== 'closes-soon').map(reasonText).join(' · ')),
              m.meetsRequirements ? null : h('p', { class: 'vacancy-gap' }, `⚠ ${t('jobs.requirementsNotMet')}`),
              h(Terms, { v }),
              v.closesOn ? h('p', { class: 'vacancy-closes' }, t('jobs.closes', { date: v.closesOn })) : null,
            );
          }),
        ),
      ),
    ),
    h(
      'footer',
      { class: 'action-bar' },
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'back', onClick: props.onBack }, t('common.back')),
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'costs', onClick: props.onCosts }, costCount > 0 ? t('jobs.costsCount', { count: costCount }) : t('jobs.costs')),
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'save-interest', 'data-primary': '', disabled: busy || !answer, onClick: props.onContinue }, recorded.size > 0 ? t('common.continue') : t('jobs.continueWithout')),
    ),
  );
}
