import { Fragment, h } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { t } from '../i18n/i18n.ts';
import { errorText } from '../screens/errors.ts';
import { ALNUM_ROWS, Keyboard, PIN_ROWS } from './keyboard.ts';

export const EXCEPTION_REASONS = ['amputated', 'bandaged', 'scarred', 'deformed', 'unreadable', 'other'] as const;
export type ExceptionReason = (typeof EXCEPTION_REASONS)[number];

/**
 * A supervisor's approval of an action on one registration: ID and PIN typed on this screen (on-screen keys, or a
 * physical keyboard), or none when a supervisor is signed in. `panel` is the form (or the signed-in note) and the
 * refusal; `approve` runs the action with the approval, one at a time.
 */
function useSupervisorApproval(registrationId: string, asSupervisor: boolean) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [supervisorId, setSupervisorId] = useState('');
  const [pin, setPin] = useState('');
  const [focus, setFocus] = useState<'id' | 'pin'>('id');
  const type = (key: string) => {
    const apply = (v: string, max: number) => (key === 'DELETE' ? v.slice(0, -1) : key === 'CLEAR' ? '' : v.length < max ? v + key : v);
    if (focus === 'id') setSupervisorId((v) => apply(v, 32));
    else setPin((v) => apply(v, 8));
  };
  const field = (which: 'id' | 'pin', label: string, shown: string) =>
    h(
      'button',
      { type: 'button', class: `field${focus === which ? ' focused' : ''}`, 'data-approval-field': which, onClick: () => setFocus(which) },
      h('span', { class: 'field-label' }, label),
      h('span', { class: 'field-value' }, shown || '\u00a0'),
    );
  const view = (hint: string) =>
    h(
      'div',
      { class: 'approval' },
      h('div', { class: 'approval-form' }, h('p', { class: 'hint' }, hint), field('id', t('exception.supervisorId'), supervisorId), field('pin', t('signIn.pin'), '●'.repeat(pin.length))),
      h(
        'div',
        { class: 'approval-keys' },
        focus === 'id'
          ? h(Keyboard, { rows: ALNUM_ROWS, onKey: type, onEnter: () => setFocus('pin'), label: t('exception.supervisorId') })
          : h(Keyboard, { rows: PIN_ROWS, onKey: type, label: t('signIn.pin'), variant: 'pin' }),
      ),
    );
  const panel = (hint: string) => h(Fragment, null, asSupervisor ? h('p', { class: 'hint' }, t('exception.asSupervisor')) : view(hint), error ? h('p', { class: 'message message-bad', role: 'alert' }, error) : null);
  /** Not busy, and the supervisor's ID and PIN typed (or a supervisor signed in). */
  const canApprove = !busy && (asSupervisor || (supervisorId.length > 0 && pin.length >= 4));
  /** Runs the approved action with the supervisor's token (or as the signed-in supervisor); a refusal becomes the modal's message. */
  const approve = async (action: (headers: Record<string, string>) => Promise<unknown>, onDone: () => void) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    let refused: string | null = null;
    try {
      await action(asSupervisor ? {} : { 'x-supervisor-approval': await token() });
    } catch (err) {
      refused = failed(err);
    }
    setBusy(false);
    if (refused) setError(refused);
    else onDone();
  };
  /** The two-minute single-use approval token for this registration (wrong PINs count toward the supervisor's lockout). */
  const token = async () => (await api<{ token: string }>('POST', '/api/auth/supervisor-approval', { officerId: supervisorId, pin, registrationId })).token;
  const failed = (err: unknown): string => {
    setPin('');
    setFocus('pin');
    return err instanceof ApiError && (err.code === 'AUTH_INVALID_CREDENTIALS' || err.code === 'AUTH_LOCKED' || err.code === 'AUTH_FORBIDDEN') ? t(`approval.${err.code}`) : errorText(err);
  };
  return { panel, canApprove, approve };
}

/**
 * A supervisor approves THIS registration at review (a minor, an expired or specimen passport, an unknown state…):
 * the warnings are listed, the supervisor signs on this screen, and the approval is recorded for the registration.
 * A signed-in supervisor approves directly.
 */
export function RegistrationApprovalModal(props: { registrationId: string; warnings: string[]; age: number | null; minimumAge?: number; signedInAsSupervisor: boolean; onDone: () => void; onCancel: () => void }) {
  const approval = useSupervisorApproval(props.registrationId, props.signedInAsSupervisor);
  const approve = () => approval.approve((headers) => api('POST', `/api/registrations/${props.registrationId}/approval`, {}, { headers }), props.onDone);
  return h(
    'div',
    { class: 'overlay', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'approval-title', 'data-modal': 'registration-approval' },
    h(
      'div',
      { class: 'dialog dialog-wide' },
      h('h2', { id: 'approval-title' }, t('approvalReview.title')),
      h('ul', { class: 'warnings' }, props.warnings.map((w) => h('li', { key: w, class: 'warning warning-stop', 'data-approval-warning': w }, h('p', { class: 'warning-text' }, t(`rule.${w}`, { age: props.age ?? '?', min: props.minimumAge ?? 18, defaultValue: t(`warning.${w}`, { field: '', defaultValue: w }) }))))),
      approval.panel(t('approvalReview.supervisorSigns')),
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel-approval', onClick: props.onCancel }, t('common.cancel')),
        h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'approve-registration', 'data-primary': '', disabled: !approval.canApprove, onClick: () => void approve() }, t('approvalReview.approve')),
      ),
    ),
  );
}

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
  const approval = useSupervisorApproval(props.registrationId, props.signedInAsSupervisor);
  const approve = async () => {
    if (!reason) return;
    await approval.approve((headers) => api('POST', `/api/registrations/${props.registrationId}/fingerprints/exceptions`, { finger: props.finger, reason }, { headers }), props.onDone);
  };

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
      approval.panel(t('exception.supervisorSigns')),
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel-exception', onClick: props.onCancel }, t('common.cancel')),
        h(
          'button',
          { type: 'button', class: 'btn btn-primary', 'data-action': 'approve-exception', 'data-primary': '', disabled: !reason || !approval.canApprove, onClick: approve },
          t('exception.approve'),
        ),
      ),
    ),
  );
}
