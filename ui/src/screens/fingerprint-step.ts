import { h } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ExceptionModal } from '../components/approval-modal.ts';
import { FingerDiagram, type FingerMark } from '../components/finger-diagram.ts';
import { DeviceChip } from '../components/header.ts';
import { Stepper } from '../components/idle-overlay.ts';
import { t } from '../i18n/i18n.ts';
import { live, onLive } from '../live.ts';
import { useStore } from '../state/store.ts';
import type {
  FingerprintAttemptEvent,
  FingerprintPromptEvent,
  FingerprintStatus,
  FingerprintWorkflowEvent,
  FingerView,
  Registration,
  VerificationOutcome,
} from '../types.ts';
import { errorText } from './errors.ts';

const done = (f: FingerView) => f.status === 'exception' || (f.status === 'captured' && !f.belowThreshold);
const markOf = (f: FingerView): FingerMark => (f.status === 'exception' ? 'exception' : f.status === 'captured' ? (f.belowThreshold ? 'low' : 'captured') : 'pending');

type Verify = { state: 'idle' } | { state: 'running' } | { state: 'done'; result: VerificationOutcome } | { state: 'failed'; message: string };

/**
 * Step 2: the office's capture plan finger by finger, with the reader's own place/lift prompts live, the quality
 * of every attempt, capture again, and supervisor-approved exceptions. A returning migrant is verified against
 * the prints of the earlier registration. Continue opens once every finger is captured well or excused.
 */
