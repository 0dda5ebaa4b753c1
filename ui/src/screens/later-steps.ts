import { h } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { RegistrationApprovalModal } from '../components/approval-modal.ts';
import { deviceAdvice, paperLow } from '../device-text.ts';
import { live } from '../live.ts';
import { useStore } from '../state/store.ts';
import { Stepper } from '../components/idle-overlay.ts';
import { t } from '../i18n/i18n.ts';
import type { FingerprintStatus, Missing, MrzDocument, Registration, StoredDetails } from '../types.ts';
import { errorText } from './errors.ts';
import { ChipSummaryRow } from './chip-view.ts';

export { ReceiptStep } from './receipt-step.ts';

const missingText = (m: Missing) =>
  m.item === 'fingerprint' ? t(`review.missing.fingerprint-${m.status}`, { finger: t(`finger.${m.finger}`) }) : t(`review.missing.${m.item}`);

/** Step 4: everything on one page, what still blocks, and finalize (the officer's "saved": durable, queued for the centre). */
interface ReviewInfo {
  registrationNumber?: string;
  age: number | null;
  minimumAge?: number;
  warnings: Array<{ code: string; field?: string; message: string; blocking: boolean }>;
  approvalRequired: boolean;
  approval: { supervisorId: string; at: string; warnings: string[] } | null;
  missing: Missing[];
  ready: boolean;
}

