/**
 * Statistics: registrations by office and month, sex, age group, occupation (ISCO-08 major group), destination
 * province and country, education (ISCED 2011), country of birth, returning vs first-time, for one calendar year.
 *
 * Every number comes from the central's published tables (GET /api/v1/stats/registrations, publication=true):
 * small cells are suppressed there, with the complementary cells that would give them away. The filters do
 * not ask the API for a new, filtered table (a second table over the same people could be subtracted from
 * the first): they ask for the finer published table (office × dimension) and show its rows for the office
 * chosen, so what the page shows is exactly what the API publishes.
 */
import { h } from 'preact';
import type { Node as VNode } from '../node.ts';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, query } from '../api.ts';
import { type Bar, barChart, columnChart } from '../charts.ts';
import { OFFICES, SEX, valueLabel } from '../labels.ts';
import { page } from './page.ts';

interface StatsRow {
  [dimension: string]: string | number | boolean | null | undefined;
  count: number | null;
  returning: number | null;
  suppressed: boolean;
}

interface StatsAnswer {
  groupBy: string[];
  threshold: number | null;
  rows: StatsRow[];
}

export const STATS = '/api/v1/stats/registrations';

const CHARTS: { dim: string; title: string }[] = [
  { dim: 'sex', title: 'Registrations by sex' },
  { dim: 'ageGroup', title: 'Registrations by age group (age at registration)' },
  { dim: 'occupation', title: 'Registrations by occupation (ISCO-08 major group)' },
  { dim: 'education', title: 'Registrations by educational attainment (ISCED 2011)' },
  { dim: 'destination', title: 'Registrations by destination province' },
  { dim: 'destinationCountry', title: 'Registrations by destination country' },
  { dim: 'countryOfBirth', title: 'Registrations by country of birth' },
];

interface Filters {
  year: number;
  office: string;
  sex: string;
}

/** The published table for these dimensions, the rows of the filtered slice only. */
async function slice(f: Filters, dims: string[]): Promise<{ rows: StatsRow[]; threshold: number | null }> {
  const filterDims = [...(f.office ? ['office'] : []), ...(f.sex ? ['sex'] : [])].filter((d) => !dims.includes(d));
  const groupBy = [...filterDims, ...dims];
  const answer = await api<StatsAnswer>('GET', `${STATS}${query({ groupBy: groupBy.join(','), year: f.year })}`);
  const rows = answer.rows.filter((r) => (!f.office || r.office === f.office) && (!f.sex || r.sex === f.sex));
  return { rows, threshold: answer.threshold };
}

type Loaded<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ok'; value: T };

