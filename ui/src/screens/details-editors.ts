/** The editors of the details step (details-step.ts): touch pickers and on-screen keyboards, one per field. */
import { type ComponentChildren, h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ALNUM_ROWS_SPACE, Keyboard, NAME_ROWS, PHONE_ROWS, useKeyTarget } from '../components/keyboard.ts';
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
  // A physical keyboard types into the search at once; the on-screen keys open with a tap on the field.
  useKeyTarget(ALNUM_ROWS_SPACE, (k) => setQ((v) => typeKey(v, k, 40)));
  if (!q && results.items && results.items.length === 0) return h(Empty, null);
  // Unit groups (4 digits) are what gets recorded; the common farm and construction jobs come first from the server.
  const list = (results.items ?? []).filter((o) => o.level === 4);
  return h(
    'div',
    { class: 'editor-occupation' },
    h(SearchField, { label: t('details.searchJob'), value: q, typing, name: 'occupation-search', onToggle: () => setTyping(!typing) }),
    h(
      'div',
      { class: 'choices choices-list' },
      list.map((o) =>
        h(Choice, { key: o.iscoCode, selected: o.iscoCode === props.value, data: { 'data-isco': o.iscoCode }, onClick: () => props.onChange(o) }, h('span', { class: 'isco' }, o.iscoCode), ` ${o.title}`, o.commonSector ? h('small', null, ` · ${t(`details.sector.${o.commonSector}`, { defaultValue: o.commonSector })}`) : null),
      ),
      list.length === 0 ? h('p', { class: 'hint' }, t('details.noMatch')) : null,
    ),
    typing ? h(Keyboard, { rows: ALNUM_ROWS_SPACE, onKey: (k) => setQ((v) => typeKey(v, k, 40)), label: t('details.searchJob') }) : null,
  );
}

/** A search box of the touch screen: tap to show the on-screen keys; a physical keyboard types into it anyway. */
function SearchField(props: { label: string; value: string; typing: boolean; name: string; onToggle: () => void }) {
  return h(
    'div',
    { class: 'search-row' },
    h('button', { type: 'button', class: `field field-inline${props.typing ? ' focused' : ''}`, 'data-field': props.name, 'aria-expanded': props.typing, onClick: props.onToggle }, h('span', { class: 'field-label' }, props.label), h('span', { class: 'field-value' }, props.value || '\u00a0')),
  );
}

