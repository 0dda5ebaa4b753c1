/** The editors of the details step (details-step.ts): touch pickers and on-screen keyboards, one per field. */
import { type ComponentChildren, h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ALNUM_ROWS, Keyboard, NAME_ROWS, PHONE_ROWS } from '../components/keyboard.ts';
import { t } from '../i18n/i18n.ts';

// The shapes the appliance's reference routes answer with (type-only: erased from the bundle).
export type { District, Employer, Occupation, Province, Vacancy } from '@lmc/appliance/reference/queries.ts';
import type { District, Employer, Occupation, Province, Vacancy } from '@lmc/appliance/reference/queries.ts';

/** An on-screen key applied to a text value. */
export const typeKey = (value: string, key: string, max: number): string =>
  key === 'DELETE' ? value.slice(0, -1) : key === 'CLEAR' ? '' : value.length >= max ? value : value + (key === 'SPACE' ? ' ' : key);

function useItems<T>(path: string | null): { items: T[] | null; failed: boolean } {
  const [state, setState] = useState<{ items: T[] | null; failed: boolean }>({ items: null, failed: false });
  useEffect(() => {
    if (!path) return;
    let live = true;
    api<{ items: T[] }>('GET', path, undefined, { background: true }).then(
      (r) => live && setState({ items: r.items, failed: false }),
      () => live && setState({ items: [], failed: true }),
    );
    return () => {
      live = false;
    };
  }, [path]);
  return state;
}

const Choice = (props: { selected: boolean; onClick: () => void; data: Record<string, string>; children?: ComponentChildren }) =>
  h('button', { type: 'button', class: `choice${props.selected ? ' selected' : ''}`, 'aria-pressed': props.selected, onClick: props.onClick, ...props.data }, props.selected ? '✓ ' : '', props.children);

const Empty = () => h('p', { class: 'message message-info', 'data-empty': 'reference' }, t('details.noReference'));

export function HomeEditor(props: { province: string; district: string; onChange: (p: Province, d: District | null) => void }) {
  const provinces = useItems<Province>('/api/reference/provinces');
  const districts = useItems<District>(props.province ? `/api/reference/districts?province=${encodeURIComponent(props.province)}` : null);
  if (provinces.items && provinces.items.length === 0) return h(Empty, null);
  const chosen = provinces.items?.find((p) => p.code === props.province);
  return h(
    'div',
    { class: 'editor-home' },
    h('h3', null, t('details.province')),
    h('div', { class: 'choices' }, (provinces.items ?? []).map((p) => h(Choice, { key: p.code, selected: p.code === props.province, data: { 'data-province': p.code }, onClick: () => props.onChange(p, null) }, p.name))),
    chosen
      ? [
          h('h3', { key: 'h' }, t('details.districtOf', { province: chosen.name })),
          h(
            'div',
            { class: 'choices', key: 'd' },
            (districts.items ?? []).map((d) => h(Choice, { key: d.code, selected: d.code === props.district, data: { 'data-district': d.code }, onClick: () => props.onChange(chosen, d) }, d.name)),
          ),
        ]
      : null,
  );
}

export function OccupationEditor(props: { value: string; onChange: (o: Occupation) => void }) {
  const [q, setQ] = useState('');
  const [typing, setTyping] = useState(false);
  const results = useItems<Occupation>(`/api/reference/occupations?limit=24${q ? `&q=${encodeURIComponent(q)}` : ''}`);
  if (!q && results.items && results.items.length === 0) return h(Empty, null);
  // Unit groups (4 digits) are what gets recorded; the common farm and construction jobs come first from the server.
  const list = (results.items ?? []).filter((o) => o.level === 4);
  return h(
    'div',
    { class: 'editor-occupation' },
    h(
      'div',
      { class: 'search-row' },
      h('button', { type: 'button', class: `field field-inline${typing ? ' focused' : ''}`, 'data-field': 'occupation-search', onClick: () => setTyping(!typing) }, h('span', { class: 'field-label' }, t('details.searchJob')), h('span', { class: 'field-value' }, q || '\u00a0')),
    ),
    h(
      'div',
      { class: 'choices choices-list' },
      list.map((o) =>
        h(Choice, { key: o.iscoCode, selected: o.iscoCode === props.value, data: { 'data-isco': o.iscoCode }, onClick: () => props.onChange(o) }, h('span', { class: 'isco' }, o.iscoCode), ` ${o.title}`, o.commonSector ? h('small', null, ` · ${t(`details.sector.${o.commonSector}`, { defaultValue: o.commonSector })}`) : null),
      ),
      list.length === 0 ? h('p', { class: 'hint' }, t('details.noMatch')) : null,
    ),
    typing ? h(Keyboard, { rows: ALNUM_ROWS, onKey: (k) => setQ((v) => typeKey(v, k, 40)), label: t('details.searchJob') }) : null,
  );
}