function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [v, setV] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    setV({ state: 'loading' });
    load().then(
      (value) => live && setV({ state: 'ok', value }),
      (err: unknown) => live && setV({ state: 'error', message: errorText(err) }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return v;
}

function csvLink(f: Filters, dims: string[]): VNode {
  const filterDims = [...(f.office ? ['office'] : []), ...(f.sex ? ['sex'] : [])].filter((d) => !dims.includes(d));
  return h('a', { class: 'download', href: `${STATS}.csv${query({ groupBy: [...filterDims, ...dims].join(','), year: f.year })}`, download: '' }, 'CSV');
}

function DimensionChart(props: { f: Filters; dim: string; title: string }): VNode {
  const { f, dim, title } = props;
  const data = useLoad(() => slice(f, [dim]), [f.year, f.office, f.sex, dim]);
  if (data.state === 'loading') return h('figure', { class: 'chart loading' }, h('figcaption', null, title), h('p', null, 'Loading…'));
  if (data.state === 'error') return h('figure', { class: 'chart' }, h('figcaption', null, title), h('p', { class: 'error', role: 'alert' }, data.message));
  const bars: Bar[] = data.value.rows.map((r) => ({ label: valueLabel(dim, (r[dim] as string | null) ?? null), value: r.count }));
  return h('div', { class: 'chart-box' }, barChart({ title, bars, name: dim }), csvLink(f, [dim]));
}

function MonthChart(props: { f: Filters }): VNode {
  const { f } = props;
  const data = useLoad(() => slice(f, ['office', 'month']), [f.year, f.office, f.sex]);
  const title = `Registrations by office and month, ${f.year}`;
  if (data.state !== 'ok') return h('figure', { class: 'chart' }, h('figcaption', null, title), h('p', data.state === 'error' ? { class: 'error', role: 'alert' } : null, data.state === 'error' ? data.message : 'Loading…'));
  const rows = data.value.rows.filter((r) => r.month !== null);
  const months = [...new Set(rows.map((r) => r.month as string))].sort();
  const offices = [...new Set(rows.map((r) => (r.office as string | null) ?? 'Unknown'))];
  const series = offices.map((o) => ({
    name: valueLabel('office', o),
    bars: rows.filter((r) => ((r.office as string | null) ?? 'Unknown') === o).map((r) => ({ label: r.month as string, value: r.count })),
  }));
  return h('div', { class: 'chart-box wide' }, columnChart({ title, categories: months, series, name: 'office-month' }), csvLink(f, ['office', 'month']));
}

function ReturningChart(props: { f: Filters }): VNode {
  const { f } = props;
  const data = useLoad(() => slice(f, ['office']), [f.year, f.office, f.sex]);
  const title = 'Returning and first-time migrants, by office';
  if (data.state !== 'ok') return h('figure', { class: 'chart' }, h('figcaption', null, title), h('p', data.state === 'error' ? { class: 'error', role: 'alert' } : null, data.state === 'error' ? data.message : 'Loading…'));
  const rows = data.value.rows;
  const categories = rows.map((r) => valueLabel('office', (r.office as string | null) ?? null));
  const series = [
    { name: 'Returning', bars: rows.map((r, i) => ({ label: categories[i] as string, value: r.returning })) },
    {
      name: 'First-time',
      bars: rows.map((r, i) => ({ label: categories[i] as string, value: r.count === null || r.returning === null ? null : r.count - r.returning })),
    },
  ];
  return h('div', { class: 'chart-box' }, columnChart({ title, categories, series, name: 'returning' }), csvLink(f, ['office']));
}

export function StatsPage(): VNode {
  const thisYear = new Date().getFullYear();
  const [f, setF] = useState<Filters>({ year: thisYear, office: '', sex: '' });
  const years = Array.from({ length: 6 }, (_, i) => thisYear - i);
  const select = (label: string, name: keyof Filters, options: [string, string][]) =>
    h(
      'label',
      null,
      label,
      h(
        'select',
        {
          name,
          value: String(f[name]),
          onChange: (e: Event) => {
            const v = (e.target as HTMLSelectElement).value;
            setF({ ...f, [name]: name === 'year' ? Number(v) : v });
          },
        },
        options.map(([value, text]) => h('option', { value }, text)),
      ),
    );
  return page(
    'stats',
    'Registration statistics',
    'Published tables: a count under the threshold (5) is suppressed, with the cells that would give it away. Tables are by calendar year (Africa/Harare).',
    h(
      'form',
      { class: 'filters', onSubmit: (e: Event) => e.preventDefault() },
      select('Year', 'year', years.map((y) => [String(y), String(y)])),
      select('Office', 'office', [['', 'All offices'], ...Object.entries(OFFICES)]),
      select('Sex', 'sex', [['', 'Everyone'], ...Object.entries(SEX)]),
      h(
        'span',
        { class: 'exports' },
        h('a', { href: `${STATS}.csv${query({ groupBy: 'office,month', year: f.year })}`, download: '' }, 'Office × month CSV'),
        h('a', { href: `/api/v1/stats/indicators.csv${query({ year: f.year })}`, download: '', 'data-export': 'indicators' }, 'Indicator feed (tidy CSV)'),
      ),
    ),
    h('div', { class: 'charts' }, h(MonthChart, { f }), h(ReturningChart, { f }), ...CHARTS.map((c) => h(DimensionChart, { f, dim: c.dim, title: c.title, key: c.dim }))),
  );
}
