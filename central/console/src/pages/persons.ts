/**
 * Person and registration search (admin: GET /api/v1/persons/search, GET /api/v1/persons/:personId) and the
 * access audit (auditor: GET /api/v1/audit/access). The central records every search and every record opened in
 * its access audit, in the same transaction as the read; the auditor's own reading of the audit is recorded too.
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, query } from '../api.ts';
import { OFFICES, SEX } from '../labels.ts';
import type { PersonSummary } from '../../../src/persons/queries.ts';
import type { Node as VNode } from '../node.ts';
import { cellText, genericTable } from './generic-table.ts';
import { actionForm, messages, page, useAction } from './page.ts';

export const PERSONS = '/api/v1/persons';
export const ACCESS_AUDIT = '/api/v1/audit/access';

type Obj = Record<string, unknown>;


interface PersonView {
  person: PersonSummary & { mergedInto: string | null };
  registrations: Obj[];
  candidates: Obj[];
  history: Obj[];
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—');

function PersonRecord(props: { view: PersonView }): VNode {
  const { person, registrations, history } = props.view;
  return h(
    'div',
    { class: 'card', 'data-person': person.personId },
    h('h2', null, `${person.surname ?? '?'}, ${person.givenNames ?? ''}`),
    h(
      'dl',
      { class: 'record' },
      h('dt', null, 'Born'),
      h('dd', null, day(person.birthDate)),
      h('dt', null, 'Sex'),
      h('dd', null, person.sex ?? '—'),
      h('dt', null, 'Nationality'),
      h('dd', null, person.nationality ?? '—'),
      h('dt', null, 'Documents'),
      h('dd', null, person.documents.map((d) => `${d.documentCode ?? ''} ${d.issuingState ?? ''} ${d.documentNumber ?? ''}`.trim()).join('; ') || '—'),
      person.mergedInto ? [h('dt', null, 'Merged into'), h('dd', null, person.mergedInto)] : null,
    ),
    h('h2', null, `Registrations at every office (${registrations.length})`),
    genericTable(
      registrations.map((r) => ({ ...r, finalizedAt: typeof r.finalizedAt === 'string' ? new Date(r.finalizedAt).toLocaleString('en-GB', { timeZone: 'Africa/Harare', dateStyle: 'medium', timeStyle: 'short' }) : r.finalizedAt })),
      {
      name: 'registrations',
      columns: ['officeCode', 'finalizedAt', 'returning', 'occupationIsco', 'employerId', 'destinationProvince', 'version', 'corrects'],
      labels: { officeCode: 'Office', finalizedAt: 'Registered', returning: 'Returning', occupationIsco: 'ISCO-08', employerId: 'Employer', destinationProvince: 'Destination', version: 'Version', corrects: 'Corrects' },
      },
    ),
    history.length > 0 ? [h('h2', null, 'Link history'), genericTable(history, { name: 'history', columns: ['at', 'actor', 'action', 'otherPersonId'] })] : null,
  );
}

interface Candidate {
  id: number;
  reason: string;
  status: 'pending' | 'accepted' | 'rejected';
  createdAt: string;
  person: PersonSummary;
  other: PersonSummary;
}

const who = (p: PersonSummary) => `${p.surname ?? '?'}, ${p.givenNames ?? ''} · ${day(p.birthDate)} · ${p.documents.map((d) => d.documentNumber ?? '?').join(', ')} · ${p.offices.join(', ')}`;

/**
 * Candidate links (a new passport of a known person: same names, birth date and sex, another number): never
 * merged silently; an admin accepts (the newer person is merged into the known one) or rejects (kept apart).
 */
function CandidateLinks(): VNode {
  const [list, setList] = useState<Candidate[] | null>(null);
  const { error, setError, run } = useAction();
  const load = () =>
    api<{ candidates: Candidate[] }>('GET', `${PERSONS}/candidates${query({ status: 'pending' })}`).then(
      (b) => setList(b.candidates),
      (err: unknown) => setError(errorText(err)),
    );
  useEffect(() => {
    void load();
  }, []);
  const decide = (c: Candidate, decision: 'accept' | 'reject') =>
    run(async () => {
      await api('POST', `${PERSONS}/candidates/${c.id}/${decision}`, {});
      await load();
    });
  if (list !== null && list.length === 0 && !error) return h('p', { class: 'hint', 'data-candidates': '0' }, 'No candidate links to review.');
  return h(
    'div',
    { class: 'card', 'data-candidates': String(list?.length ?? '') },
    h('h2', null, `Candidate links to review${list ? ` (${list.length})` : ''}`),
    h('p', { class: 'hint' }, 'A new passport that may belong to a known person. Accept merges the newer record into the known person; reject keeps them apart.'),
    ...messages(error),
    (list ?? []).map((c) =>
      h(
        'div',
        { class: 'candidate', 'data-candidate': String(c.id) },
        h('p', null, h('strong', null, 'Known: '), who(c.person)),
        h('p', null, h('strong', null, 'New: '), who(c.other), ` (${c.reason})`),
        h(
          'div',
          { class: 'buttons' },
          h('button', { type: 'button', class: 'primary', 'data-action': 'accept', onClick: () => void decide(c, 'accept') }, 'Same person: merge'),
          h('button', { type: 'button', 'data-action': 'reject', onClick: () => void decide(c, 'reject') }, 'Different people'),
        ),
      ),
    ),
  );
}

