import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { Stepper } from '../components/idle-overlay.ts';
import { t } from '../i18n/i18n.ts';
import { live, onScan } from '../live.ts';
import { useStore } from '../state/store.ts';
import type { AttachResult, MrzDocument, Registration } from '../types.ts';
import { deviceAdvice } from '../device-text.ts';
import { DocumentView } from './document-view.ts';
import { ChipPanel } from './chip-view.ts';
import type { ReturningInfo } from './returning.ts';
import { errorText } from './errors.ts';

/** SURNAME, Given names of a parsed MRZ. */
export const personName = (d: { surname: string; givenNames: string }) => `${d.surname.replaceAll('<', ' ').trim()}, ${d.givenNames.replaceAll('<', ' ').trim()}`;

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
  const [replace, setReplace] = useState<{ scanId: string; attached: string[]; name: string } | null>(null);
  const [returning, setReturning] = useState<ReturningInfo | null>(null);
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
        await attachScan(scan.scanId, false, scan.document);
      }),
    [registration.id],
  );

  /** Attach a scan; another person's passport over a draft with consent, prints or details needs the officer's word. */
  const attachScan = async (scanId: string, replacePerson: boolean, scanned?: MrzDocument | null) => {
    try {
      const result = await api<AttachResult & { returning?: ReturningInfo }>('PUT', `/api/registrations/${registration.id}/document`, { scanId, ...(replacePerson ? { replacePerson: true } : {}) });
      setPhase({ phase: 'waiting' });
      setShowPrompt(false);
      setReplace(null);
      setReturning(result.returning?.returning ? result.returning : null);
      attach.current(result);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'DOCUMENT_PERSON_CHANGED') {
        const attached = Array.isArray(err.body.attached) ? (err.body.attached as string[]) : [];
        setPhase({ phase: 'waiting' });
        setReplace({ scanId, attached, name: scanned ? personName(scanned) : '' });
      } else setPhase({ phase: 'failed', detail: errorText(err) });
    }
  };

  // A registration resumed from the queue: the returning banner comes from the server, not from the attach answer.
  useEffect(() => {
    if (!doc) return;
    let live = true;
    api<ReturningInfo>('GET', `/api/registrations/${registration.id}/returning`, undefined, { background: true }).then(
      (r) => live && setReturning(r.returning ? r : null),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [registration.id, doc?.documentNumber]);

  // In words from the state (never the port's English reason), and the heading says so too: no "Place the passport" while it cannot read.
  const readerDown = reader && reader.state !== 'connected' && reader.state !== 'reading' ? deviceAdvice('mrz', reader) : null;
  const simulate = () => void api('POST', '/api/simulator/mrz/scan', {}).catch(() => {});

  return h(
    'main',
    { class: 'screen document-step', 'data-screen': 'document' },
    h(Stepper, { current: 'document', title: doc && !showPrompt ? t('scan.checkTitle') : t('scan.title') }),
    showPrompt || !doc
      ? h(
          'section',
          { class: `scan-prompt phase-${phase.phase}`, 'data-phase': phase.phase, 'aria-live': 'polite' },
          h('div', { class: 'reader-art', 'aria-hidden': 'true' }, h('div', { class: 'passport' })),
          h(
            'div',
            null,
            h('h2', { class: 'prompt-title' }, readerDown ? t('scan.readerNotReady') : phase.phase === 'reading' ? t('scan.reading') : t('scan.place')),
            readerDown ? h('p', { class: 'message message-bad', 'data-reader-down': reader?.state ?? '' }, readerDown, ' ', t('scan.typeInstead')) : h('p', null, t('scan.placeHint')),
            phase.phase === 'unreadable' ? h('p', { class: 'message message-bad', role: 'alert' }, t('scan.unreadable')) : null,
            phase.phase === 'failed' ? h('p', { class: 'message message-bad', role: 'alert' }, phase.detail) : null,
            reader?.simulated ? h('button', { type: 'button', class: 'btn btn-quiet', 'data-action': 'simulate-scan', onClick: simulate }, `${t('device.mrz')} (${t('device.simulated')})`) : null,
          ),
        )
      : h('div', null, h(ChipPanel, { registrationId: registration.id, documentKey: doc.lines.join('') }), h(DocumentView, { doc, previous: returning ? 0 : props.previous, returning })),
    h(
      'footer',
      { class: 'action-bar' },
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'back', onClick: props.onBack }, t('common.back')),
      doc && !showPrompt ? h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'rescan', onClick: () => setShowPrompt(true) }, t('scan.rescan')) : null,
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'manual', onClick: props.onManual }, t('scan.manual')),
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'continue', 'data-primary': '', disabled: !doc?.valid || showPrompt, onClick: props.onContinue }, t('common.continue')),
    ),
    replace && doc
      ? h(
          'div',
          { class: 'overlay', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'replace-title', 'data-modal': 'replace-person' },
          h(
            'div',
            { class: 'dialog dialog-left' },
            h('h2', { id: 'replace-title', tabIndex: -1 }, t('replace.title')),
            h('p', null, t('replace.text', { current: personName(doc), scanned: replace.name || t('replace.someoneElse') })),
            replace.attached.length > 0 ? h('p', { class: 'message message-bad' }, t('replace.clears', { what: replace.attached.map((a) => t(`replace.part.${a}`, { defaultValue: a })).join(', ') })) : null,
            h(
              'div',
              { class: 'dialog-actions' },
              h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'keep-person', 'data-primary': '', onClick: () => setReplace(null) }, t('replace.keep', { name: personName(doc) })),
              h('button', { type: 'button', class: 'btn btn-danger', 'data-action': 'replace-person', onClick: () => void attachScan(replace.scanId, true) }, t('replace.confirm')),
            ),
          ),
        )
      : null,
  );
}
