import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Stepper } from '../components/idle-overlay.ts';
import { t } from '../i18n/i18n.ts';
import { live, onScan } from '../live.ts';
import { useStore } from '../state/store.ts';
import type { AttachResult, MrzDocument, Registration } from '../types.ts';
import { DocumentView } from './document-view.ts';
import { errorText } from './errors.ts';

type Phase = { phase: 'waiting' } | { phase: 'reading' } | { phase: 'unreadable'; detail: string } | { phase: 'failed'; detail: string };

/**
 * Step 1: the live "place the passport" prompt. A scan pushed on socket.io is attached to this registration
 * at once (the server parses and stores it: the draft is saved), and the result replaces the prompt.
 */
export function DocumentStep(props: {
  registration: Registration;
  previous: number;
  onAttached: (r: AttachResult) => void;
  onManual: () => void;
  onContinue: () => void;
  onBack: () => void;
}) {
  const { registration } = props;
  const doc = registration.document as MrzDocument | null;
  const [phase, setPhase] = useState<Phase>({ phase: 'waiting' });
  const [showPrompt, setShowPrompt] = useState(doc === null);
  const reader = useStore(live).devices.mrz;
  const attach = useRef(props.onAttached);
  attach.current = props.onAttached;

  useEffect(
    () =>
      // biome-ignore lint/nursery/noMisusedPromises: the handler reports its own failures on screen (setPhase 'failed')
      onScan(async (scan) => {
        if (!scan.document) {
          setShowPrompt(true);
          setPhase({ phase: 'unreadable', detail: scan.error?.message ?? '' });
          return;
        }
        setShowPrompt(true);
        setPhase({ phase: 'reading' });
        try {
          const result = await api<AttachResult>('PUT', `/api/registrations/${registration.id}/document`, { scanId: scan.scanId });
          setPhase({ phase: 'waiting' });
          setShowPrompt(false);
          attach.current(result);
        } catch (err) {
          setPhase({ phase: 'failed', detail: errorText(err) });
        }
      }),
    [registration.id],
  );

  const readerDown = reader && reader.state !== 'connected' ? (reader.reason ?? t(`device.state.${reader.state}`)) : null;
  const simulate = () => void api('POST', '/api/simulator/mrz/scan', {}).catch(() => {});

  return h(
    'main',
    { class: 'screen document-step', 'data-screen': 'document' },
    h(Stepper, { current: 'document' }),
    showPrompt || !doc
      ? h(
          'section',
          { class: `scan-prompt phase-${phase.phase}`, 'data-phase': phase.phase, 'aria-live': 'polite' },
          h('div', { class: 'reader-art', 'aria-hidden': 'true' }, h('div', { class: 'passport' })),
          h(
            'div',
            null,
            h('h1', null, phase.phase === 'reading' ? t('scan.reading') : t('scan.place')),
            h('p', null, t('scan.placeHint')),
            readerDown ? h('p', { class: 'message message-bad' }, t('scan.readerDown', { reason: readerDown })) : null,
            phase.phase === 'unreadable' ? h('p', { class: 'message message-bad', role: 'alert' }, t('scan.unreadable')) : null,
            phase.phase === 'failed' ? h('p', { class: 'message message-bad', role: 'alert' }, phase.detail) : null,
            reader?.simulated ? h('button', { type: 'button', class: 'btn btn-quiet', 'data-action': 'simulate-scan', onClick: simulate }, `${t('device.mrz')} (${t('device.simulated')})`) : null,
          ),
        )
      : h(DocumentView, { doc, previous: props.previous }),
    h(
      'footer',
      { class: 'action-bar' },
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'back', onClick: props.onBack }, t('common.back')),
      doc && !showPrompt ? h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'rescan', onClick: () => setShowPrompt(true) }, t('scan.rescan')) : null,
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'manual', onClick: props.onManual }, t('scan.manual')),
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'continue', disabled: !doc?.valid || showPrompt, onClick: props.onContinue }, t('common.continue')),
    ),
  );
}