export function EmployerEditor(props: { employerId: string | null; vacancyId: string | null; onChoose: (e: Employer | null, v: Vacancy | null) => void; onScan: (file: File) => void; scanning: boolean }) {
  const employers = useItems<Employer>('/api/reference/employers?limit=50');
  return h(
    'div',
    { class: 'editor-employer' },
    h(
      'div',
      { class: 'search-row' },
      h(
        'label',
        { class: 'btn btn-secondary file-button', 'data-action': 'scan-offer' },
        props.scanning ? t('details.scanning') : t('details.scanOffer'),
        h('input', { type: 'file', accept: 'image/png,image/jpeg', capture: 'environment', 'data-input': 'job-offer', onChange: (e: Event) => {
          const file = (e.currentTarget as HTMLInputElement).files?.[0];
          if (file) props.onScan(file);
        } }),
      ),
      h(Choice, { selected: props.employerId === null, data: { 'data-employer': 'none' }, onClick: () => props.onChoose(null, null) }, t('details.noEmployer')),
    ),
    employers.items && employers.items.length === 0 ? h('p', { class: 'hint' }, t('details.noVacancies')) : null,
    h(
      'div',
      { class: 'choices-list' },
      (employers.items ?? []).map((e) =>
        h(
          'div',
          { key: e.employerId, class: 'employer' },
          h('p', { class: 'employer-name' }, e.name, e.demo ? h('span', { class: 'badge badge-draft' }, t('details.demo')) : null, h('small', null, ` ${e.town ?? ''}`)),
          h(
            'div',
            { class: 'choices' },
            e.openVacancies.map((v) =>
              h(Choice, { key: v.vacancyId, selected: v.vacancyId === props.vacancyId, data: { 'data-vacancy': v.vacancyId }, onClick: () => props.onChoose(e, v) }, v.title ?? v.occupationTitle ?? v.occupationIsco, h('small', null, ` · ${t('details.positions', { count: v.positions })}`)),
            ),
          ),
        ),
      ),
    ),
  );
}

export function OptionsEditor(props: { options: readonly string[]; value: string | null; label: (o: string) => string; name: string; onChange: (o: string) => void }) {
  return h('div', { class: 'choices' }, props.options.map((o) => h(Choice, { key: o, selected: o === props.value, data: { [`data-${props.name}`]: o }, onClick: () => props.onChange(o) }, props.label(o))));
}

export function PhoneEditor(props: { value: string; onChange: (v: string) => void }) {
  return h(
    'div',
    { class: 'editor-phone' },
    h('div', { class: 'field focused', 'data-field': 'phone-value' }, h('span', { class: 'field-label' }, t('details.phoneHint')), h('span', { class: 'field-value' }, props.value || '\u00a0')),
    h(Keyboard, { rows: PHONE_ROWS, onKey: (k) => props.onChange(typeKey(props.value, k, 20)), label: t('details.phone'), variant: 'pin' }),
  );
}

export const RELATIONSHIPS = ['spouse', 'parent', 'child', 'sibling', 'other-relative', 'friend'] as const;

export function KinEditor(props: { name: string; relationship: string | null; phone: string; onChange: (v: { name?: string; relationship?: string; phone?: string }) => void }) {
  const [focus, setFocus] = useState<'name' | 'phone'>('name');
  const field = (which: 'name' | 'phone', label: string, value: string) =>
    h('button', { type: 'button', class: `field field-inline${focus === which ? ' focused' : ''}`, 'data-field': `kin-${which}`, onClick: () => setFocus(which) }, h('span', { class: 'field-label' }, label), h('span', { class: 'field-value' }, value || '\u00a0'));
  return h(
    'div',
    { class: 'editor-kin' },
    h('div', { class: 'search-row' }, field('name', t('details.kinName'), props.name), field('phone', t('details.kinPhone'), props.phone)),
    h(OptionsEditor, { options: RELATIONSHIPS, value: props.relationship, name: 'relationship', label: (r) => t(`details.relationship.${r}`), onChange: (r) => props.onChange({ relationship: r }) }),
    focus === 'name'
      ? h(Keyboard, { rows: NAME_ROWS, onKey: (k) => props.onChange({ name: typeKey(props.name, k, 80) }), label: t('details.kinName') })
      : h(Keyboard, { rows: PHONE_ROWS, onKey: (k) => props.onChange({ phone: typeKey(props.phone, k, 20) }), label: t('details.kinPhone'), variant: 'pin' }),
  );
}