export function Review(props: { registration: Registration; supervisor: boolean; onBack: () => void; onEdit: (step: 'document' | 'fingerprints' | 'details') => void; onFinalized: (r: Registration) => void }) {
  const { registration } = props;
  const id = registration.id;
  const doc = registration.document as MrzDocument | null;
  const [details, setDetails] = useState<StoredDetails | null>(null);
  const [prints, setPrints] = useState<FingerprintStatus | null>(null);
  const [missing, setMissing] = useState<Missing[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [review, setReview] = useState<ReviewInfo | null>(null);
  const [approving, setApproving] = useState(false);
  const printer = useStore(live).devices.printer;

  const load = useCallback(async () => {
    const bg = { background: true };
    const [d, f, r] = await Promise.allSettled([
      api<StoredDetails>('GET', `/api/registrations/${id}/details`, undefined, bg),
      api<FingerprintStatus>('GET', `/api/registrations/${id}/fingerprints`, undefined, bg),
      api<ReviewInfo>('GET', `/api/registrations/${id}/review`, undefined, bg),
    ]);
    setDetails(d.status === 'fulfilled' ? d.value : null);
    setPrints(f.status === 'fulfilled' ? f.value : null);
    if (r.status === 'fulfilled') {
      setReview(r.value);
      setMissing(r.value.missing);
      return;
    }
    // An appliance without the review route: what blocks is the completeness answer alone.
    try {
      setMissing((await api<{ missing: Missing[] }>('GET', `/api/registrations/${id}/completeness`, undefined, bg)).missing);
    } catch (err) {
      setError(errorText(err));
    }
  }, [id]);
  useEffect(() => void load(), [load]);

  const finalize = async () => {
    setBusy(true);
    try {
      props.onFinalized(await api<Registration>('POST', `/api/registrations/${id}/finalize`));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'SUPERVISOR_APPROVAL_REQUIRED') setApproving(true);
      else setError(errorText(err));
      void load();
    } finally {
      setBusy(false);
    }
  };
  const row = (label: string, value: string, key: string) => h('div', { class: 'summary-row', key }, h('dt', null, label), h('dd', { 'data-summary': key }, value || '—'));
  const name = doc ? `${doc.surname.replaceAll('<', ' ')}, ${doc.givenNames.replaceAll('<', ' ')}` : '—';
  const fpRows = prints
    ? prints.fingers.map((f) =>
        row(
          t(`finger.${f.finger}`),
          f.status === 'exception'
            ? `E ${t(`exception.reasons.${f.exceptionReason ?? 'other'}`)} · ${f.approvedBy ?? ''}`
            : f.status === 'captured'
              ? `${f.belowThreshold ? '!' : '✓'} ${t('fingerprints.quality', { q: f.quality ?? 0 })}`
              : `– ${t('fingerprints.pending')}`,
          `finger-${f.finger}`,
        ),
      )
    : [row(t('steps.fingerprints'), t('review.noReader'), 'fingerprints')];
  const d = details;
  const needsApproval = review?.approvalRequired === true;
  const blocked = !doc?.valid || missing === null || missing.length > 0 || needsApproval;
  const blocking = (review?.warnings ?? []).filter((w) => w.blocking).map((w) => w.code);
  const printerNote = printer && (printer.state !== 'connected' || paperLow(printer)) ? deviceAdvice('printer', printer) : null;
  const edit = (step: 'document' | 'fingerprints' | 'details') => h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'data-edit': step, onClick: () => props.onEdit(step) }, t('review.edit'));

  return h(
    'main',
    { class: 'screen review', 'data-screen': 'review' },
    h(Stepper, { current: 'review', title: t('review.title') }),
    h(
      'div',
      { class: 'review-grid' },
      h(
        'dl',
        { class: 'summary' },
        h('div', { class: 'summary-head' }, h('h2', null, t('review.document')), edit('document')),
        row(t('review.person'), name, 'name'),
        row(t('field.documentNumber'), doc ? `${doc.documentNumber} (${doc.issuingState})` : '', 'document'),
        row(t('field.nationality'), doc?.nationality ?? '', 'nationality'),
        row(t('field.birthDate'), doc?.birthDate ?? '', 'birthDate'),
        review ? row(t('review.age'), review.age === null ? t('review.ageUnknown') : `${review.age}${review.age < (review.minimumAge ?? 18) ? ` ⚠ ${t('review.underAge', { min: review.minimumAge ?? 18 })}` : ''}`, 'age') : null,
        row(t('field.expiryDate'), doc?.expiryDate ?? '', 'expiryDate'),
        doc ? h(ChipSummaryRow, { registrationId: id, documentKey: doc.lines.join('') }) : null,
        row(t('review.officer'), registration.officerId, 'officer'),
        h('div', { class: 'summary-head' }, h('h2', null, t('steps.fingerprints')), edit('fingerprints')),
        fpRows,
      ),
      h(
        'dl',
        { class: 'summary' },
        h('div', { class: 'summary-head' }, h('h2', null, t('steps.details')), edit('details')),
        row(t('details.home'), d ? `${d.homeDistrictName ?? d.homeDistrict}, ${d.homeProvinceName ?? d.homeProvince}` : '', 'home'),
        row(t('details.occupation'), d ? `${d.occupationIsco} ${d.occupationTitle ?? ''}` : '', 'occupation'),
        row(t('details.employer'), d ? (d.jobOffer ? `${d.jobOffer.employerName} · ${d.jobOffer.position}` : [d.employerName, d.vacancyTitle].filter(Boolean).join(' · ')) : '', 'employer'),
        row(t('details.destination'), d ? t(`destination.${d.destinationProvince}`) : '', 'destination'),
        row(t('details.kin'), d ? `${d.nextOfKin.name} (${t(`details.relationship.${d.nextOfKin.relationship}`)})` : '', 'kin'),
        row(t('details.consent'), d ? (d.consent.given ? `✓ ${t('details.consentGivenShort', { lang: t(`lang.${d.consent.language}`) })}` : `✗ ${t('details.consentMissing')}`) : '', 'consent'),
      ),
    ),
    !doc
      ? h('p', { class: 'message message-bad' }, t('review.noDocument'))
      : !doc.valid
        ? h('p', { class: 'message message-bad', role: 'alert', 'data-blocked': 'invalid' }, t('review.cannot'))
        : missing && missing.length > 0
          ? h('ul', { class: 'message message-bad blockers', 'data-blocked': 'incomplete' }, missing.map((m, i) => h('li', { key: i }, `✗ ${missingText(m)}`)))
          : null,
    review && review.warnings.length > 0
      ? h(
          'ul',
          { class: 'warnings review-warnings', 'data-review-warnings': review.warnings.map((w) => w.code).join(' ') },
          review.warnings.map((w) =>
            h(
              'li',
              { key: w.code + (w.field ?? ''), class: `warning ${w.blocking ? 'warning-stop' : 'warning-caution'}`, 'data-warning': w.code, 'data-blocking': String(w.blocking) },
              h('p', { class: 'warning-text' }, `${w.blocking ? '✗' : '⚠'} `, t(`rule.${w.code}`, { age: review.age ?? '?', min: review.minimumAge ?? 18, defaultValue: t(`warning.${w.code}`, { field: w.field ? t(`field.${w.field}`, { defaultValue: w.field }) : '', defaultValue: t('review.otherWarning', { code: w.code }) }) })),
              w.blocking && !review.approval ? h('p', { class: 'warning-action' }, t('review.needsSupervisor')) : null,
            ),
          ),
        )
      : null,
    review?.approval ? h('p', { class: 'banner banner-ok', 'data-approved-by': review.approval.supervisorId }, `✓ ${t('review.approvedBy', { supervisor: review.approval.supervisorId, time: new Date(review.approval.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }) })}`) : null,
    printerNote ? h('p', { class: 'message message-warn', 'data-printer-note': printer?.state ?? '' }, `${t('review.printerFirst')} ${printerNote}`) : null,
    error ? h('p', { class: 'message message-bad', role: 'alert' }, error) : null,
    h(
      'footer',
      { class: 'action-bar' },
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'back', onClick: props.onBack }, t('common.back')),
      needsApproval ? h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'ask-approval', onClick: () => setApproving(true) }, t('review.askSupervisor')) : null,
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'finalize', 'data-primary': '', disabled: busy || blocked, onClick: finalize }, t('review.finalize')),
    ),
    approving
      ? h(RegistrationApprovalModal, {
          registrationId: id,
          warnings: blocking.length > 0 ? blocking : (review?.warnings ?? []).map((w) => w.code),
          age: review?.age ?? null,
          signedInAsSupervisor: props.supervisor,
          onCancel: () => setApproving(false),
          onDone: () => {
            setApproving(false);
            void load();
          },
        })
      : null,
  );
}
