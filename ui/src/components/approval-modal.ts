import { h } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { t } from '../i18n/i18n.ts';
import { errorText } from '../screens/errors.ts';
import { ALNUM_ROWS, Keyboard, PIN_ROWS } from './keyboard.ts';

export const EXCEPTION_REASONS = ['amputated', 'bandaged', 'scarred', 'deformed', 'unreadable', 'other'] as const;
export type ExceptionReason = (typeof EXCEPTION_REASONS)[number];

/**
 * A finger exception: the officer picks the reason, then a supervisor signs on this screen (id + PIN on the
 * on-screen keyboard). The PIN buys a two-minute single-use approval for this registration only; the officer's
 * session is never switched. A signed-in supervisor approves without the PIN step.
 */
export function ExceptionModal(props: {
  registrationId: string;
  finger: string;
  signedInAsSupervisor: boolean;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState<ExceptionReason | null>(null);
  const [supervisorId, setSupervisorId] = useState('');
  const [pin, setPin] = useState('');
  const [focus, setFocus] = useState<'id' | 'pin'>('id');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const type = (key: string) => {
    setError(null);
    const apply = (v: string, max: number) => (key === 'DELETE' ? v.slice(0, -1) : key === 'CLEAR' ? '' : v.length < max ? v + key : v);
    if (focus === 'id') setSupervisorId((v) => apply(v, 32));
    else setPin((v) => apply(v, 8));
  };

  const approve = async () => {
    if (!reason || busy) return;
    setBusy(true);
    setError(null);
    try {
      const headers: Record<string, string> = {};
      if (!props.signedInAsSupervisor) {
        const { token } = await api<{ token: string }>('POST', '/api/auth/supervisor-approval', { officerId: supervisorId, pin, registrationId: props.registrationId });
        headers['x-supervisor-approval'] = token;
      }
      await api('POST', `/api/registrations/${props.registrationId}/fingerprints/exceptions`, { finger: props.finger, reason }, { headers });
      props.onDone();
    } catch (err) {
      setPin('');
      setFocus('pin');
      if (err instanceof ApiError && (err.code === 'AUTH_INVALID_CREDENTIALS' || err.code === 'AUTH_LOCKED' || err.code === 'AUTH_FORBIDDEN')) {
        setError(t(`approval.${err.code}`));
      } else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const field = (which: 'id' | 'pin', label: string, shown: string) =>
    h(
      'button',
      { type: 'button', class: `field${focus === which ? ' focused' : ''}`, 'data-approval-field': which, onClick: () => setFocus(which) },
      h('span', { class: 'field-label' }, label),
      h('span', { class: 'field-value' }, shown || '\u00a0'),
    );

  return h(
    'div',
    { class: 'overlay', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'exception-title', 'data-modal': 'exception' },
    h(
      'div',
      { class: 'dialog dialog-wide' },
      h('h2', { id: 'exception-title' }, t('exception.title', { finger: t(`finger.${props.finger}`) })),
      h(
        'div',
        { class: 'segmented reasons', role: 'group', 'aria-label': t('exception.reason') },
        EXCEPTION_REASONS.map((r) =>
          h('button', { type: 'button', key: r, class: `seg${reason === r ? ' selected' : ''}`, 'aria-pressed': reason === r, 'data-reason': r, onClick: () => setReason(r) }, t(`exception.reasons.${r}`)),
        ),
      ),
      props.signedInAsSupervisor
        ? h('p', { class: 'hint' }, t('exception.asSupervisor'))
        : h(
            'div',
            { class: 'approval' },
            h(
              'div',
              { class: 'approval-form' },
              h('p', { class: 'hint' }, t('exception.supervisorSigns')),
              field('id', t('exception.supervisorId'), supervisorId),
              field('pin', t('signIn.pin'), '●'.repeat(pin.length)),
            ),
            h(
              'div',
              { class: 'approval-keys' },
              focus === 'id'
                ? h(Keyboard, { rows: ALNUM_ROWS, onKey: type, label: t('exception.supervisorId') })
                : h(Keyboard, { rows: PIN_ROWS, onKey: type, label: t('signIn.pin'), variant: 'pin' }),
            ),
          ),
      error ? h('p', { class: 'message message-bad', role: 'alert' }, error) : null,
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel-exception', onClick: props.onCancel }, t('common.cancel')),
        h(
          'button',
          { type: 'button', class: 'btn btn-primary', 'data-action': 'approve-exception', disabled: busy || !reason || (!props.signedInAsSupervisor && (!supervisorId || pin.length < 4)), onClick: approve },
          t('exception.approve'),
        ),
      ),
    ),
  );
}
