/**
 * Reference data editing (offices, officers, employers, vacancies): the rows as the central holds them
 * (GET /api/v1/admin/reference/:table), a form generated from the table's declared columns
 * (protocol/src/reference-tables.ts, the same definitions both ends validate with), and saving through
 * POST /api/v1/admin/reference/:table: every effective change becomes an entry of the change feed the
 * appliances pull, so an edit reaches the border posts on their next pull.
 */
import { h } from 'preact';
import type { Node as VNode } from '../node.ts';
import { useEffect, useState } from 'preact/hooks';
import { type ColumnDef, type ReferenceTableDef, referenceTable } from '@lmc/protocol/reference-tables.ts';
import { api, query } from '../api.ts';
import { actionForm, messages, page, useAction } from './page.ts';

export const EDITABLE_TABLES = ['offices', 'officers', 'employers', 'vacancies'] as const;
export const REFERENCE_ADMIN = '/api/v1/admin/reference';

type Row = Record<string, unknown>;

/**
 * Columns the central computes on every write (protocol/src/reference-tables.ts: a vacancy's places_left and
 * flags, from its selections and its employer): shown read-only and sent as null, so an edit of positions is
 * not refused for a places_left computed from the old number.
 */
export const COMPUTED_COLUMNS: Readonly<Record<string, readonly string[]>> = { vacancies: ['places_left', 'flags'] };

interface EditResult {
  upserted: number;
  unchanged: number;
  deleted: number;
  version: number;
}

function toText(c: ColumnDef, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (c.type === 'text[]') return (v as string[]).join(', ');
  return String(v);
}

/** The form's text back to the column's JSON type; '' is null for nullable columns. */
export function fromText(c: ColumnDef, text: string): unknown {
  const t = text.trim();
  if (t === '' && c.type !== 'text[]') return c.nullable ? null : c.type === 'text' ? '' : undefined;
  switch (c.type) {
    case 'integer':
      return /^-?\d+$/.test(t) ? Number(t) : t;
    case 'boolean':
      return t === 'true';
    case 'text[]':
      return t === '' ? [] : t.split(',').map((s) => s.trim()).filter((s) => s !== '');
    default:
      return t;
  }
}

function Editor(props: { def: ReferenceTableDef; row: Row; isNew: boolean; onSaved: (r: EditResult) => void; onCancel: () => void }): VNode {
  const { def, isNew } = props;
  const [draft, setDraft] = useState<Record<string, string>>(Object.fromEntries(def.columns.map((c) => [c.name, toText(c, props.row[c.name])])));
  const { error, run } = useAction();
  const save = () =>
    run(async () => {
      const computed = COMPUTED_COLUMNS[def.name] ?? [];
      const row = Object.fromEntries(def.columns.map((c) => [c.name, computed.includes(c.name) ? null : fromText(c, draft[c.name] ?? '')]));
      props.onSaved(await api<EditResult>('POST', `${REFERENCE_ADMIN}/${def.name}`, { upsert: [row] }));
    });
  return actionForm(
    { class: 'card editor', 'data-editor': def.name },
    save,
    h('h2', null, isNew ? `New ${def.name.replace(/s$/, '')}` : `Edit ${String(props.row[def.key])}`),
    h(
      'div',
      { class: 'fields' },
      def.columns.map((c) =>
        h(
          'label',
          null,
          `${c.name}${c.nullable ? '' : ' *'}`,
          c.type === 'boolean'
            ? h(
                'select',
                { name: c.name, value: draft[c.name] || 'false', onChange: (e: Event) => setDraft({ ...draft, [c.name]: (e.target as HTMLSelectElement).value }) },
                h('option', { value: 'false' }, 'false'),
                h('option', { value: 'true' }, 'true'),
              )
            : h('input', {
                name: c.name,
                value: draft[c.name] ?? '',
                readOnly: (!isNew && c.name === def.key) || (COMPUTED_COLUMNS[def.name] ?? []).includes(c.name),
                type: c.type === 'date' ? 'date' : c.type === 'integer' ? 'number' : 'text',
                placeholder: c.type === 'text[]' ? 'comma-separated' : '',
                onInput: (e: Event) => setDraft({ ...draft, [c.name]: (e.target as HTMLInputElement).value }),
              }),
        ),
      ),
    ),
    ...messages(error),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary', 'data-action': 'save' }, 'Save'), h('button', { type: 'button', onClick: props.onCancel }, 'Cancel')),
  );
}

