/**
 * Recruitment and selection (#17), for admins: employers (compliance status) and vacancies (every term, requirements
 * from closed lists), the vacancies with their flags and places left; for one vacancy
 * the candidates of every office (filter by status, office, occupation match), outcomes with their date, the
 * contract offered (compared with the vacancy by the central: every difference shown as a flag), orientation and
 * departure; the employer's CSV; the protection cases (payments to recruiters) to follow up.
 *
 * Routes: central/src/routes/recruitment.ts. Every change is audited by the central and reaches the appliances of
 * the candidate's office. Deliberately no sex, age or nationality here: the shortlist is made on the job.
 */
import type { VacancyRow } from '@lmc/protocol/recruitment.ts';
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, query } from '../api.ts';
import { OFFICES } from '../labels.ts';
import type { Node as VNode } from '../node.ts';
import { messages, page } from '../pages/page.ts';

const ADMIN = '/api/v1/admin/recruitment';
const RECRUITMENT = '/api/v1/recruitment';

type Obj = Record<string, unknown>;

/** The admin list serves the central's feed rows (to_jsonb of ref_vacancies: every column protocol/src/reference-tables.ts declares). */
type Vacancy = VacancyRow;

interface Candidate {
  candidacyId: string;
  officeCode: string;
  officeName: string | null;
  surname: string | null;
  givenNames: string | null;
  status: string;
  statusOn: string;
  occupationMatches: boolean;
  meetsMinimumAge: boolean | null;
  contractRecorded: boolean;
  contractFlags: string[];
  orientationOn: string | null;
  departureOn: string | null;
  openProtectionFlags: number;
}

const STATUS_LABEL: Record<string, string> = {
  candidate: 'Candidate',
  shortlisted: 'Shortlisted',
  selected: 'Selected',
  not_selected: 'Not selected',
  withdrew: 'Withdrew',
};

const FLAG_LABEL: Record<string, string> = {
  worker_pays_recruitment: 'worker pays recruitment',
  worker_pays_travel: 'worker pays travel',
  terms_incomplete: 'terms incomplete',
  employer_suspended: 'employer suspended',
  wage_lower: 'wage lower than advertised',
  hours_longer: 'longer hours',
  length_differs: 'different length',
  accommodation_worse: 'accommodation worse',
  transport_worse: 'transport worse',
  vacancy_terms_missing: 'vacancy terms missing',
};

const today = () => new Date().toISOString().slice(0, 10);
const rand = (cents: number | null) => (cents === null ? '—' : `R ${(cents / 100).toFixed(2)}`);

function flagBadges(flags: readonly string[] | null, name: string): VNode {
  if (!flags || flags.length === 0) return h('span', { class: 'badge ok', 'data-flags': name }, 'no flag');
  return h(
    'span',
    { 'data-flags': name },
    flags.map((f) => h('span', { class: 'badge bad', 'data-flag': f }, FLAG_LABEL[f] ?? f)),
  );
}

