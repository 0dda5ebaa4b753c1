import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Stepper } from '../components/idle-overlay.ts';
import { type Language, t } from '../i18n/i18n.ts';
import { onLive } from '../live.ts';
import type { PrintJob, PrintJobEvent, Registration, StoredDetails } from '../types.ts';
import { errorText, registrationNumberOf } from './errors.ts';

/**
 * Step 5: saved, and the receipt printing in the migrant's language. The job's state follows print:job live
 * (printing, paper out with the printer's reason, done); a failed job is printed again with "Reprint" once the
 * paper is in. The A4 slip for the office file opens as a PDF.
 */
export function ReceiptStep(props: { registration: Registration; onNext: () => void }) {
  const id = props.registration.id;
  const [job, setJob] = useState<PrintJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const asked = useRef(false);

  useEffect(() => {
    const off = onLive<PrintJobEvent>('print:job', (e) => {
      if (e.job.registrationId === id && !e.job.copy) setJob(e.job);
    });
    if (!asked.current) {
      asked.current = true;
      void (async () => {
        try {
          const details = await api<StoredDetails>('GET', `/api/registrations/${id}/details`, undefined, { background: true }).catch(() => null);
          const language: Language = details?.language ?? 'en';
          // Idempotent at the server: after a reload this returns the existing job rather than printing twice.
          const first = await api<PrintJob>('POST', `/api/registrations/${id}/receipt`, { language });
          setJob((j) => (j && j.id === first.id && j.updatedAt > first.updatedAt ? j : first));
        } catch (err) {
          setError(errorText(err));
        }
      })();
    }
    return off;
  }, [id]);

  const reprint = async () => {
    if (!job) return;
    setBusy(true);
    try {
      // A failed job prints again; a printed one that tore or jammed gets a copy marked COPY.
      setJob(job.status === 'failed' ? await api<PrintJob>('POST', `/api/print-jobs/${job.id}/reprint`) : await api<PrintJob>('POST', `/api/registrations/${id}/receipt`, { copy: true }));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const status = job?.status ?? 'queued';
  const statusText =
    status === 'failed'
      ? `✗ ${t('receipt.failed', { reason: job?.lastError ? t(`printError.${job.lastError.code}`, { defaultValue: t('printError.other') }) : t('printError.other') })}`
      : status === 'done'
        ? `✓ ${t(job?.copy ? 'receipt.copyDone' : 'receipt.done')}`
        : status === 'printing'
          ? t('receipt.printing')
          : t('receipt.queued');
  const number = registrationNumberOf(props.registration);

  return h(
    'main',
    { class: 'screen receipt-step', 'data-screen': 'receipt', 'data-registration-id': id },
    h(Stepper, { current: 'receipt', title: t('receipt.title') }),
    h(
      'section',
      { class: 'coming-card' },
      h('p', { class: 'banner banner-ok', 'data-banner': 'saved' }, `✓ ${t('review.saved')}`),
      number ? h('p', { class: 'reg-number' }, `${t('receipt.number')}: `, h('strong', { class: 'mono', 'data-registration-number': number }, number)) : null,
      h('p', { class: `banner receipt-status ${status === 'failed' ? 'banner-bad' : status === 'done' ? 'banner-ok' : 'banner-info'}`, 'data-print-status': status, 'aria-live': 'polite' }, statusText),
      status === 'failed' ? h('p', { class: 'hint' }, t('receipt.fixThenReprint')) : null,
      status === 'printing' || status === 'done' ? h('p', { class: 'hint', 'data-hint': 'torn' }, t('receipt.tornAdvice')) : null,
      error ? h('p', { class: 'message message-bad', role: 'alert' }, error) : null,
      h(
        'div',
        { class: 'receipt-actions' },
        status === 'failed' || status === 'done'
          ? h('button', { type: 'button', class: `btn ${status === 'failed' ? 'btn-primary' : 'btn-secondary'}`, 'data-action': status === 'failed' ? 'reprint' : 'print-copy', disabled: busy, onClick: reprint }, t(status === 'failed' ? 'receipt.reprint' : 'receipt.printCopy'))
          : null,
        h('a', { class: 'btn btn-secondary link-button', href: `/api/registrations/${id}/slip.pdf`, target: '_blank', rel: 'noopener', 'data-action': 'slip' }, t('receipt.slip')),
      ),
    ),
    h('footer', { class: 'action-bar' }, h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'next-migrant', 'data-primary': '', onClick: props.onNext }, t('receipt.next'))),
  );
}