export function PersonsPage(): VNode {
  const [q, setQ] = useState({ q: '', birthDate: '', sex: '', office: '' });
  const [results, setResults] = useState<PersonSummary[] | null>(null);
  const [open, setOpen] = useState<PersonView | null>(null);
  const { error, run } = useAction();
  const search = () =>
    run(async () => {
      setOpen(null);
      setResults((await api<{ persons: PersonSummary[] }>('GET', `${PERSONS}/search${query(q)}`)).persons);
    });
  const openPerson = (id: string) =>
    run(async () => {
      setOpen(await api<PersonView>('GET', `${PERSONS}/${encodeURIComponent(id)}`));
    });
  const input = (name: 'q' | 'birthDate', label: string, type = 'text') =>
    h('label', null, label, h('input', { name, type, value: q[name], required: name === 'q', minLength: name === 'q' ? 2 : undefined, onInput: (e: Event) => setQ({ ...q, [name]: (e.target as HTMLInputElement).value }) }));
  const select = (name: 'sex' | 'office', label: string, options: Record<string, string>) =>
    h('label', null, label, h('select', { name, value: q[name], onChange: (e: Event) => setQ({ ...q, [name]: (e.target as HTMLSelectElement).value }) }, h('option', { value: '' }, 'Any'), Object.entries(options).map(([v, t]) => h('option', { value: v }, t))));
  return page(
    'persons',
    'Person and registration search',
    'Every search and every record you open is recorded in the access audit under your name. Auditors review it.',
    actionForm(
      { class: 'card inline-form', 'data-form': 'person-search' },
      search,
      input('q', 'Name or document number'),
      input('birthDate', 'Birth date', 'date'),
      select('sex', 'Sex', SEX),
      select('office', 'Registered at', OFFICES),
      h('button', { type: 'submit', class: 'primary', 'data-action': 'search' }, 'Search'),
    ),
    ...messages(error),
    results === null
      ? null
      : results.length === 0
        ? h('p', { 'data-results': '0' }, 'No one found.')
        : h(
            'table',
            { class: 'grid', 'data-results': String(results.length) },
            h('thead', null, h('tr', null, ['Name', 'Born', 'Sex', 'Documents', 'Registrations', 'Offices', 'Last seen', ''].map((c) => h('th', { scope: 'col' }, c)))),
            h(
              'tbody',
              null,
              results.map((p) =>
                h(
                  'tr',
                  { 'data-person-row': p.personId },
                  h('td', null, `${p.surname ?? '?'}, ${p.givenNames ?? ''}`),
                  h('td', null, day(p.birthDate)),
                  h('td', null, p.sex ?? '—'),
                  h('td', null, p.documents.map((d) => d.documentNumber ?? '?').join(', ')),
                  h('td', { class: 'num' }, p.registrations),
                  h('td', null, p.offices.join(', ')),
                  h('td', null, day(p.lastSeenAt)),
                  h('td', { class: 'actions' }, h('button', { type: 'button', 'data-action': 'open', onClick: () => void openPerson(p.personId) }, 'Open')),
                ),
              ),
            ),
          ),
    open ? h(PersonRecord, { view: open }) : null,
    h(CandidateLinks, null),
  );
}

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  role: string | null;
  action: string;
  personId: string | null;
  query: Obj | null;
  resultCount: number | null;
  client: string | null;
}

export function AccessAuditPage(): VNode {
  const [filter, setFilter] = useState({ actor: '', action: '' });
  const [rows, setRows] = useState<AuditRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    api<{ rows: AuditRow[] }>('GET', `${ACCESS_AUDIT}${query(filter)}`).then(
      (body) => {
        setRows(body.rows);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  useEffect(() => {
    void load();
  }, []);
  return page(
    'access-audit',
    'Access audit',
    'Who searched for or opened whose records, when, and from where. Newest first. Reading this page is recorded too.',
    actionForm(
      { class: 'inline-form' },
      load,
      h('label', null, 'Staff member', h('input', { name: 'actor', value: filter.actor, onInput: (e: Event) => setFilter({ ...filter, actor: (e.target as HTMLInputElement).value }) })),
      h('label', null, 'Action', h('input', { name: 'action', value: filter.action, placeholder: 'person.search', onInput: (e: Event) => setFilter({ ...filter, action: (e.target as HTMLInputElement).value }) })),
      h('button', { type: 'submit', 'data-action': 'filter' }, 'Show'),
    ),
    ...messages(error),
    rows === null && !error ? h('p', null, 'Loading…') : null,
    rows
      ? h(
          'table',
          { class: 'grid', 'data-table': 'access-audit' },
          h('thead', null, h('tr', null, ['When', 'Who', 'Role', 'Action', 'Person', 'Query', 'Results', 'From'].map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            null,
            rows.map((r) =>
              h(
                'tr',
                { 'data-audit': r.action, 'data-actor': r.actor },
                h('td', null, new Date(r.at).toLocaleString('en-GB', { timeZone: 'Africa/Harare' })),
                h('td', null, r.actor),
                h('td', null, r.role ?? '—'),
                h('td', null, r.action),
                h('td', null, r.personId ?? '—'),
                h('td', null, cellText(r.query)),
                h('td', { class: 'num' }, r.resultCount ?? '—'),
                h('td', null, r.client ?? '—'),
              ),
            ),
          ),
        )
      : null,
  );
}
