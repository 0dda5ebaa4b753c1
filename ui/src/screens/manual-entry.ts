import { h } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { Keyboard, MRZ_ROWS } from '../components/keyboard.ts';
import { t } from '../i18n/i18n.ts';
import { MRZ_FORMATS, type ManualFormat, type ManualState, applyKey, emptyManual, firstIncomplete } from '../state/manual-mrz.ts';
import type { AttachResult } from '../types.ts';
import { errorText } from './errors.ts';

/**
 * Manual MRZ entry for a damaged zone: the officer copies the printed lines with the on-screen keys. The lines
 * go through the same API and the same ICAO validation as a scan.
 */
export function ManualEntry(props: { registrationId: string; onAttached: (r: AttachResult) => void; onCancel: () => void }) {
  const [state, setState] = useState<ManualState>(emptyManual('td3'));
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [otherPerson, setOtherPerson] = useState(false);
  const { length } = MRZ_FORMATS[state.format];

  const submit = async (replacePerson = false) => {
    const gap = firstIncomplete(state);
    if (gap) {
      setMessage(t('manual.incomplete', gap));
      return;
    }
    setBusy(true);
    try {
      props.onAttached(await api<AttachResult>('PUT', `/api/registrations/${props.registrationId}/document`, { lines: state.lines, ...(replacePerson ? { replacePerson: true } : {}) }));
    } catch (err) {
      // Another person's document over a draft with consent, prints or details: the officer decides (document step's rule).
      setOtherPerson(err instanceof ApiError && err.code === 'DOCUMENT_PERSON_CHANGED');
      setMessage(err instanceof ApiError && err.code.startsWith('MRZ_') ? t('manual.unrecognised') : errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return h(
    'main',
    { class: 'screen manual-entry', 'data-screen': 'manual' },
    h(
      'div',
      { class: 'manual-top' },
      h('h1', null, t('manual.title')),
      h(
        'div',
        { class: 'segmented', role: 'group' },
        (Object.keys(MRZ_FORMATS) as ManualFormat[]).map((f) =>
          h('button', { type: 'button', key: f, class: `seg${state.format === f ? ' selected' : ''}`, 'aria-pressed': state.format === f, 'data-format': f, onClick: () => setState(emptyManual(f)) }, t(`manual.${f}`)),
        ),
      ),
      h('span', { class: 'spacer' }),
      // Actions on top, not in a footer: on 1024×600 the keyboard needs the bottom of the screen.
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel', onClick: props.onCancel }, t('common.cancel')),
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'check-mrz', 'data-primary': '', disabled: busy, onClick: () => void submit() }, t('manual.check')),
    ),
    h(
      'div',
      { class: 'mrz-editor' },
      state.lines.map((line, i) =>
        h(
          'button',
          { type: 'button', key: i, class: `mrz-line${state.active === i ? ' active' : ''}`, 'data-line': i, onClick: () => setState({ ...state, active: i }) },
          h('span', { class: 'mrz-text' }, line, state.active === i ? h('span', { class: 'caret', 'aria-hidden': 'true' }) : null),
          h('span', { class: `mrz-count${line.length === length ? ' full' : ''}` }, `${line.length}/${length}`),
        ),
      ),
    ),
    message ? h('p', { class: 'message message-bad', role: 'alert' }, message, otherPerson ? h('button', { type: 'button', class: 'btn btn-danger btn-small manual-replace', 'data-action': 'replace-person', onClick: () => void submit(true) }, t('replace.confirm')) : null) : h('p', { class: 'hint' }, t('manual.hint')),
    h(Keyboard, { rows: MRZ_ROWS, label: t('manual.title'), onKey: (k) => { setMessage(null); setState((s) => applyKey(s, k)); } }),
  );
}