/** The contract form: starts from the vacancy's terms, the officer changes what the employer actually offers. */
function ContractForm(props: { vacancy: Vacancy; onSave: (contract: Obj) => void; onCancel: () => void }): VNode {
  const v = props.vacancy;
  const [c, setC] = useState({
    wage: ((v.wage_zar_cents ?? 0) / 100).toFixed(2),
    wage_period: v.wage_period ?? 'month',
    hours_per_week: String(v.hours_per_week ?? 45),
    contract_months: String(v.contract_months ?? 6),
    accommodation: v.accommodation ?? 'provided_free',
    transport: v.transport ?? 'provided_free',
    recruitment_cost_payer: v.recruitment_cost_payer ?? 'employer',
    travel_cost_payer: v.travel_cost_payer ?? 'employer',
  });
  const field = (name: keyof typeof c, label: string, type = 'text') =>
    h('label', null, label, h('input', { name, type, value: c[name], onInput: (e: Event) => setC({ ...c, [name]: (e.target as HTMLInputElement).value }) }));
  const choice = (name: keyof typeof c, label: string, options: readonly string[]) =>
    h('label', null, label, h('select', { name, value: c[name], onChange: (e: Event) => setC({ ...c, [name]: (e.target as HTMLSelectElement).value }) }, options.map((o) => h('option', { value: o }, o.replace(/_/g, ' ')))));
  return h(
    'form',
    {
      class: 'card inline-form',
      'data-form': 'contract',
      onSubmit: (e: Event) => {
        e.preventDefault();
        props.onSave({
          wage_zar_cents: Math.round(Number(c.wage) * 100),
          wage_period: c.wage_period,
          hours_per_week: Number(c.hours_per_week),
          days_per_week: v.days_per_week,
          contract_months: Number(c.contract_months),
          accommodation: c.accommodation,
          transport: c.transport,
          recruitment_cost_payer: c.recruitment_cost_payer,
          travel_cost_payer: c.travel_cost_payer,
        });
      },
    },
    field('wage', 'Wage (ZAR)', 'number'),
    choice('wage_period', 'per', ['hour', 'day', 'week', 'fortnight', 'month']),
    field('hours_per_week', 'Hours a week', 'number'),
    field('contract_months', 'Months', 'number'),
    choice('accommodation', 'Accommodation', ['provided_free', 'provided_deducted', 'not_provided']),
    choice('transport', 'Transport', ['provided_free', 'provided_deducted', 'not_provided']),
    choice('recruitment_cost_payer', 'Recruitment paid by', ['employer', 'worker', 'shared']),
    choice('travel_cost_payer', 'Travel paid by', ['employer', 'worker', 'shared']),
    h('button', { type: 'submit', class: 'primary', 'data-action': 'save-contract' }, 'Record contract'),
    h('button', { type: 'button', onClick: props.onCancel }, 'Cancel'),
  );
}