export function FingerprintStep(props: { registration: Registration; previous: number; supervisor: boolean; onBack: () => void; onContinue: () => void }) {
  const id = props.registration.id;
  const reader = useStore(live).devices.fingerprint;
  const [status, setStatus] = useState<FingerprintStatus | null>(null);
  const [prompt, setPrompt] = useState<FingerprintPromptEvent | null>(null);
  const [attempts, setAttempts] = useState<FingerprintAttemptEvent[]>([]);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [exceptionFor, setExceptionFor] = useState<string | null>(null);
  const [verify, setVerify] = useState<Verify>({ state: 'idle' });

  const load = useCallback(async () => {
    try {
      const s = await api<FingerprintStatus>('GET', `/api/registrations/${id}/fingerprints`, undefined, { background: true });
      setStatus(s);
      setRunning(s.workflow?.state === 'running' && s.workflow.kind === 'capture');
    } catch (err) {
      setError(errorText(err));
    }
  }, [id]);

  useEffect(() => {
    void load();
    const mine = (e: { registrationId: string }) => e.registrationId === id;
    const offs = [
      onLive<FingerprintPromptEvent>('fingerprint:prompt', (e) => mine(e) && setPrompt(e)),
      onLive<FingerprintAttemptEvent>('fingerprint:attempt', (e) => mine(e) && setAttempts((a) => [...a.slice(-7), e])),
      onLive<{ registrationId: string }>('fingerprint:finger', (e) => mine(e) && void load()),
      onLive<FingerprintWorkflowEvent>('fingerprint:workflow', (e) => {
        if (!mine(e) || e.kind !== 'capture') return;
        if (e.state === 'started') {
          setRunning(true);
          return;
        }
        setRunning(false);
        setPrompt(null);
        if (e.state === 'failed' && e.error) setError(t(`fpError.${e.error.code}`, { defaultValue: e.error.message }));
        void load();
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [id, load]);

  const absent = reader?.state === 'absent';
  const plan = status?.fingers ?? [];
  const todo = plan.filter((f) => !done(f));
  const next = running ? prompt?.finger : todo[0]?.finger;
  // The pulsing 'next' is for a finger still to be pressed; a low-quality one keeps its '!' until it is pressed again.
  const marks: Record<string, FingerMark> = Object.fromEntries(plan.map((f) => [f.finger, f.finger === next && (running || f.status === 'pending') ? 'next' : markOf(f)]));
  const nextView = plan.find((f) => f.finger === next);

  const capture = async (fingers?: string[]) => {
    setError(null);
    setAttempts([]);
    try {
      await api('POST', `/api/registrations/${id}/fingerprints/capture`, fingers ? { fingers } : {});
      setRunning(true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const cancel = () => void api('POST', `/api/registrations/${id}/fingerprints/cancel`).catch((err: unknown) => setError(errorText(err)));
  const runVerify = async () => {
    setVerify({ state: 'running' });
    setError(null);
    try {
      setVerify({ state: 'done', result: await api<VerificationOutcome>('POST', `/api/registrations/${id}/fingerprints/verify`) });
    } catch (err) {
      setVerify({ state: 'failed', message: errorText(err) });
    } finally {
      setPrompt(null);
    }
  };

  const promptText = prompt ? t(`fingerprints.prompt.${prompt.prompt}`, { finger: t(`finger.${prompt.finger}`) }) : null;
  const last = attempts.at(-1);

  return h(
    'main',
    { class: 'screen fingerprint-step', 'data-screen': 'fingerprints' },
    h(Stepper, { current: 'fingerprints' }),
    absent
      ? h('section', { class: 'coming-card' }, h('h1', null, t('fingerprints.title')), h('p', { 'data-fp': 'absent' }, t('fingerprints.absent')), h(DeviceChip, { kind: 'fingerprint', device: reader }))
      : h(
          'div',
          { class: 'fp-layout' },
          h(
            'section',
            { class: 'fp-left' },
            h(FingerDiagram, { marks }),
            h(
              'div',
              { class: `fp-prompt${prompt ? ` prompt-${prompt.prompt}` : ''}`, 'aria-live': 'assertive', 'data-prompt': prompt?.prompt ?? (running ? 'waiting' : 'idle') },
              promptText ??
                (todo.length === 0 && plan.length > 0
                  ? `✓ ${t('fingerprints.allDone')}`
                  : next
                    ? t(nextView?.status === 'captured' ? 'fingerprints.lowNext' : 'fingerprints.ready', { finger: t(`finger.${next}`) })
                    : '\u00a0'),
            ),
            last
              ? h(
                  'p',
                  { class: `fp-attempt ${last.accepted ? 'good' : 'poor'}`, 'data-attempt-quality': last.quality ?? 'none' },
                  t('fingerprints.attempt', { n: last.attempt, finger: t(`finger.${last.finger}`) }),
                  ' ',
                  last.quality === null
                    ? t('fingerprints.attemptFailed')
                    : last.accepted
                      ? `${t('fingerprints.quality', { q: last.quality })} ✓`
                      : `${t('fingerprints.quality', { q: last.quality })} ✗ ${t('fingerprints.tooLow', { min: status?.minQuality ?? 0 })}${running ? ` ${t('fingerprints.placeAgain')}` : ''}`,
                )
              : null,
            reader && reader.state !== 'connected' ? h(DeviceChip, { kind: 'fingerprint', device: reader }) : null,
          ),
          h(
            'section',
            { class: 'fp-right' },
            h(
              'ul',
              { class: 'fp-list' },
              plan.map((f) =>
                h(
                  'li',
                  { key: f.finger, class: `fp-row mark-${markOf(f)}`, 'data-fp-finger': f.finger, 'data-fp-status': markOf(f) },
                  h('span', { class: 'fp-name' }, t(`finger.${f.finger}`)),
                  h(
                    'span',
                    { class: 'fp-state' },
                    f.status === 'exception'
                      ? `E ${t(`exception.reasons.${f.exceptionReason ?? 'other'}`)} · ${f.approvedBy ?? ''}`
                      : f.status === 'captured'
                        ? `${f.belowThreshold ? '!' : '✓'} ${t('fingerprints.quality', { q: f.quality ?? 0 })}`
                        : `– ${t('fingerprints.pending')}`,
                  ),
                  h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'data-action': 'recapture', disabled: running, onClick: () => void capture([f.finger]) }, f.status === 'pending' ? t('fingerprints.capture') : t('fingerprints.again')),
                  h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'data-action': 'exception', disabled: running || f.status === 'exception', onClick: () => setExceptionFor(f.finger) }, t('fingerprints.exception')),
                ),
              ),
            ),
            props.previous > 0
              ? h(
                  'div',
                  { class: 'fp-verify' },
                  h('p', null, t('fingerprints.returning')),
                  verify.state === 'done'
                    ? h(
                        'p',
                        { class: `banner ${verify.result.decision === 'match' ? 'banner-ok' : 'banner-bad'}`, 'data-verify': verify.result.decision },
                        verify.result.decision === 'match' ? `✓ ${t('fingerprints.match')}` : `✗ ${t('fingerprints.noMatch')}`,
                      )
                    : null,
                  verify.state === 'failed' ? h('p', { class: 'message message-bad', role: 'alert' }, verify.message) : null,
                  h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'verify', disabled: running || verify.state === 'running', onClick: runVerify }, verify.state === 'running' ? t('fingerprints.verifying') : t('fingerprints.verify')),
                )
              : null,
          ),
        ),
    error ? h('p', { class: 'message message-bad', role: 'alert' }, error) : null,
    h(
      'footer',
      { class: 'action-bar' },
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'back', disabled: running, onClick: props.onBack }, t('common.back')),
      running
        ? h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel-capture', onClick: cancel }, t('fingerprints.cancel'))
        : !absent && todo.length > 0
          ? h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'start-capture', onClick: () => void capture(todo.map((f) => f.finger)) }, t('fingerprints.start'))
          : null,
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'continue', disabled: running || (!absent && (status === null || todo.length > 0)), onClick: props.onContinue }, t('common.continue')),
    ),
    exceptionFor
      ? h(ExceptionModal, {
          registrationId: id,
          finger: exceptionFor,
          signedInAsSupervisor: props.supervisor,
          onCancel: () => setExceptionFor(null),
          onDone: () => {
            setExceptionFor(null);
            void load();
          },
        })
      : null,
  );
}
