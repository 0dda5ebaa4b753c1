import { type ComponentChild, h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { Stepper } from '../components/idle-overlay.ts';
import { LANGUAGES, type Language, currentLanguage, t, tIn } from '../i18n/i18n.ts';
import type { Registration, StoredDetails } from '../types.ts';
import { EmployerEditor, HomeEditor, KinEditor, OccupationEditor, OptionsEditor, PhoneEditor, RELATIONSHIPS } from './details-editors.ts';
import { errorText } from './errors.ts';

export const EDUCATION = ['none', 'primary', 'secondary-o-level', 'secondary-a-level', 'vocational', 'tertiary'] as const;
export const DESTINATIONS = ['ZA-LP', 'ZA-MP', 'ZA-GP', 'ZA-NW', 'ZA-KZN', 'ZA-FS', 'ZA-NC', 'ZA-EC', 'ZA-WC'] as const;

type Editor = 'home' | 'occupation' | 'employer' | 'destination' | 'education' | 'phone' | 'kin' | 'language' | 'consent';

interface Form {
  phone: string;
  homeProvince: string;
  homeProvinceName: string;
  homeDistrict: string;
  homeDistrictName: string;
  education: string | null;
  occupationIsco: string;
  occupationTitle: string;
  employerId: string | null;
  employerName: string;
  vacancyId: string | null;
  vacancyTitle: string;
  jobOfferQr: string | null;
  jobOfferText: string;
  destinationProvince: string;
  kinName: string;
  kinRelationship: string | null;
  kinPhone: string;
  language: Language;
  consentLanguage: Language;
  consentGiven: boolean;
  consentReadAt: string | null;
}

const blank = (): Form => ({
  phone: '', homeProvince: '', homeProvinceName: '', homeDistrict: '', homeDistrictName: '', education: null, occupationIsco: '', occupationTitle: '',
  employerId: null, employerName: '', vacancyId: null, vacancyTitle: '', jobOfferQr: null, jobOfferText: '', destinationProvince: 'ZA-LP',
  kinName: '', kinRelationship: null, kinPhone: '', language: currentLanguage(), consentLanguage: currentLanguage(), consentGiven: false, consentReadAt: null,
});

const fromStored = (d: StoredDetails): Form => ({
  phone: d.phone ?? '', homeProvince: d.homeProvince, homeProvinceName: d.homeProvinceName ?? d.homeProvince, homeDistrict: d.homeDistrict, homeDistrictName: d.homeDistrictName ?? d.homeDistrict,
  education: d.education, occupationIsco: d.occupationIsco, occupationTitle: d.occupationTitle ?? '', employerId: d.employerId, employerName: d.employerName ?? d.employerId ?? '',
  vacancyId: d.vacancyId, vacancyTitle: d.vacancyTitle ?? '', jobOfferQr: d.jobOffer?.text ?? null, jobOfferText: d.jobOffer ? `${d.jobOffer.employerName} · ${d.jobOffer.position}` : '',
  destinationProvince: d.destinationProvince, kinName: d.nextOfKin.name, kinRelationship: d.nextOfKin.relationship, kinPhone: d.nextOfKin.phone ?? '',
  language: d.language, consentLanguage: d.consent.language, consentGiven: d.consent.given, consentReadAt: d.consent.readAt,
});

/** Server field (400 `field`) → the editor that shows it. */
const EDITOR_OF: Record<string, Editor> = {
  phone: 'phone', homeProvince: 'home', homeDistrict: 'home', education: 'education', occupationIsco: 'occupation', employerId: 'employer', vacancyId: 'employer',
  jobOfferQr: 'employer', destinationProvince: 'destination', 'nextOfKin.name': 'kin', 'nextOfKin.relationship': 'kin', 'nextOfKin.phone': 'kin', nextOfKin: 'kin',
  language: 'language', consent: 'consent', 'consent.readAt': 'consent', 'consent.language': 'consent', 'consent.given': 'consent',
};

/**
 * Step 3: the migrant's details, touch first: each row opens its picker or keyboard on the right. The consent text
 * is shown large in the migrant's language for the officer to read aloud; "consent given" records the language
 * and the time. Saved to the server on Continue (400 names the field to fix).
 */
export function DetailsStep(props: { registration: Registration; onBack: () => void; onSaved: (d: StoredDetails) => void }) {
  const id = props.registration.id;
  const [form, setForm] = useState<Form>(blank);
  const [editor, setEditor] = useState<Editor>('home');
  const [bad, setBad] = useState<{ editor: Editor; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [scanning, setScanning] = useState(false);
  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));

  useEffect(() => {
    api<StoredDetails>('GET', `/api/registrations/${id}/details`, undefined, { background: true }).then(
      (d) => setForm(fromStored(d)),
      () => {},
    );
  }, [id]);

  const scanOffer = async (file: File) => {
    setScanning(true);
    setBad(null);
    try {
      const res = await fetch('/api/barcodes/decode', { method: 'POST', headers: { 'content-type': file.type || 'image/png' }, body: file, credentials: 'same-origin' });
      const body = (await res.json()) as { kind?: string; text?: string; jobOffer?: { offer?: { employerName?: string; position?: string } }; message?: string };
      if (!res.ok) throw new ApiError(res.status, 'BARCODE', body.message ?? res.statusText);
      if (body.kind !== 'job-offer' || !body.text) throw new ApiError(422, 'BARCODE', t('details.notAnOffer'));
      const offer = body.jobOffer?.offer;
      set({ jobOfferQr: body.text, jobOfferText: offer ? `${offer.employerName ?? ''} · ${offer.position ?? ''}` : body.text });
    } catch (err) {
      setBad({ editor: 'employer', message: err instanceof ApiError ? err.message : errorText(err) });
    } finally {
      setScanning(false);
    }
  };

  const save = async () => {
    setBusy(true);
    setBad(null);
    try {
      const body = {
        phone: form.phone || null,
        homeProvince: form.homeProvince,
        homeDistrict: form.homeDistrict,
        education: form.education ?? '',
        occupationIsco: form.occupationIsco,
        employerId: form.employerId,
        vacancyId: form.vacancyId,
        jobOfferQr: form.jobOfferQr,
        destinationProvince: form.destinationProvince,
        nextOfKin: { name: form.kinName, relationship: form.kinRelationship ?? '', phone: form.kinPhone || null },
        language: form.language,
        consent: { given: form.consentGiven, language: form.consentLanguage, readAt: form.consentReadAt ?? new Date().toISOString() },
      };
      props.onSaved(await api<StoredDetails>('PUT', `/api/registrations/${id}/details`, body));
    } catch (err) {
      const field = err instanceof ApiError && typeof err.body.field === 'string' ? err.body.field : '';
      const target = EDITOR_OF[field] ?? EDITOR_OF[field.split('.')[0] ?? ''];
      if (target) setEditor(target);
      setBad({ editor: target ?? editor, message: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const missing = !form.homeDistrict || !form.education || !form.occupationIsco || !form.kinName || !form.kinRelationship;
  const rows: Array<[Editor, string, string]> = [
    ['home', t('details.home'), form.homeDistrict ? `${form.homeDistrictName}, ${form.homeProvinceName}` : ''],
    ['occupation', t('details.occupation'), form.occupationIsco ? `${form.occupationIsco} ${form.occupationTitle}` : ''],
    ['employer', t('details.employer'), form.jobOfferQr ? `▣ ${form.jobOfferText}` : form.employerId ? `${form.employerName}${form.vacancyTitle ? ` · ${form.vacancyTitle}` : ''}` : t('details.noEmployer')],
    ['destination', t('details.destination'), t(`destination.${form.destinationProvince}`)],
    ['education', t('details.education'), form.education ? t(`details.educationLevel.${form.education}`) : ''],
    ['phone', t('details.phone'), form.phone || t('details.none')],
    ['kin', t('details.kin'), form.kinName ? `${form.kinName}${form.kinRelationship ? ` (${t(`details.relationship.${form.kinRelationship}`)})` : ''}` : ''],
    ['language', t('details.language'), t(`lang.${form.language}`)],
    ['consent', t('details.consent'), form.consentGiven ? `✓ ${t('details.consentGivenShort', { lang: t(`lang.${form.consentLanguage}`) })}` : `✗ ${t('details.consentMissing')}`],
  ];

  let panel: ComponentChild;
  switch (editor) {
    case 'home':
      panel = h(HomeEditor, { province: form.homeProvince, district: form.homeDistrict, onChange: (p, d) => set({ homeProvince: p.code, homeProvinceName: p.name, homeDistrict: d?.code ?? '', homeDistrictName: d?.name ?? '' }) });
      break;
    case 'occupation':
      panel = h(OccupationEditor, { value: form.occupationIsco, onChange: (o) => set({ occupationIsco: o.iscoCode, occupationTitle: o.title }) });
      break;
    case 'employer':
      panel = h(EmployerEditor, {
        employerId: form.employerId,
        vacancyId: form.vacancyId,
        scanning,
        onScan: (f) => void scanOffer(f),
        onChoose: (e, v) =>
          set({
            employerId: e?.employerId ?? null,
            employerName: e?.name ?? '',
            vacancyId: v?.vacancyId ?? null,
            vacancyTitle: v?.title ?? '',
            jobOfferQr: null,
            jobOfferText: '',
            ...(v ? { destinationProvince: v.destinationProvince } : {}),
            // The vacancy names the job: the officer can still change it.
            ...(v && !form.occupationIsco ? { occupationIsco: v.occupationIsco, occupationTitle: v.occupationTitle ?? '' } : {}),
          }),
      });
      break;
    case 'destination':
      panel = h(OptionsEditor, { options: DESTINATIONS, value: form.destinationProvince, name: 'destination', label: (o) => t(`destination.${o}`), onChange: (o) => set({ destinationProvince: o }) });
      break;
    case 'education':
      panel = h(OptionsEditor, { options: EDUCATION, value: form.education, name: 'education', label: (o) => t(`details.educationLevel.${o}`), onChange: (o) => set({ education: o }) });
      break;
    case 'phone':
      panel = h(PhoneEditor, { value: form.phone, onChange: (v) => set({ phone: v }) });
      break;
    case 'kin':
      panel = h(KinEditor, {
        name: form.kinName,
        relationship: form.kinRelationship,
        phone: form.kinPhone,
        onChange: (v) => set({ ...(v.name !== undefined ? { kinName: v.name } : {}), ...(v.relationship !== undefined ? { kinRelationship: v.relationship } : {}), ...(v.phone !== undefined ? { kinPhone: v.phone } : {}) }),
      });
      break;
    case 'language':
      panel = h(OptionsEditor, { options: LANGUAGES, value: form.language, name: 'migrant-language', label: (o) => t(`lang.${o}`), onChange: (o) => set({ language: o as Language, ...(form.consentGiven ? {} : { consentLanguage: o as Language }) }) });
      break;
    case 'consent':
      panel = h(
        'div',
        { class: 'editor-consent' },
        h(OptionsEditor, { options: LANGUAGES, value: form.consentLanguage, name: 'consent-language', label: (o) => t(`lang.${o}`), onChange: (o) => set({ consentLanguage: o as Language, consentGiven: false, consentReadAt: null }) }),
        h('p', { class: 'hint' }, t('details.readAloud')),
        h('blockquote', { class: 'consent-text', lang: form.consentLanguage, 'data-consent-text': form.consentLanguage }, tIn(form.consentLanguage, 'consent.text')),
        h(
          'button',
          { type: 'button', class: `btn btn-big consent-toggle ${form.consentGiven ? 'btn-primary' : 'btn-secondary'}`, 'aria-pressed': form.consentGiven, 'data-action': 'consent-given', onClick: () => set({ consentGiven: !form.consentGiven, consentReadAt: new Date().toISOString() }) },
          form.consentGiven ? `✓ ${t('details.consentGiven')}` : t('details.markConsent'),
        ),
      );
      break;
  }

  return h(
    'main',
    { class: 'screen details-step', 'data-screen': 'details' },
    h(Stepper, { current: 'details' }),
    h(
      'div',
      { class: 'details-layout' },
      h(
        'nav',
        { class: 'details-fields' },
        rows.map(([key, label, value]) =>
          h(
            'button',
            { type: 'button', key, class: `detail-row${editor === key ? ' focused' : ''}${bad?.editor === key ? ' invalid' : ''}${value ? '' : ' empty'}`, 'data-editor': key, onClick: () => setEditor(key) },
            h('span', { class: 'field-label' }, label),
            h('span', { class: 'detail-value' }, value || t('details.tapToFill')),
          ),
        ),
      ),
      h('section', { class: 'details-editor', 'data-open-editor': editor }, bad ? h('p', { class: 'message message-bad', role: 'alert' }, bad.message) : null, panel),
    ),
    h(
      'footer',
      { class: 'action-bar' },
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'back', onClick: props.onBack }, t('common.back')),
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'save-details', disabled: busy || missing, onClick: save }, t('common.continue')),
    ),
  );
}

export { RELATIONSHIPS };
