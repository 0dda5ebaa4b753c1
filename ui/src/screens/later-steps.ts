import { h } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { DeviceChip } from '../components/header.ts';
import { Stepper } from '../components/idle-overlay.ts';
import { t } from '../i18n/i18n.ts';
import { live } from '../live.ts';
import { useStore } from '../state/store.ts';
import type { MrzDocument, Registration } from '../types.ts';
import { errorText } from './errors.ts';

/** Step 2, COMING: fingerprint capture lands with the fingerprint feature. Shows the reader's live state. */
export function FingerprintsComing(props: { onBack: () => void; onContinue: () => void }) {
  const devices = useStore(live).devices;
  return h(
    'main',
    { class: 'screen coming', 'data-screen': 'fingerprints' },
    h(Stepper, { current: 'fingerprints' }),
    h('section', { class: 'coming-card' }, h('h1', null, t('fingerprints.title')), h('p', { class: 'coming-text' }, t('fingerprints.coming')), h('p', null, t('fingerprints.deviceNow')), h(DeviceChip, { kind: 'fingerprint', device: devices.fingerprint })),
    h(
      'footer',
      { class: 'action-bar' },
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'back', onClick: props.onBack }, t('common.back')),
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'continue', onClick: props.onContinue }, t('common.continue')),
    ),
  );
}

/** Step 3: review the document part and finalize (the officer's "saved": durable, queued for the centre). */
export function Review(props: { registration: Registration; onBack: () => void; onFinalized: (r: Registration) => void }) {
  const { registration } = props;
  const doc = registration.document as MrzDocument | null;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const finalize = async () => {
    setBusy(true);
    try {
      props.onFinalized(await api<Registration>('POST', `/api/registrations/${registration.id}/finalize`));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const row = (label: string, value: string, key: string) => h('div', { class: 'summary-row', key }, h('dt', null, label), h('dd', { 'data-summary': key }, value));
  const name = doc ? `${doc.surname.replaceAll('<', ' ')}, ${doc.givenNames.replaceAll('<', ' ')}` : '—';
  return h(
    'main',
    { class: 'screen review', 'data-screen': 'review' },
    h(Stepper, { current: 'review' }),
    h('h1', null, t('review.title')),
    h(
      'dl',
      { class: 'summary' },
      row(t('review.person'), name, 'name'),
      row(t('field.documentNumber'), doc ? `${doc.documentNumber} (${doc.issuingState})` : '—', 'document'),
      row(t('field.nationality'), doc?.nationality ?? '—', 'nationality'),
      row(t('field.birthDate'), doc?.birthDate ?? '—', 'birthDate'),
      row(t('field.expiryDate'), doc?.expiryDate ?? '—', 'expiryDate'),
      row(t('review.officer'), registration.officerId, 'officer'),
      row(t('review.registration'), registration.id, 'id'),
    ),
    !doc ? h('p', { class: 'message message-bad' }, t('review.noDocument')) : !doc.valid ? h('p', { class: 'message message-bad', role: 'alert', 'data-blocked': 'invalid' }, t('review.cannot')) : null,
    error ? h('p', { class: 'message message-bad', role: 'alert' }, error) : null,
    h(
      'footer',
      { class: 'action-bar' },
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'back', onClick: props.onBack }, t('common.back')),
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'finalize', disabled: busy || !doc?.valid, onClick: finalize }, t('review.finalize')),
    ),
  );
}

/** Step 4, COMING: receipt printing lands with the printer feature. Shows the printer's live state. */
export function ReceiptComing(props: { registration: Registration; onNext: () => void }) {
  const devices = useStore(live).devices;
  return h(
    'main',
    { class: 'screen coming', 'data-screen': 'receipt' },
    h(Stepper, { current: 'receipt' }),
    h(
      'section',
      { class: 'coming-card' },
      h('p', { class: 'banner banner-ok', 'data-banner': 'saved' }, `✓ ${t('review.saved')}`),
      h('p', { class: 'mono' }, props.registration.id),
      h('h1', null, t('receipt.title')),
      h('p', { class: 'coming-text' }, t('receipt.coming')),
      h('p', null, t('receipt.deviceNow')),
      h(DeviceChip, { kind: 'printer', device: devices.printer }),
    ),
    h('footer', { class: 'action-bar' }, h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'next-migrant', onClick: props.onNext }, t('receipt.next'))),
  );
}