export function ReferencePage(): VNode {
  const [table, setTable] = useState<(typeof EDITABLE_TABLES)[number]>('vacancies');
  const [rows, setRows] = useState<Row[] | null>(null);
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<{ row: Row; isNew: boolean } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { error, run } = useAction();
  const def = referenceTable(table) as ReferenceTableDef;

  const load = () =>
    run(async () => {
      setRows((await api<{ rows: Row[] }>('GET', `${REFERENCE_ADMIN}/${table}${query({ limit: 500 })}`)).rows);
    });
  useEffect(() => {
    setRows(null);
    setEditing(null);
    void load();
  }, [table]);

  const remove = async (key: string) => {
    if (!window.confirm(`Delete ${key} from ${table}? The appliances delete it on their next pull.`)) return;
    await run(async () => {
      const r = await api<EditResult>('POST', `${REFERENCE_ADMIN}/${table}`, { delete: [key] });
      setNotice(`Deleted ${key} (feed version ${r.version}).`);
      await load();
    });
  };

  const shown = (rows ?? []).filter((r) => filter === '' || JSON.stringify(r).toLowerCase().includes(filter.toLowerCase()));
  const cols = def.columns.slice(0, 7);
  return page(
    'reference',
    'Reference data',
    'Changes go into the change feed: each appliance applies them on its next reference pull.',
    h(
      'div',
      { class: 'tabs', role: 'tablist' },
      EDITABLE_TABLES.map((t) => h('button', { type: 'button', role: 'tab', 'aria-selected': t === table, 'data-table': t, onClick: () => setTable(t) }, t)),
    ),
    ...messages(error, notice),
    editing
      ? h(Editor, {
          def,
          row: editing.row,
          isNew: editing.isNew,
          onCancel: () => setEditing(null),
          onSaved: (r) => {
            setEditing(null);
            setNotice(r.upserted > 0 ? `Saved (feed version ${r.version}).` : 'Nothing changed.');
            void load();
          },
        })
      : null,
    h(
      'div',
      { class: 'toolbar' },
      h('label', null, 'Find', h('input', { type: 'search', name: 'filter', value: filter, onInput: (e: Event) => setFilter((e.target as HTMLInputElement).value) })),
      h('button', { type: 'button', class: 'primary', 'data-action': 'new-row', onClick: () => setEditing({ row: {}, isNew: true }) }, 'New row'),
    ),
    rows === null
      ? h('p', null, 'Loading…')
      : h(
          'table',
          { class: 'grid', 'data-rows': table },
          h('thead', null, h('tr', null, ...cols.map((c) => h('th', { scope: 'col' }, c.name)), h('th', null, ''))),
          h(
            'tbody',
            null,
            shown.slice(0, 200).map((r) =>
              h(
                'tr',
                { 'data-key': String(r[def.key]) },
                ...cols.map((c) => h('td', null, toText(c, r[c.name]))),
                h(
                  'td',
                  { class: 'actions' },
                  h('button', { type: 'button', 'data-action': 'edit', onClick: () => setEditing({ row: r, isNew: false }) }, 'Edit'),
                  h('button', { type: 'button', class: 'danger', 'data-action': 'delete', onClick: () => void remove(String(r[def.key])) }, 'Delete'),
                ),
              ),
            ),
          ),
        ),
  );
}
