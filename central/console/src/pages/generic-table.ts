/** A table of whatever flat fields a list of objects has (values of nested objects shown as short text). */
import { h } from 'preact';
import type { Node as VNode } from '../node.ts';

export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.map(cellText).join('; ');
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${cellText(x)}`).join(', ');
  return String(v);
}

export function genericTable(rows: Record<string, unknown>[], o: { name: string; columns?: string[]; labels?: Record<string, string>; onRow?: (r: Record<string, unknown>) => void }): VNode {
  const columns = o.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 10);
  return h(
    'table',
    { class: 'grid', 'data-table': o.name },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, o.labels?.[c] ?? c)), o.onRow ? h('th', null, '') : null)),
    h(
      'tbody',
      null,
      rows.map((r) =>
        h(
          'tr',
          null,
          columns.map((c) => h('td', null, cellText(r[c]))),
          o.onRow
            ? h('td', { class: 'actions' }, h('button', { type: 'button', 'data-action': 'open', onClick: () => o.onRow?.(r) }, 'Open'))
            : null,
        ),
      ),
    ),
  );
}
