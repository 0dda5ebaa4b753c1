import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { ALNUM_ROWS, Keyboard, PIN_ROWS } from '../components/keyboard.ts';
import { t } from '../i18n/i18n.ts';
import type { SessionInfo } from '../types.ts';
import { errorText } from './errors.ts';

const hhmm = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

export function SignIn(props: { notice: string | null; onSignedIn: (s: SessionInfo) => void }) {
  const [officerId, setOfficerId] = useState('');
  const [pin, setPin] = useState('');
  const [focus, setFocus] = useState<'id' | 'pin'>('id');
  const [message, setMessage] = useState<{ text: string; tone: 'bad' | 'info' } | null>(props.notice ? { text: props.notice, tone: 'info' } : null);
  const [busy, setBusy] = useState(false);
  const [officers, setOfficers] = useState<Array<{ officerId: string; displayName: string }> | null>(null);
  const [typeId, setTypeId] = useState(false);
  useEffect(() => {
    api<{ items: Array<{ officerId: string; displayName: string }> }>('GET', '/api/auth/officers', undefined, { background: true }).then(
      (r) => setOfficers(r.items),
      () => setOfficers([]),
    );
  }, []);
  const pick = (id: string) => {
    setOfficerId(id);
    setPin('');
    setFocus('pin');
    setMessage(null);
  };
  const list = officers && officers.length > 0 && !typeId;

  const type = (key: string) => {
    const apply = (v: string, max: number) => (key === 'DELETE' ? v.slice(0, -1) : key === 'CLEAR' ? '' : v.length < max ? v + key : v);
    if (focus === 'id' && !(officers && officers.length > 0 && !typeId)) setOfficerId((v) => apply(v, 32));
    else setPin((v) => apply(v, 8));
  };

  const submit = async () => {
    if (!officerId || !pin || busy) return;
    setBusy(true);
    try {
      props.onSignedIn(await api<SessionInfo>('POST', '/api/auth/sign-in', { officerId, pin }));
    } catch (err) {
      setPin('');
      setFocus('pin');
      if (err instanceof ApiError && err.code === 'AUTH_LOCKED') {
        setMessage({ text: t('signIn.locked', { time: hhmm(String(err.body.lockedUntil)) }), tone: 'bad' });
      } else if (err instanceof ApiError && (err.code === 'AUTH_RATE_LIMITED' || err.code === 'AUTH_BUSY')) {
        const seconds = typeof err.body.retryAfterS === 'number' ? err.body.retryAfterS : 30;
        setMessage({ text: t('signIn.tooMany', { seconds }), tone: 'bad' });
      } else if (err instanceof ApiError && err.code === 'AUTH_INVALID_CREDENTIALS') {
        const left = err.body.attemptsLeft;
        setMessage({ text: `${t('signIn.wrong')}${typeof left === 'number' ? ` ${t('signIn.attemptsLeft', { count: left })}` : ''}`, tone: 'bad' });
      } else {
        setMessage({ text: errorText(err), tone: 'bad' });
      }
    } finally {
      setBusy(false);
    }
  };

  const field = (which: 'id' | 'pin', label: string, shown: string) =>
    h(
      'button',
      { type: 'button', class: `field${focus === which ? ' focused' : ''}`, 'data-field': which, onClick: () => setFocus(which) },
      h('span', { class: 'field-label' }, label),
      h('span', { class: 'field-value' }, shown || '\u00a0'),
    );

  // One tap on the officer's name, the PIN, Enter or Sign in: 8 taps at most with a six-digit PIN.
  const picker = list
    ? h(
        'div',
        { class: 'officer-list', role: 'group', 'aria-label': t('signIn.chooseOfficer') },
        officers.map((o) =>
          h(
            'button',
            { type: 'button', key: o.officerId, class: `officer-tile${officerId === o.officerId ? ' selected' : ''}`, 'aria-pressed': officerId === o.officerId, 'data-officer-tile': o.officerId, onClick: () => pick(o.officerId) },
            h('strong', null, o.displayName),
            h('span', { class: 'officer-id' }, o.officerId),
          ),
        ),
        h('button', { type: 'button', class: 'officer-tile officer-other', 'data-action': 'type-id', onClick: () => { setTypeId(true); setOfficerId(''); setFocus('id'); } }, t('signIn.typeId')),
      )
    : officers === null
      ? // The list is still coming (a local request): nothing to tap yet, so the tiles do not replace a field under a finger.
        h('div', { class: 'officer-list officer-list-loading', 'aria-busy': 'true' }, h('p', { class: 'hint' }, t('app.loading')))
      : field('id', t('signIn.officerId'), officerId);
  return h(
    'main',
    { class: 'screen sign-in', 'data-screen': 'sign-in' },
    h(
      'section',
      { class: 'sign-in-form' },
      h('h1', { tabIndex: -1 }, t('signIn.title')),
      picker,
      field('pin', t('signIn.pin'), '●'.repeat(pin.length)),
      message ? h('p', { class: `message message-${message.tone}`, role: 'alert' }, message.text) : h('p', { class: 'hint' }, list ? (officerId ? t('signIn.typePin') : t('signIn.tapName')) : t('signIn.tapField')),
      h('button', { type: 'button', class: 'btn btn-primary btn-big', 'data-action': 'sign-in', 'data-primary': '', disabled: busy || !officerId || !pin, onClick: submit }, t('signIn.submit')),
    ),
    h(
      'section',
      { class: 'sign-in-keys' },
      officers === null
        ? null
        : focus === 'id' && !list
        ? h(Keyboard, { rows: ALNUM_ROWS, onKey: type, label: t('signIn.officerId') })
        : h(Keyboard, { rows: PIN_ROWS, onKey: type, label: t('signIn.pin'), variant: 'pin' }),
    ),
  );
}
