/**
 * Person and registration search for the roles the central allows (GET /api/persons/search): every search
 * and every record opened is written to the central's access audit, which auditors review on the
 * "Access audit" page (GET /api/persons/access-audit). The page shows what the API answers, nothing more.
 */
import { h } from 'preact';
import type { Node as VNode } from '../node.ts';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, query } from '../api.ts';
import { cellText, genericTable } from './generic-table.ts';

export const PERSONS_SEARCH = '/api/persons/search';
export const ACCESS_AUDIT = '/api/persons/access-audit';

type Obj = Record<string, unknown>;

/** The list in an answer, whichever name it goes by. */
export function listOf(body: unknown, names: string[]): Obj[] {
  if (Array.isArray(body)) return body as Obj[];
  for (const n of names) {
    const v = (body as Obj | null)?.[n];
    if (Array.isArray(v)) return v as Obj[];
  }
  return [];
}

export function PersonsPage(): VNode {
  const [q, setQ] = useState({ documentNumber: '', surname: '', birthDate: '', reason: '' });
  const [results, setResults] = useState<Obj[] | null>(null);
  const [open, setOpen] = useState<Obj | null>(null);
  const [error, setError] = useState<string | null>(null);
  const search = async () => {
    setError(null);
    setOpen(null);
    try {
      const body = await api<unknown>('GET', `${PERSONS_SEARCH}${query(q)}`);
      setResults(listOf(body, ['persons', 'results', 'matches']));
    } catch (err) {
      setError(errorText(err));
    }
  };
  const field = (name: keyof typeof q, label: string, type = 'text') =>
    h('label', null, label, h('input', { name, type, value: q[name], onInput: (e: Event) => setQ({ ...q, [name]: (e.target as HTMLInputElement).value }) }));
  return h(
    'section',
    { class: 'page', 'data-page': 'persons' },
    h('h1', null, 'Person and registration search'),
    h('p', { class: 'hint' }, 'Every search and every record you open is recorded in the access audit with your name and the reason you give.'),
    h(
      'form',
      {
        class: 'card inline-form',
        'data-form': 'person-search',
        onSubmit: (e: Event) => {
          e.preventDefault();
          void search();
        },
      },
      field('documentNumber', 'Document number'),
      field('surname', 'Surname'),
      field('birthDate', 'Birth date', 'date'),
      field('reason', 'Reason (recorded)'),
      h('button', { type: 'submit', class: 'primary', 'data-action': 'search' }, 'Search'),
    ),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    results === null ? null : results.length === 0 ? h('p', { 'data-results': '0' }, 'No one found.') : h('div', { 'data-results': String(results.length) }, genericTable(results, { name: 'persons', onRow: setOpen })),
    open
      ? h(
          'div',
          { class: 'card', 'data-person': '' },
          h('h2', null, 'Record'),
          h(
            'dl',
            { class: 'record' },
            Object.entries(open).flatMap(([k, v]) =>
              Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' ? [h('dt', null, k), h('dd', null, genericTable(v as Obj[], { name: k }))] : [h('dt', null, k), h('dd', null, cellText(v))],
            ),
          ),
        )
      : null,
  );
}

export function AccessAuditPage(): VNode {
  const [rows, setRows] = useState<Obj[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<unknown>('GET', ACCESS_AUDIT).then(
      (body) => setRows(listOf(body, ['entries', 'accesses', 'rows', 'events'])),
      (err: unknown) => setError(errorText(err)),
    );
  }, []);
  return h(
    'section',
    { class: 'page', 'data-page': 'access-audit' },
    h('h1', null, 'Access audit'),
    h('p', { class: 'hint' }, 'Who searched for or opened whose records, when, and why. Newest first.'),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    rows === null && !error ? h('p', null, 'Loading…') : null,
    rows ? genericTable(rows, { name: 'access-audit' }) : null,
  );
}