export function EmployerEditor(props: { employerId: string | null; vacancyId: string | null; onChoose: (e: Employer | null, v: Vacancy | null) => void; onScan: (file: File) => void; scanning: boolean }) {
  const [q, setQ] = useState('');
  const [typing, setTyping] = useState(false);
  // Employer name, town or vacancy: the server searches employers by name; vacancies are matched here too.
  const employers = useItems<Employer>(`/api/reference/employers?limit=50${q.length >= 2 ? `&q=${encodeURIComponent(q)}` : ''}`);
  const all = useItems<Employer>(q.length >= 2 ? '/api/reference/employers?limit=50' : null);
  useKeyTarget(ALNUM_ROWS_SPACE, (k) => setQ((v) => typeKey(v, k, 40)));
  const needle = q.trim().toLowerCase();
  const byVacancy = needle.length >= 2 ? (all.items ?? []).flatMap((e) => {
    const vs = e.openVacancies.filter((v) => `${v.title ?? ''} ${v.occupationTitle ?? ''} ${e.town ?? ''}`.toLowerCase().includes(needle));
    return vs.length > 0 ? [{ ...e, openVacancies: vs }] : [];
  }) : [];
  const shown = [...(employers.items ?? []), ...byVacancy.filter((e) => !(employers.items ?? []).some((x) => x.employerId === e.employerId))];
  return h(
    'div',
    { class: 'editor-employer' },
    h(
      'div',
      { class: 'search-row' },
      h(SearchField, { label: t('details.searchEmployer'), value: q, typing, name: 'employer-search', onToggle: () => setTyping(!typing) }),
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
    typing ? h(Keyboard, { rows: ALNUM_ROWS_SPACE, onKey: (k) => setQ((v) => typeKey(v, k, 40)), label: t('details.searchEmployer') }) : null,
    employers.items && shown.length === 0 ? h('p', { class: 'hint', 'data-empty': 'employers' }, q ? t('details.noEmployerMatch') : t('details.noVacancies')) : null,
    h(
      'div',
      { class: 'choices-list' },
      shown.map((e) =>
        h(
          'div',
          { key: e.employerId, class: 'employer', 'data-employer-row': e.employerId },
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

/** "Next" for touch; Enter on a physical keyboard does the same. */
const NextButton = (props: { onClick: () => void; label: string }) => h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'next-field', onClick: props.onClick }, `${props.label} →`);

export function PhoneEditor(props: { value: string; onChange: (v: string) => void; onDone: () => void }) {
  return h(
    'div',
    { class: 'editor-phone' },
    h('div', { class: 'search-row' }, h('div', { class: 'field focused field-inline', 'data-field': 'phone-value' }, h('span', { class: 'field-label' }, t('details.phoneHint')), h('span', { class: 'field-value' }, props.value || '\u00a0')), h(NextButton, { onClick: props.onDone, label: props.value ? t('details.next') : t('details.noPhone') })),
    h(Keyboard, { rows: PHONE_ROWS, onKey: (k) => props.onChange(typeKey(props.value, k, 20)), onEnter: props.onDone, label: t('details.phone'), variant: 'pin' }),
  );
}

export const RELATIONSHIPS = ['spouse', 'parent', 'child', 'sibling', 'other-relative', 'friend'] as const;

export function KinEditor(props: { name: string; relationship: string | null; phone: string; onChange: (v: { name?: string; relationship?: string; phone?: string }) => void; onDone: () => void }) {
  const [focus, setFocus] = useState<'name' | 'phone'>(props.name && props.relationship ? 'phone' : 'name');
  const field = (which: 'name' | 'phone', label: string, value: string) =>
    h('button', { type: 'button', class: `field field-inline${focus === which ? ' focused' : ''}`, 'data-field': `kin-${which}`, onClick: () => setFocus(which) }, h('span', { class: 'field-label' }, label), h('span', { class: 'field-value' }, value || '\u00a0'));
  // Name → (Enter) phone → (Enter) the next field; the relationship is one tap, and moves on to the phone.
  const done = () => (props.name.trim() && props.relationship ? props.onDone() : setFocus('name'));
  return h(
    'div',
    { class: 'editor-kin' },
    h('div', { class: 'search-row' }, field('name', t('details.kinName'), props.name), field('phone', t('details.kinPhone'), props.phone), h(NextButton, { onClick: done, label: t('details.next') })),
    h(OptionsEditor, { options: RELATIONSHIPS, value: props.relationship, name: 'relationship', label: (r) => t(`details.relationship.${r}`), onChange: (r) => { props.onChange({ relationship: r }); if (props.name.trim()) setFocus('phone'); } }),
    focus === 'name'
      ? h(Keyboard, { rows: NAME_ROWS, onKey: (k) => props.onChange({ name: typeKey(props.name, k, 80) }), onEnter: () => (props.relationship ? setFocus('phone') : undefined), label: t('details.kinName') })
      : h(Keyboard, { rows: PHONE_ROWS, onKey: (k) => props.onChange({ phone: typeKey(props.phone, k, 20) }), onEnter: done, label: t('details.kinPhone'), variant: 'pin' }),
  );
}

/**
 * Names for codes the autosave keeps (province, district, job, employer, vacancy), from the reference lists,
 * so a resumed draft reads as it did before the reload.
 */
export async function resolveNames<F extends { homeProvince: string; homeProvinceName: string; homeDistrict: string; homeDistrictName: string; occupationIsco: string; occupationTitle: string; employerId: string | null; employerName: string; vacancyId: string | null; vacancyTitle: string }>(f: F): Promise<F> {
  const out = { ...f };
  const list = <T>(path: string) => api<{ items: T[] }>('GET', path, undefined, { background: true }).then((r) => r.items, () => [] as T[]);
  const jobs: Array<Promise<void>> = [];
  if (f.homeProvince && (!f.homeProvinceName || f.homeProvinceName === f.homeProvince)) {
    jobs.push(list<Province>('/api/reference/provinces').then((ps) => {
      out.homeProvinceName = ps.find((p) => p.code === f.homeProvince)?.name ?? f.homeProvince;
    }));
  }
  if (f.homeDistrict && (!f.homeDistrictName || f.homeDistrictName === f.homeDistrict)) {
    jobs.push(list<District>(`/api/reference/districts?province=${encodeURIComponent(f.homeProvince)}`).then((ds) => {
      out.homeDistrictName = ds.find((d) => d.code === f.homeDistrict)?.name ?? f.homeDistrict;
    }));
  }
  if (f.occupationIsco && !f.occupationTitle) {
    jobs.push(list<Occupation>(`/api/reference/occupations?limit=5&q=${encodeURIComponent(f.occupationIsco)}`).then((os) => {
      out.occupationTitle = os.find((o) => o.iscoCode === f.occupationIsco)?.title ?? '';
    }));
  }
  if (f.employerId && !f.employerName) {
    jobs.push(list<Employer>('/api/reference/employers?limit=200').then((es) => {
      const e = es.find((x) => x.employerId === f.employerId);
      out.employerName = e?.name ?? f.employerId ?? '';
      out.vacancyTitle = e?.openVacancies.find((v) => v.vacancyId === f.vacancyId)?.title ?? out.vacancyTitle;
    }));
  }
  await Promise.all(jobs);
  return out;
}
