import { h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
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
  // The image takes seconds to arrive after the reader saw the finger (~9 s at the module's 57,600 baud): the bar
  // runs on the time the last read took on this reader (first guess 9 s) and completes when the attempt arrives.
  const [reading, setReading] = useState<{ since: number; expectMs: number } | null>(null);
  const lastReadMs = useRef(9000);
  const [, tick] = useState(0);
  useEffect(() => {
    if (!reading) return;
    const every = setInterval(() => tick((n) => n + 1), 200);
    return () => clearInterval(every);
  }, [reading]);
  const autoStarted = useRef(false);

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
      onLive<FingerprintPromptEvent>('fingerprint:prompt', (e) => {
        if (!mine(e)) return;
        setPrompt(e);
        setReading((r) => (e.prompt === 'finger-detected' ? { since: Date.now(), expectMs: lastReadMs.current } : e.prompt === 'place-finger' ? null : r));
      }),
      onLive<FingerprintAttemptEvent>('fingerprint:attempt', (e) => {
        if (!mine(e)) return;
        setReading((r) => {
          if (r) lastReadMs.current = Math.max(200, Date.now() - r.since);
          return null;
        });
        setAttempts((a) => [...a.slice(-7), e]);
      }),
      onLive<{ registrationId: string }>('fingerprint:finger', (e) => mine(e) && void load()),
      onLive<FingerprintWorkflowEvent>('fingerprint:workflow', (e) => {
        if (!mine(e) || e.kind !== 'capture') return;
        if (e.state === 'started') {
          setRunning(true);
          return;
        }
        setRunning(false);
        setPrompt(null);
        setReading(null);
        if (e.state === 'failed' && e.error) setError(t(`fpError.${e.error.code}`, { defaultValue: t('fpError.other') })); // never the device's English message
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

  // The step starts the reader by itself: a returning migrant is verified first, then the plan's fingers are captured.
  const readerReady = reader?.state === 'connected';
  useEffect(() => {
    if (autoStarted.current || !status || !readerReady || running || status.workflow?.state === 'running') return;
    if (props.previous > 0 && verify.state === 'idle') {
      autoStarted.current = true;
      void runVerify();
      return;
    }
    if (verify.state === 'running') return;
    if (todo.length > 0 && todo.every((f) => f.status === 'pending' && f.attempts === 0)) {
      autoStarted.current = true;
      void capture(todo.map((f) => f.finger));
    }
  }, [status, readerReady, running, verify.state]);
  // After the verification, the remaining fingers follow without a tap.
  useEffect(() => {
    if (verify.state !== 'done' && verify.state !== 'failed') return;
    if (!running && todo.length > 0) void capture(todo.map((f) => f.finger));
  }, [verify.state]);

  const promptText = prompt ? t(`fingerprints.prompt.${prompt.prompt}`, { finger: t(`finger.${prompt.finger}`) }) : null;
  const last = attempts.at(-1);

  return h(
    'main',
    { class: 'screen fingerprint-step', 'data-screen': 'fingerprints' },
    h(Stepper, { current: 'fingerprints', title: t('fingerprints.title') }),
    absent
      ? h('section', { class: 'coming-card' }, h('p', { 'data-fp': 'absent' }, t('fingerprints.absent')), h(DeviceChip, { kind: 'fingerprint', device: reader, inline: true }))
      : h(
          'div',
          { class: 'fp-layout' },
          h(
            'section',
            { class: 'fp-left' },
            h(FingerDiagram, { marks }),
            h(
              'div',
              { class: `fp-prompt${prompt ? ` prompt-${prompt.prompt}` : ''}`, 'aria-live': 'assertive', 'data-prompt': prompt?.prompt ?? (running ? 'waiting' : 'idle'), 'data-prompt-finger': prompt?.finger ?? '' },
              promptText ??
                (todo.length === 0 && plan.length > 0
                  ? `✓ ${t('fingerprints.allDone')}`
                  : next
                    ? t(nextView?.status === 'captured' ? 'fingerprints.lowNext' : 'fingerprints.ready', { finger: t(`finger.${next}`) })
                    : '\u00a0'),
            ),
            reading ? h(ReadProgress, { since: reading.since, expectMs: reading.expectMs }) : null,
            last ? h(AttemptFeedback, { attempt: last, minQuality: status?.minQuality ?? 0, running }) : null,
            reader && reader.state !== 'connected' ? h(DeviceChip, { kind: 'fingerprint', device: reader, inline: true }) : null,
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
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'continue', 'data-primary': '', disabled: running || (!absent && (status === null || todo.length > 0)), onClick: props.onContinue }, t('common.continue')),
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

/** While the image comes over the serial line: how far, in seconds, on the last read's time. */
function ReadProgress(props: { since: number; expectMs: number }) {
  const elapsed = Date.now() - props.since;
  const pct = Math.min(95, Math.round((elapsed / props.expectMs) * 100));
  const left = Math.max(1, Math.ceil((props.expectMs - elapsed) / 1000));
  return h(
    'div',
    { class: 'fp-progress', 'data-fp-progress': pct },
    h('p', null, t('fingerprints.holdStill', { seconds: left })),
    h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, 'aria-label': t('fingerprints.readingImage') }, h('span', { style: { width: `${pct}%` } })),
  );
}

/**
 * Each attempt's quality at once, on its scale (0–100, the office's minimum marked), and in plain words why an
 * attempt did not count and what the person should do differently.
 */
function AttemptFeedback(props: { attempt: FingerprintAttemptEvent; minQuality: number; running: boolean }) {
  const { attempt: a, minQuality } = props;
  const q = a.quality;
  const why = q === null ? t(`fpError.${a.error?.code ?? 'none'}`, { defaultValue: t('fingerprints.why.noPrint') }) : a.accepted ? null : t('fingerprints.why.low');
  return h(
    'div',
    { class: `fp-attempt ${a.accepted ? 'good' : 'poor'}`, 'data-attempt-quality': q ?? 'none' },
    h(
      'p',
      { class: 'fp-attempt-head' },
      t('fingerprints.attempt', { n: a.attempt, finger: t(`finger.${a.finger}`) }),
      ' ',
      q === null ? t('fingerprints.attemptFailed') : a.accepted ? `${t('fingerprints.quality', { q })} ✓ ${t('fingerprints.good')}` : `${t('fingerprints.quality', { q })} ✗ ${t('fingerprints.tooLow', { min: minQuality })}${props.running ? ` ${t('fingerprints.placeAgain')}` : ''}`,
    ),
    q !== null
      ? h(
          'div',
          { class: 'quality-scale', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': q, 'aria-label': t('fingerprints.scale', { min: minQuality }) },
          h('span', { class: 'quality-fill', style: { width: `${q}%` } }),
          h('span', { class: 'quality-min', style: { left: `${minQuality}%` }, 'aria-hidden': 'true' }),
          h('span', { class: 'quality-labels', 'aria-hidden': 'true' }, h('span', null, '0'), h('span', { class: 'quality-min-label', style: { left: `${minQuality}%` } }, `${t('fingerprints.minimum')} ${minQuality}`), h('span', null, '100')),
        )
      : null,
    why ? h('p', { class: 'fp-why', 'data-fp-why': q === null ? 'no-print' : 'low' }, why) : null,
  );
}
