/**
 * Charts drawn as SVG here (no chart library: a few bars do not need one). Every chart carries its numbers
 * in text too: a value label on each bar, and the data as a table under it, so a screen reader and a
 * printout read the same counts. A suppressed cell (small-cell suppression by the central's statistics API)
 * is drawn as a hatched stub marked "suppressed", never as a zero.
 */
import { h } from 'preact';
import type { Node as VNode } from './node.ts';

export interface Bar {
  label: string;
  /** null = suppressed by the API. */
  value: number | null;
}

export interface Series {
  name: string;
  bars: Bar[];
}

/** Colour-blind-safe categorical palette (Okabe & Ito; its sky blue, 2.2:1, replaced by a purple), each ≥ 3:1 against white for graphical objects (WCAG 1.4.11). */
export const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#b8860b', '#6a3d9a', '#000000'] as const;

const colour = (i: number) => PALETTE[i % PALETTE.length] as string;
const fmt = (n: number) => n.toLocaleString('en-GB');

function hatch(id: string): VNode {
  return h(
    'pattern',
    { id, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
    h('rect', { width: 6, height: 6, fill: '#ffffff' }),
    h('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#4b5563', 'stroke-width': 3 }),
  );
}

let uid = 0;

/** Horizontal bars, one per category: easy to read with long labels (occupations, provinces). */
export function barChart(o: { title: string; bars: Bar[]; name: string }): VNode {
  const id = `hatch-${++uid}`;
  const rowH = 28;
  const labelW = 200;
  const barW = 280;
  const max = Math.max(1, ...o.bars.map((b) => b.value ?? 0));
  const height = o.bars.length * rowH + 8;
  return h(
    'figure',
    { class: 'chart', 'data-chart': o.name },
    h('figcaption', null, o.title),
    h(
      'svg',
      { role: 'img', 'aria-label': `${o.title}: ${o.bars.map((b) => `${b.label} ${b.value === null ? 'suppressed' : b.value}`).join(', ')}`, viewBox: `0 0 ${labelW + barW + 80} ${height}`, width: labelW + barW + 80, height },
      h('defs', null, hatch(id)),
      ...o.bars.map((b, i) => {
        const y = i * rowH + 4;
        const w = b.value === null ? 18 : Math.max(b.value > 0 ? 2 : 0, (b.value / max) * barW);
        return h(
          'g',
          { 'data-bar': b.label, 'data-value': b.value === null ? 'suppressed' : String(b.value) },
          h('text', { x: labelW - 8, y: y + rowH / 2 + 5, 'text-anchor': 'end', class: 'axis' }, truncate(b.label, 28)),
          h('rect', { x: labelW, y: y + 3, width: w, height: rowH - 8, fill: b.value === null ? `url(#${id})` : colour(0), stroke: b.value === null ? '#4b5563' : 'none' }),
          h('text', { x: labelW + w + 6, y: y + rowH / 2 + 5, class: 'value' }, b.value === null ? 'suppressed' : fmt(b.value)),
        );
      }),
    ),
    dataTable([{ name: 'Registrations', bars: o.bars }]),
  );
}

/** Columns per category (months), one colour per series (offices), side by side. */
export function columnChart(o: { title: string; categories: string[]; series: Series[]; name: string }): VNode {
  const id = `hatch-${++uid}`;
  const plotH = 220;
  const left = 48;
  const groupW = Math.max(28, Math.min(90, 760 / Math.max(1, o.categories.length)));
  const barW = Math.max(4, (groupW - 8) / Math.max(1, o.series.length));
  const width = left + o.categories.length * groupW + 10;
  const value = (s: Series, c: string) => s.bars.find((b) => b.label === c);
  const max = Math.max(1, ...o.series.flatMap((s) => s.bars.map((b) => b.value ?? 0)));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1] ?? max;
  const y = (v: number) => 10 + plotH - (v / top) * plotH;
  return h(
    'figure',
    { class: 'chart', 'data-chart': o.name },
    h('figcaption', null, o.title),
    h(
      'ul',
      { class: 'legend' },
      o.series.map((s, i) => h('li', null, h('span', { class: 'swatch', style: `background:${colour(i)}` }), s.name)),
      h('li', null, h('span', { class: 'swatch hatched' }), 'suppressed (fewer than the threshold, or protecting one)'),
    ),
    h(
      'svg',
      { role: 'img', 'aria-label': `${o.title} (table below)`, viewBox: `0 0 ${width} ${plotH + 40}`, width, height: plotH + 40 },
      h('defs', null, hatch(id)),
      ...ticks.map((t) =>
        h('g', null, h('line', { x1: left, x2: width, y1: y(t), y2: y(t), stroke: '#d1d5db' }), h('text', { x: left - 6, y: y(t) + 4, 'text-anchor': 'end', class: 'axis' }, fmt(t))),
      ),
      ...o.categories.flatMap((c, ci) => [
        h('text', { x: left + ci * groupW + groupW / 2, y: plotH + 30, 'text-anchor': 'middle', class: 'axis' }, c),
        ...o.series.map((s, si) => {
          const b = value(s, c);
          if (!b) return null;
          const x = left + ci * groupW + 4 + si * barW;
          const v = b.value;
          const hgt = v === null ? 10 : (v / top) * plotH;
          return h('rect', {
            'data-bar': `${s.name} ${c}`,
            'data-value': v === null ? 'suppressed' : String(v),
            x,
            y: 10 + plotH - hgt,
            width: barW - 1,
            height: hgt,
            fill: v === null ? `url(#${id})` : colour(si),
            stroke: v === null ? '#4b5563' : 'none',
          }, h('title', null, `${s.name} ${c}: ${v === null ? 'suppressed' : fmt(v)}`));
        }),
      ]),
    ),
    dataTable(o.series, o.categories),
  );
}

function dataTable(series: Series[], categories?: string[]): VNode {
  const cats = categories ?? series[0]?.bars.map((b) => b.label) ?? [];
  const cell = (s: Series, c: string) => {
    const b = s.bars.find((x) => x.label === c);
    return b === undefined ? '' : b.value === null ? 'suppressed' : fmt(b.value);
  };
  return h(
    'details',
    { class: 'chart-data' },
    h('summary', null, 'Data table'),
    h(
      'table',
      null,
      h('thead', null, h('tr', null, h('th', null, ''), ...series.map((s) => h('th', { scope: 'col' }, s.name)))),
      h('tbody', null, cats.map((c) => h('tr', null, h('th', { scope: 'row' }, c), ...series.map((s) => h('td', null, cell(s, c)))))),
    ),
  );
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Round tick values from 0 to at least max: steps of 1, 2 or 5 × 10^k, about five of them. */
export function niceTicks(max: number): number[] {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const step = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag) || 1;
  const out: number[] = [];
  for (let t = 0; t < max + step; t += step) out.push(t);
  return out;
}