function Shortlist(props: { vacancy: Vacancy; onChanged: () => void }): VNode {
  const v = props.vacancy;
  const [filter, setFilter] = useState({ status: '', office: '', occupationMatches: '' });
  const [rows, setRows] = useState<Candidate[] | null>(null);
  const [on, setOn] = useState(today());
  const [contractFor, setContractFor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const q = { vacancyId: v.vacancy_id, status: filter.status, office: filter.office, occupationMatches: filter.occupationMatches };
  const load = async () => setRows((await api<{ candidates: Candidate[] }>('GET', `${RECRUITMENT}/candidates${query(q)}`)).candidates);
  useEffect(() => {
    load().catch((err) => setError(errorText(err)));
  }, [v.vacancy_id, filter.status, filter.office, filter.occupationMatches]);
  const act = async (f: () => Promise<string | undefined>) => {
    setError(null);
    setNotice(null);
    try {
      const msg = await f();
      if (msg) setNotice(msg);
      await load();
      props.onChanged();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const post = (id: string, what: string, body: Obj) => api<Obj>('POST', `${RECRUITMENT}/candidacies/${id}/${what}`, body);
  const outcome = (c: Candidate, status: string, label: string) =>
    h('button', { type: 'button', 'data-action': status, onClick: () => void act(async () => void (await post(c.candidacyId, 'outcome', { status, on }))) }, label);
  const select = (name: keyof typeof filter, label: string, options: Record<string, string>) =>
    h('label', null, label, h('select', { name, value: filter[name], onChange: (e: Event) => setFilter({ ...filter, [name]: (e.target as HTMLSelectElement).value }) }, h('option', { value: '' }, 'Any'), Object.entries(options).map(([k, t]) => h('option', { value: k }, t))));
  return h(
    'div',
    { class: 'card', 'data-shortlist': v.vacancy_id },
    h('h2', null, `${v.title ?? v.vacancy_id} · ${v.employer_id}`),
    h(
      'p',
      { class: 'hint' },
      `ISCO ${v.occupation_isco} · ${v.workplace_district ?? '—'} · ${rand(v.wage_zar_cents)} per ${v.wage_period ?? '—'} · ${v.hours_per_week ?? '—'} h/week · ${v.contract_months ?? '—'} months · ${v.places_left ?? v.positions} of ${v.positions} places left `,
      flagBadges(v.flags, 'vacancy'),
    ),
    h(
      'div',
      { class: 'filters' },
      select('status', 'Status', STATUS_LABEL),
      select('office', 'Office', OFFICES),
      select('occupationMatches', 'Occupation', { true: 'matches the vacancy', false: 'other occupation' }),
      h('label', null, 'Date of decision', h('input', { name: 'on', type: 'date', value: on, onInput: (e: Event) => setOn((e.target as HTMLInputElement).value) })),
      h('a', { class: 'button', href: `${RECRUITMENT}/candidates.csv${query({ vacancyId: v.vacancy_id, status: filter.status, office: filter.office })}`, 'data-action': 'export', download: '' }, 'Export for the employer (CSV)'),
    ),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    notice ? h('p', { class: 'hint', 'data-notice': '' }, notice) : null,
    contractFor
      ? h(ContractForm, {
          vacancy: v,
          onCancel: () => setContractFor(null),
          onSave: (contract) =>
            void act(async () => {
              const r = (await post(contractFor, 'contract', { contract, on })) as { flags: string[] };
              setContractFor(null);
              return r.flags.length ? `Contract differs from the vacancy: ${r.flags.map((f) => FLAG_LABEL[f] ?? f).join(', ')}` : 'Contract matches the vacancy.';
            }),
        })
      : null,
    rows === null
      ? h('p', { class: 'loading' }, 'Loading…')
      : rows.length === 0
        ? h('p', { 'data-candidates': '0' }, 'No candidates.')
        : h(
            'table',
            { class: 'grid', 'data-table': 'candidates' },
            h('thead', null, h('tr', null, ['Name', 'Office', 'Status', 'Since', 'Occupation', 'Age ≥ minimum', 'Contract', 'Orientation', 'Departure', ''].map((t) => h('th', { scope: 'col' }, t)))),
            h(
              'tbody',
              null,
              rows.map((c) =>
                h(
                  'tr',
                  { 'data-candidacy': c.candidacyId, 'data-status': c.status },
                  h('td', null, `${c.surname ?? '?'}, ${c.givenNames ?? ''}`, c.openProtectionFlags > 0 ? h('span', { class: 'badge warn', title: 'Reported a payment to a recruiter or agent' }, 'protection case') : null),
                  h('td', null, c.officeName ?? c.officeCode),
                  h('td', null, STATUS_LABEL[c.status] ?? c.status),
                  h('td', null, c.statusOn),
                  h('td', null, c.occupationMatches ? 'matches' : 'other'),
                  h('td', null, c.meetsMinimumAge === null ? 'unknown' : c.meetsMinimumAge ? 'yes' : 'no'),
                  h('td', null, c.contractRecorded ? flagBadges(c.contractFlags, c.candidacyId) : '—'),
                  h('td', null, c.orientationOn ?? '—'),
                  h('td', null, c.departureOn ?? '—'),
                  h(
                    'td',
                    null,
                    h(
                    'div',
                    // A div, not td.actions: a flex table cell leaves the table's layout and overflows the card.
                    { class: 'buttons', style: 'display: flex; flex-wrap: wrap; gap: 0.4rem; min-width: 12rem' },
                    c.status === 'candidate' || c.status === 'not_selected' ? outcome(c, 'shortlisted', 'Shortlist') : null,
                    c.status === 'candidate' || c.status === 'shortlisted' ? [outcome(c, 'selected', 'Select'), outcome(c, 'not_selected', 'Not selected')] : null,
                    c.status === 'selected' && !c.departureOn
                      ? [
                          h('button', { type: 'button', 'data-action': 'contract', onClick: () => setContractFor(c.candidacyId) }, 'Contract…'),
                          c.orientationOn ? null : h('button', { type: 'button', 'data-action': 'orientation', onClick: () => void act(async () => void (await post(c.candidacyId, 'orientation', { on }))) }, 'Orientation attended'),
                          c.contractRecorded
                            ? h(
                                'button',
                                {
                                  type: 'button',
                                  'data-action': 'departure',
                                  onClick: () =>
                                    void act(async () => {
                                      const reviewed = c.contractFlags.length === 0 || confirm(`The contract differs from the vacancy (${c.contractFlags.join(', ')}). Record the departure anyway?`);
                                      if (!reviewed) return 'Departure not recorded.';
                                      await post(c.candidacyId, 'departure', { on, flagsReviewed: c.contractFlags.length > 0 });
                                      return undefined;
                                    }),
                                },
                                'Departed',
                              )
                            : null,
                        ]
                      : null,
                    c.status !== 'withdrew' && !c.departureOn ? outcome(c, 'withdrew', 'Withdrew') : null,
                  ),
                  ),
                ),
              ),
            ),
          ),
  );
}

function ProtectionCases(): VNode {
  const [cases, setCases] = useState<Obj[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async () => setCases((await api<{ cases: Obj[] }>('GET', `${RECRUITMENT}/protection-cases?open=true`)).cases);
  useEffect(() => {
    load().catch((err) => setError(errorText(err)));
  }, []);
  const followUp = async (id: string) => {
    const note = prompt('What was done (referral, report to the labour inspectorate …)?');
    if (!note) return;
    try {
      await api('POST', `${RECRUITMENT}/protection-cases/${id}/follow-up`, { note });
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return h(
    'div',
    { class: 'card', 'data-protection-cases': cases?.length ?? '' },
    h('h2', null, 'Protection cases: payments to recruiters or agents'),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    cases === null
      ? h('p', { class: 'loading' }, 'Loading…')
      : cases.length === 0
        ? h('p', { class: 'hint' }, 'None open.')
        : h(
            'table',
            { class: 'grid', 'data-table': 'protection-cases' },
            h('thead', null, h('tr', null, ['Office', 'Paid to', 'For', 'Amount', 'Paid on', 'Reported', ''].map((t) => h('th', { scope: 'col' }, t)))),
            h(
              'tbody',
              null,
              cases.map((c) =>
                h(
                  'tr',
                  { 'data-case': String(c.eventId) },
                  h('td', null, String(c.officeCode)),
                  h('td', null, String(c.paidTo)),
                  h('td', null, String(c.purpose).replace(/_/g, ' ')),
                  h('td', { class: 'num' }, `${c.currency} ${(Number(c.amountMinor) / 100).toFixed(2)}`),
                  h('td', null, String(c.paidOn)),
                  h('td', null, String(c.recordedAt).slice(0, 10)),
                  h('td', { class: 'actions' }, h('button', { type: 'button', 'data-action': 'follow-up', onClick: () => void followUp(String(c.eventId)) }, 'Followed up…')),
                ),
              ),
            ),
          ),
  );
}


interface Vocabulary {
  complianceStatuses: string[];
  wagePeriods: string[];
  provisions: string[];
  costPayers: string[];
  skills: string[];
  certificates: string[];
  minimumAge: number;
}

interface Employer {
  employer_id: string;
  name: string;
  compliance_status: string | null;
  sa_registration_no: string | null;
  demo: boolean;
  [k: string]: unknown;
}

const words = (code: string) => code.replace(/_/g, ' ');

/** Employers with their compliance status: suspending one closes its open vacancies on every appliance. */
function Employers(props: { vocabulary: Vocabulary; employers: Employer[]; onChanged: () => void }): VNode {
  const [error, setError] = useState<string | null>(null);
  const setStatus = async (e: Employer, status: string) => {
    setError(null);
    try {
      const { employer_id, ...row } = e;
      await api('PUT', `${ADMIN}/employers/${encodeURIComponent(employer_id)}`, { ...row, compliance_status: status });
      props.onChanged();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return h(
    'div',
    { class: 'card' },
    h('h2', null, 'Employers'),
    h('p', { class: 'hint' }, 'Suspending an employer closes its open vacancies at every office with the next reference pull.'),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    h(
      'table',
      { class: 'grid', 'data-table': 'employers' },
      h('thead', null, h('tr', null, ['Employer', 'Registration (CIPC)', 'Compliance'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        null,
        props.employers.map((e) =>
          h(
            'tr',
            { 'data-employer': e.employer_id },
            h('td', null, e.name),
            h('td', null, e.sa_registration_no ?? '—'),
            h(
              'td',
              null,
              h(
                'select',
                { name: 'compliance', value: e.compliance_status ?? '', onChange: (ev: Event) => void setStatus(e, (ev.target as HTMLSelectElement).value) },
                e.compliance_status ? null : h('option', { value: '' }, '—'),
                props.vocabulary.complianceStatuses.map((c) => h('option', { value: c }, words(c))),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

const EMPTY_VACANCY = {
  vacancy_id: '',
  employer_id: '',
  occupation_isco: '',
  destination_province: 'ZA-LP',
  workplace_district: '',
  title: '',
  positions: '10',
  opens_on: '',
  closes_on: '',
  start_date: '',
  wage: '',
  wage_period: 'month',
  hours_per_week: '45',
  days_per_week: '5',
  contract_months: '6',
  accommodation: 'provided_free',
  transport: 'provided_free',
  recruitment_cost_payer: 'employer',
  travel_cost_payer: 'employer',
  min_age: '18',
  min_experience_seasons: '0',
  terms_note: '',
};

/**
 * A vacancy: every term an open vacancy needs; requirements only from the closed lists (skills, certificates,
 * experience, a minimum age of 18 or more). The central refuses a note that names a prohibited ground and flags
 * costs the worker is to pay; its answer is shown as it is.
 */
function VacancyForm(props: { vocabulary: Vocabulary; employers: Employer[]; onSaved: () => void }): VNode {
  const voc = props.vocabulary;
  const [v, setV] = useState({ ...EMPTY_VACANCY });
  const [skills, setSkills] = useState<string[]>([]);
  const [certificates, setCertificates] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const text = (name: keyof typeof v, label: string, type = 'text', required = true) =>
    h('label', null, label, h('input', { name, type, required, value: v[name], onInput: (e: Event) => setV({ ...v, [name]: (e.target as HTMLInputElement).value }) }));
  const choice = (name: keyof typeof v, label: string, options: readonly string[]) =>
    h('label', null, label, h('select', { name, value: v[name], onChange: (e: Event) => setV({ ...v, [name]: (e.target as HTMLSelectElement).value }) }, options.map((o) => h('option', { value: o }, words(o)))));
  const ticks = (name: string, label: string, codes: readonly string[], chosen: string[], set: (x: string[]) => void) =>
    h(
      'fieldset',
      { 'data-ticks': name, style: 'display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem' },
      h('legend', null, label),
      codes.map((c) =>
        h('label', { class: 'tick', style: 'display: inline-flex; align-items: center; gap: 0.3rem; font-weight: normal' }, h('input', { type: 'checkbox', style: 'width: auto; margin: 0', name, value: c, checked: chosen.includes(c), onChange: (e: Event) => set((e.target as HTMLInputElement).checked ? [...chosen, c] : chosen.filter((x) => x !== c)) }), ` ${words(c)}`),
      ),
    );
  const int = (x: string) => (x === '' ? null : Number(x));
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    try {
      await api('PUT', `${ADMIN}/vacancies/${encodeURIComponent(v.vacancy_id)}`, {
        employer_id: v.employer_id,
        occupation_isco: v.occupation_isco,
        destination_province: v.destination_province,
        workplace_district: v.workplace_district || null,
        title: v.title || null,
        positions: Number(v.positions),
        opens_on: v.opens_on || null,
        closes_on: v.closes_on || null,
        start_date: v.start_date || null,
        status: 'open',
        demo: false,
        wage_zar_cents: v.wage === '' ? null : Math.round(Number(v.wage) * 100),
        wage_period: v.wage_period,
        hours_per_week: int(v.hours_per_week),
        days_per_week: int(v.days_per_week),
        contract_months: int(v.contract_months),
        accommodation: v.accommodation,
        transport: v.transport,
        recruitment_cost_payer: v.recruitment_cost_payer,
        travel_cost_payer: v.travel_cost_payer,
        min_age: int(v.min_age),
        min_experience_seasons: int(v.min_experience_seasons),
        required_skills: skills,
        required_certificates: certificates,
        terms_note: v.terms_note || null,
      });
      setSaved(v.vacancy_id);
      props.onSaved();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return h(
    'form',
    { class: 'card', 'data-form': 'vacancy', onSubmit: (e: Event) => void save(e) },
    h('h2', null, 'New or changed vacancy'),
    h(
      'div',
      { class: 'inline-form' },
      text('vacancy_id', 'Vacancy id'),
      h(
        'label',
        null,
        'Employer',
        h(
          'select',
          { name: 'employer_id', required: true, value: v.employer_id, onChange: (e: Event) => setV({ ...v, employer_id: (e.target as HTMLSelectElement).value }) },
          h('option', { value: '' }, '—'),
          props.employers.filter((x) => x.compliance_status !== 'suspended').map((x) => h('option', { value: x.employer_id }, x.name)),
        ),
      ),
      text('title', 'Title'),
      text('occupation_isco', 'ISCO-08 unit group'),
      text('destination_province', 'Province (ZA-…)'),
      text('workplace_district', 'District', 'text', false),
      text('positions', 'Workers', 'number'),
      text('opens_on', 'Opens', 'date', false),
      text('closes_on', 'Closes', 'date', false),
      text('start_date', 'Starts', 'date'),
    ),
    h(
      'div',
      { class: 'inline-form' },
      text('wage', 'Wage (ZAR)', 'number'),
      choice('wage_period', 'per', voc.wagePeriods),
      text('hours_per_week', 'Hours a week', 'number'),
      text('days_per_week', 'Days a week', 'number', false),
      text('contract_months', 'Months', 'number'),
      choice('accommodation', 'Accommodation', voc.provisions),
      choice('transport', 'Transport', voc.provisions),
      choice('recruitment_cost_payer', 'Recruitment paid by', voc.costPayers),
      choice('travel_cost_payer', 'Travel paid by', voc.costPayers),
    ),
    h('div', { class: 'inline-form' }, text('min_age', `Minimum age (≥ ${voc.minimumAge})`, 'number'), text('min_experience_seasons', 'Seasons of experience', 'number', false), text('terms_note', 'Note', 'text', false)),
    ticks('skills', 'Skills asked for', voc.skills, skills, setSkills),
    ticks('certificates', 'Certificates asked for', voc.certificates, certificates, setCertificates),
    h('p', { class: 'hint' }, 'Requirements are about the job: there is no field for sex, religion, union membership, origin, marital status, pregnancy, health or opinion, and a note naming one is refused.'),
    error ? h('p', { class: 'error', role: 'alert', 'data-vacancy-error': '' }, error) : null,
    saved ? h('p', { class: 'hint', 'data-saved': saved }, `Saved ${saved}.`) : null,
    h('button', { type: 'submit', class: 'primary', 'data-action': 'save-vacancy' }, 'Save vacancy'),
  );
}

export function RecruitmentPage(): VNode {
  const [vacancies, setVacancies] = useState<Vacancy[] | null>(null);
  const [employers, setEmployers] = useState<Employer[]>([]);
  const [vocabulary, setVocabulary] = useState<Vocabulary | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    setVacancies((await api<{ vacancies: Vacancy[] }>('GET', `${ADMIN}/vacancies`)).vacancies.filter((v) => !v.demo));
    setEmployers((await api<{ employers: Employer[] }>('GET', `${ADMIN}/employers`)).employers.filter((e) => !e.demo));
  };
  useEffect(() => {
    load().catch((err) => setError(errorText(err)));
    api<Vocabulary>('GET', `${ADMIN}/vocabulary`).then(setVocabulary, (err) => setError(errorText(err)));
  }, []);
  const reload = () => void load().catch((err) => setError(errorText(err)));
  const current = vacancies?.find((v) => v.vacancy_id === open) ?? null;
  return page(
    'recruitment',
    'Recruitment and selection',
    'Candidates of every office. Each decision is audited under your name and reaches the office’s appliances with their next reference pull.',
    ...messages(error),
    vacancies === null
      ? h('p', { class: 'loading' }, 'Loading…')
      : h(
          'table',
          { class: 'grid', 'data-table': 'vacancies' },
          h('thead', null, h('tr', null, ['Vacancy', 'Employer', 'ISCO-08', 'District', 'Wage', 'Places left', 'Status', 'Flags', ''].map((t) => h('th', { scope: 'col' }, t)))),
          h(
            'tbody',
            null,
            vacancies.map((v) =>
              h(
                'tr',
                { 'data-vacancy': v.vacancy_id, 'aria-selected': v.vacancy_id === open ? 'true' : undefined },
                h('td', null, v.title ?? v.vacancy_id),
                h('td', null, v.employer_id),
                h('td', null, v.occupation_isco),
                h('td', null, v.workplace_district ?? '—'),
                h('td', { class: 'num' }, `${rand(v.wage_zar_cents)} / ${v.wage_period ?? '—'}`),
                h('td', { class: 'num' }, `${v.places_left ?? v.positions} of ${v.positions}`),
                h('td', null, v.status),
                h('td', null, flagBadges(v.flags, v.vacancy_id)),
                h('td', { class: 'actions' }, h('button', { type: 'button', 'data-action': 'candidates', onClick: () => setOpen(v.vacancy_id) }, 'Candidates')),
              ),
            ),
          ),
        ),
    current ? h(Shortlist, { vacancy: current, onChanged: reload }) : null,
    h(ProtectionCases, null),
    vocabulary ? h(Employers, { vocabulary, employers, onChanged: reload }) : null,
    vocabulary ? h(VacancyForm, { vocabulary, employers, onSaved: reload }) : null,
  );
}
