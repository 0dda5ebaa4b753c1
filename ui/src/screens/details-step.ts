import { type ComponentChild, h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { Stepper } from '../components/idle-overlay.ts';
import { LANGUAGES, type Language, currentLanguage, t, tIn } from '../i18n/i18n.ts';
import { type Editor, EDITORS, type Form, blankForm, changedFields, detailsBody, formFrom, missingEditors, nextEditor } from '../state/details-form.ts';
import type { Registration, StoredDetails } from '../types.ts';
import { EmployerEditor, HomeEditor, KinEditor, OccupationEditor, OptionsEditor, PhoneEditor, RELATIONSHIPS, resolveNames } from './details-editors.ts';
import { errorText } from './errors.ts';
import { NetworkReturningBanner, type NetworkReturningInfo, ReturningBanner, type ReturningInfo } from './returning.ts';

export const EDUCATION = ['none', 'primary', 'secondary-o-level', 'secondary-a-level', 'vocational', 'tertiary'] as const;
export const DESTINATIONS = ['ZA-LP', 'ZA-MP', 'ZA-GP', 'ZA-NW', 'ZA-KZN', 'ZA-FS', 'ZA-NC', 'ZA-EC', 'ZA-WC'] as const;
/** Countries of birth offered (appliance details-rules.ts BIRTH_COUNTRIES), then "not known". */
export const BIRTH_COUNTRIES = ['ZWE', 'MOZ', 'MWI', 'ZMB', 'ZAF', 'BWA', 'COD', 'AGO', 'TZA', 'NAM', 'LSO', 'SWZ', 'unknown'] as const;

/** Server field (400 `field`) → the editor that shows it. */
const EDITOR_OF: Record<string, Editor> = {
  phone: 'phone', homeProvince: 'home', homeDistrict: 'home', education: 'education', occupationIsco: 'occupation', employerId: 'employer', vacancyId: 'employer',
  jobOfferQr: 'employer', destinationProvince: 'destination', countryOfBirth: 'birth', 'nextOfKin.name': 'kin', 'nextOfKin.relationship': 'kin', 'nextOfKin.phone': 'kin', nextOfKin: 'kin',
  language: 'consent', consent: 'consent', 'consent.readAt': 'consent', 'consent.language': 'consent', 'consent.given': 'consent',
};
/** Autosave fields (prefilledFields) → the row they belong to. */
const ROW_OF_FIELD: Record<string, Editor> = { ...EDITOR_OF, homeProvince: 'home', language: 'consent' };

interface DraftAnswer {
  fields: Record<string, unknown>;
  progress: { step: string; field: string | null } | null;
  prefilledFields?: string[];
}

type SaveState = 'idle' | 'saving' | 'saved' | 'failed' | 'off';

/**
 * Step 3: the migrant's details, touch first and keyboard friendly. The rows on the left show every field; the
 * editor on the right is the field being filled, and after each choice focus moves on to the next empty field (no
 * tap to open a row). Every change is saved at once (PATCH details-draft), so a reload, a crash or an idle logout
 * comes back to the same field. Continue names what is still missing and goes there. A returning migrant's
 * details come prefilled from the latest registration, marked, for the officer to confirm or change.
 */
export function DetailsStep(props: { registration: Registration; initialField?: string | null; onBack: () => void; onSaved: (d: StoredDetails) => void }) {
  const id = props.registration.id;
  const migrantLanguage = (props.registration as { migrantLanguage?: Language | null }).migrantLanguage ?? null;
  const [form, setForm] = useState<Form>(() => blankForm(migrantLanguage ?? currentLanguage()));
  const [editor, setEditor] = useState<Editor>(() => (EDITORS.includes(props.initialField as Editor) ? (props.initialField as Editor) : 'home'));
  const [visited, setVisited] = useState<Set<Editor>>(() => new Set());
  const [prefilled, setPrefilled] = useState<Set<Editor>>(() => new Set());
  const [returning, setReturning] = useState<ReturningInfo | null>(null);
  const [network, setNetwork] = useState<NetworkReturningInfo | null>(null);
  const [bad, setBad] = useState<{ editor: Editor; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [scanning, setScanning] = useState(false);
  const [save, setSave] = useState<SaveState>('idle');
  const loaded = useRef(false);
  const formRef = useRef(form);
  formRef.current = form;

  // Autosave: changed fields are merged and sent after a short pause (typing), choices at once.
  const pending = useRef<{ fields: Record<string, unknown>; field: Editor } | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const autosave = useRef(true);
  const early = useRef<Partial<Form> | null>(null);
  /** The PATCH on the wire: one at a time, so an older change can never land after a newer one. */
  const inFlight = useRef<Promise<void> | null>(null);
  const flush = useCallback(async (unloading = false): Promise<void> => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    // A page going away cannot wait: what is pending goes now (keepalive), whatever is in flight.
    while (inFlight.current && !unloading) await inFlight.current;
    const p = pending.current;
    pending.current = null;
    if (!p || !autosave.current) return;
    setSave('saving');
    const sending = (async () => {
      try {
        await api('PATCH', `/api/registrations/${id}/details-draft`, { fields: p.fields, step: 'details', field: p.field }, { background: true, keepalive: unloading });
        setSave(pending.current ? 'saving' : 'saved');
      } catch (err) {
        // An appliance without the draft route: the details are saved on Continue, as before.
        if (err instanceof ApiError && err.status === 404 && err.code !== 'NOT_FOUND') {
          autosave.current = false;
          setSave('off');
        } else {
          // Not saved: sent again with the next change (newer values of the same fields win).
          pending.current = { fields: { ...p.fields, ...pending.current?.fields }, field: pending.current?.field ?? p.field };
          setSave('failed');
        }
      }
    })();
    inFlight.current = sending;
    await sending;
    if (inFlight.current === sending) inFlight.current = null;
  }, [id]);
  useEffect(() => {
    // A reload or a closed tab while typing: what was typed still goes (keepalive outlives the page).
    const onHide = () => void flush(true);
    window.addEventListener('pagehide', onHide);
    return () => {
      window.removeEventListener('pagehide', onHide);
      void flush();
    };
  }, [flush]);

  const update = (patch: Partial<Form>, opts: { typing?: boolean } = {}) => {
    const before = formRef.current;
    const after = { ...before, ...patch };
    formRef.current = after;
    setForm(after);
    if (!loaded.current) {
      // Typed before the saved draft arrived: kept, laid over the draft when it loads, and saved then.
      early.current = { ...early.current, ...patch };
      return;
    }
    const fields = changedFields(before, after);
    if (Object.keys(fields).length === 0) return;
    pending.current = { fields: { ...pending.current?.fields, ...fields }, field: editor };
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void flush(), opts.typing ? 400 : 0);
  };

  const open = (e: Editor) => {
    setVisited((v) => new Set(v).add(editor));
    setEditor(e);
    void api('PUT', `/api/registrations/${id}/progress`, { step: 'details', field: e }, { background: true }).catch(() => {});
  };
  /** Focus to the next empty field; none left: to Continue, so Enter finishes. */
  const advance = (from: Editor = editor, f: Form = formRef.current) => {
    const next = nextEditor(f, from, new Set(visited).add(from));
    if (next) open(next);
    else {
      setVisited((v) => new Set(v).add(from));
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-action="save-details"]')?.focus());
    }
  };

  useEffect(() => {
    let live = true;
    void (async () => {
      let start = blankForm(migrantLanguage ?? currentLanguage());
      let field: string | null | undefined = props.initialField;
      // A returning migrant registered at another office: the central's answer (or the network index) after the scan.
      const lookup = api<NetworkReturningInfo>('GET', `/api/registrations/${id}/network-lookup`, undefined, { background: true }).catch(() => null);
      let blankDraft = false;
      try {
        const draft = await api<DraftAnswer>('GET', `/api/registrations/${id}/details-draft`, undefined, { background: true });
        blankDraft = Object.keys(draft.fields).length === 0;
        start = formFrom(start, draft.fields);
        field ??= draft.progress?.step === 'details' ? draft.progress.field : null;
        setPrefilled(new Set((draft.prefilledFields ?? []).map((f) => ROW_OF_FIELD[f] ?? ROW_OF_FIELD[f.split('.')[0] ?? '']).filter((e): e is Editor => !!e)));
      } catch {
        const saved = await api<StoredDetails>('GET', `/api/registrations/${id}/details`, undefined, { background: true }).catch(() => null);
        if (saved) start = formFrom(start, saved as unknown as Record<string, unknown>);
      }
      start = await resolveNames(start);
      if (!live) return;
      formRef.current = start;
      setForm(start);
      loaded.current = true;
      // What was typed before the draft arrived goes over it and is saved as any change is (no prefill then).
      const typed = early.current;
      early.current = null;
      if (typed) {
        blankDraft = false;
        update(typed);
      }
      const resumeAt = EDITORS.includes(field as Editor) ? (field as Editor) : (EDITORS.find((e) => missingEditors(start).includes(e)) ?? 'home');
      setEditor(resumeAt);
      const found = await lookup;
      if (!live || !found) return;
      if (found.returning) setNetwork(found);
      // Nothing typed or prefilled here yet: the latest registration at any office prefills, marked, autosaved.
      if (blankDraft && found.prefill && formRef.current === start) {
        const next = await resolveNames(formFrom(start, found.prefill));
        if (!live || formRef.current !== start) return;
        setPrefilled(new Set(Object.keys(found.prefill).map((f) => ROW_OF_FIELD[f]).filter((e): e is Editor => !!e)));
        update(next);
        setEditor(EDITORS.find((e) => missingEditors(next).includes(e)) ?? resumeAt);
      }
    })();
    api<ReturningInfo>('GET', `/api/registrations/${id}/returning`, undefined, { background: true }).then(
      (r) => live && r.returning && setReturning(r),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [id]);

  const scanOffer = async (file: File) => {
    setScanning(true);
    setBad(null);
    try {
      const res = await fetch('/api/barcodes/decode', { method: 'POST', headers: { 'content-type': file.type || 'image/png' }, body: file, credentials: 'same-origin' });
      const body = (await res.json()) as { kind?: string; text?: string; code?: string; jobOffer?: { offer?: { employerName?: string; position?: string } }; message?: string };
      if (!res.ok) throw new ApiError(res.status, body.code ?? 'BARCODE', body.message ?? res.statusText);
      if (body.kind !== 'job-offer' || !body.text) throw new ApiError(422, 'BARCODE', t('details.notAnOffer'));
      const offer = body.jobOffer?.offer;
      update({ jobOfferQr: body.text, jobOfferText: offer ? `${offer.employerName ?? ''} · ${offer.position ?? ''}` : body.text });
      advance('employer');
    } catch (err) {
      setBad({ editor: 'employer', message: err instanceof ApiError && err.code === 'BARCODE' ? err.message : errorText(err) });
    } finally {
      setScanning(false);
    }
  };

  const missing = missingEditors(form);
  const submit = async () => {
    if (missing.length > 0) {
      // Continue says what is missing and goes there.
      const first = missing[0] as Editor;
      open(first);
      setBad({ editor: first, message: t('details.stillNeeded', { fields: missing.map((e) => t(`details.row.${e}`)).join(', ') }) });
      return;
    }
    setBusy(true);
    setBad(null);
    await flush();
    try {
      props.onSaved(await api<StoredDetails>('PUT', `/api/registrations/${id}/details`, detailsBody(form)));
    } catch (err) {
      const field = err instanceof ApiError && typeof err.body.field === 'string' ? err.body.field : '';
      const target = EDITOR_OF[field] ?? EDITOR_OF[field.split('.')[0] ?? ''];
      if (target) setEditor(target);
      setBad({ editor: target ?? editor, message: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const employerText = form.jobOfferQr ? `▣ ${form.jobOfferText}` : form.employerId ? `${form.employerName}${form.vacancyTitle ? ` · ${form.vacancyTitle}` : ''}` : visited.has('employer') || prefilled.has('employer') ? t('details.noEmployer') : '';
  const rows: Array<[Editor, string]> = [
    ['home', form.homeDistrict ? `${form.homeDistrictName}, ${form.homeProvinceName}` : ''],
    ['employer', employerText],
    ['occupation', form.occupationIsco ? `${form.occupationIsco} ${form.occupationTitle}` : ''],
    ['destination', t(`destination.${form.destinationProvince}`)],
    ['education', form.education ? t(`details.educationLevel.${form.education}`) : ''],
    ['birth', form.countryOfBirth ? t(`country.${form.countryOfBirth}`) : visited.has('birth') ? t('details.birthUnknown') : ''],
    ['phone', form.phone || (visited.has('phone') ? t('details.none') : '')],
    ['kin', form.kinName ? `${form.kinName}${form.kinRelationship ? ` (${t(`details.relationship.${form.kinRelationship}`)})` : ''}${form.kinPhone ? ` · ${form.kinPhone}` : ''}` : ''],
    ['consent', form.consentGiven ? `✓ ${t('details.consentGivenShort', { lang: t(`lang.${form.language}`) })}` : `✗ ${t('details.consentMissing')} · ${t(`lang.${form.language}`)}`],
  ];
  const optional = new Set<Editor>(['employer', 'destination', 'birth', 'phone']);

  /** An editor that is one choice among options: the choice is saved and focus moves on to the next field. */
  const choice = (name: Editor, options: readonly string[], value: string | null, label: (o: string) => string, patch: (o: string) => Partial<Form>) =>
    h(OptionsEditor, {
      options,
      value,
      name,
      label,
      onChange: (o) => {
        update(patch(o));
        advance(name);
      },
    });

  let panel: ComponentChild;
  switch (editor) {
    case 'home':
      panel = h(HomeEditor, {
        province: form.homeProvince,
        district: form.homeDistrict,
        onChange: (p, d) => {
          update({ homeProvince: p.code, homeProvinceName: p.name, homeDistrict: d?.code ?? '', homeDistrictName: d?.name ?? '' });
          if (d) advance('home');
        },
      });
      break;
    case 'occupation':
      panel = h(OccupationEditor, {
        value: form.occupationIsco,
        onChange: (o) => {
          update({ occupationIsco: o.iscoCode, occupationTitle: o.title });
          advance('occupation');
        },
      });
      break;
    case 'employer':
      panel = h(EmployerEditor, {
        employerId: form.employerId,
        vacancyId: form.vacancyId,
        scanning,
        onScan: (f) => void scanOffer(f),
        onChoose: (e, v) => {
          update({
            employerId: e?.employerId ?? null,
            employerName: e?.name ?? '',
            vacancyId: v?.vacancyId ?? null,
            vacancyTitle: v?.title ?? '',
            jobOfferQr: null,
            jobOfferText: '',
            ...(v ? { destinationProvince: v.destinationProvince } : {}),
            // The vacancy names the job: the officer can still change it.
            ...(v && !formRef.current.occupationIsco ? { occupationIsco: v.occupationIsco, occupationTitle: v.occupationTitle ?? '' } : {}),
          });
          advance('employer');
        },
      });
      break;
    case 'destination':
      panel = choice('destination', DESTINATIONS, form.destinationProvince, (o) => t(`destination.${o}`), (o) => ({ destinationProvince: o }));
      break;
    case 'education':
      panel = choice('education', EDUCATION, form.education, (o) => t(`details.educationLevel.${o}`), (o) => ({ education: o }));
      break;
    case 'birth':
      panel = choice(
        'birth',
        BIRTH_COUNTRIES,
        form.countryOfBirth ?? (visited.has('birth') ? 'unknown' : null),
        (o) => (o === 'unknown' ? t('details.birthUnknown') : t(`country.${o}`)),
        (o) => ({ countryOfBirth: o === 'unknown' ? null : o }),
      );
      break;
    case 'phone':
      panel = h(PhoneEditor, { value: form.phone, onChange: (v) => update({ phone: v }, { typing: true }), onDone: () => advance('phone') });
      break;
    case 'kin':
      panel = h(KinEditor, {
        name: form.kinName,
        relationship: form.kinRelationship,
        phone: form.kinPhone,
        onChange: (v) => update({ ...(v.name !== undefined ? { kinName: v.name } : {}), ...(v.relationship !== undefined ? { kinRelationship: v.relationship } : {}), ...(v.phone !== undefined ? { kinPhone: v.phone } : {}) }, { typing: v.relationship === undefined }),
        onDone: () => advance('kin'),
      });
      break;
    case 'consent':
      panel = h(
        'div',
        { class: 'editor-consent' },
        h('div', { class: 'consent-lang' }, h('span', { class: 'field-label' }, t('details.language')), h(OptionsEditor, {
          options: LANGUAGES,
          value: form.language,
          name: 'migrant-language',
          label: (o) => t(`lang.${o}`),
          // One language for the migrant: a consent given in another language no longer holds.
          onChange: (o) => update({ language: o as Language, ...(o === form.language ? {} : { consentGiven: false, consentReadAt: null }) }),
        })),
        h(
          'button',
          {
            type: 'button',
            class: `btn btn-big consent-toggle ${form.consentGiven ? 'btn-primary' : 'btn-secondary'}`,
            'aria-pressed': form.consentGiven,
            'data-action': 'consent-given',
            onClick: () => {
              const given = !form.consentGiven;
              update({ consentGiven: given, consentReadAt: new Date().toISOString() });
              if (given) advance('consent', { ...formRef.current });
            },
          },
          form.consentGiven ? `✓ ${t('details.consentGiven')}` : t('details.markConsent'),
        ),
        h('p', { class: 'hint' }, t('details.readAloud')),
        h('blockquote', { class: 'consent-text', lang: form.language, 'data-consent-text': form.language }, tIn(form.language, 'consent.text')),
      );
      break;
  }

  return h(
    'main',
    { class: 'screen details-step', 'data-screen': 'details' },
    h(Stepper, { current: 'details', title: t('details.title') }),
    network && network.source !== 'local'
      ? h(NetworkReturningBanner, {
          info: network,
          compact: true,
          verify: (againstRegistrationId: string) => api<{ decision: 'match' | 'no-match' }>('POST', `/api/registrations/${id}/fingerprints/verify-remote`, { againstRegistrationId }),
        })
      : returning
        ? h(ReturningBanner, { info: returning, compact: true })
        : null,
    h(
      'div',
      { class: 'details-layout' },
      h(
        'nav',
        { class: 'details-fields', 'aria-label': t('details.title') },
        rows.map(([key, value]) =>
          h(
            'button',
            {
              type: 'button',
              key,
              class: `detail-row${editor === key ? ' focused' : ''}${bad?.editor === key ? ' invalid' : ''}${value ? '' : ' empty'}`,
              'data-editor': key,
              'data-prefilled': prefilled.has(key) ? 'true' : undefined,
              'aria-current': editor === key ? 'true' : undefined,
              onClick: () => open(key),
            },
            h('span', { class: 'field-label' }, t(`details.row.${key}`), prefilled.has(key) ? h('span', { class: 'prefill-mark', title: t('details.prefilled'), 'aria-label': t('details.prefilled') }, ' ↺') : null),
            h('span', { class: 'detail-value' }, value || (optional.has(key) ? t('details.optional') : t('details.needed'))),
          ),
        ),
      ),
      h('section', { class: 'details-editor', 'data-open-editor': editor, 'aria-label': t(`details.row.${editor}`) }, bad && bad.editor === editor ? h('p', { class: 'message message-bad', role: 'alert' }, bad.message) : null, panel),
    ),
    h(
      'footer',
      { class: 'action-bar' },
      h('span', { class: `autosave autosave-${save}`, 'data-autosave': save, 'aria-live': 'polite' }, save === 'saved' ? `✓ ${t('details.autosaved')}` : save === 'saving' ? t('details.autosaving') : save === 'failed' ? `✗ ${t('details.autosaveFailed')}` : ''),
      h('span', { class: 'missing-note', 'data-missing': missing.join(' ') }, missing.length > 0 ? t('details.stillNeeded', { fields: missing.map((e) => t(`details.row.${e}`)).join(', ') }) : prefilled.size > 0 ? t('details.confirmPrefill') : ''),
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'back', onClick: props.onBack }, t('common.back')),
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'save-details', 'data-primary': '', disabled: busy, onClick: () => void submit() }, t('common.continue')),
    ),
  );
}

export { RELATIONSHIPS };
