import { h } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { CostView } from '@lmc/appliance/recruitment/recruitment-service.ts';
import { api } from '../api.ts';
import { Keyboard } from '../components/keyboard.ts';
import { t } from '../i18n/i18n.ts';
import type { Registration } from '../types.ts';
import { errorText, registrationNumberOf } from './errors.ts';
import { rands } from './vacancy-match.ts';

interface Vocabulary {
  currencies: string[];
  paidTo: string[];
  purposes: string[];
}

/** Digits and the decimal point of an amount (two decimals at most). */
const AMOUNT_ROWS = [
  ['1', '2', '3'],
  ['4', '5', '6'],
  ['7', '8', '9'],
  ['.', '0', 'DELETE'],
];
/** Payments that are a protection concern (protocol/src/recruitment.ts isProtectionConcern): shown before saving too. */
const CONCERN = new Set(['recruiter', 'agent']);

/** "12.5" → 1250 cents; null unless a positive amount with at most two decimals. */
export function centsOf(text: string): number | null {
  if (!/^\d{1,9}(\.\d{0,2})?$/.test(text)) return null;
  const [whole, frac = ''] = text.split('.');
  const cents = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return cents > 0 ? cents : null;
}

/** YYYY-MM-DD of the counter's day (the browser runs on the appliance). */
const today = () => new Date().toLocaleDateString('en-CA');
/** The day `n` days before `iso`. */
const daysBefore = (iso: string, n: number) => new Date(Date.parse(`${iso}T12:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

/**
 * What the migrant paid to get a job or to travel (issue #17 item 4): to whom, for what, how much in the
 * currency paid, and when — at registration or any later visit. A payment to a recruiter or an agent shows the
 * protection notice to the officer (and the central follows the flag up).
 */
export function RecruitmentCosts(props: { registration: Registration; onDone: () => void }) {
  const id = props.registration.id;
  const [vocabulary, setVocabulary] = useState<Vocabulary | null>(null);
  const [items, setItems] = useState<CostView[]>([]);
  const [paidTo, setPaidTo] = useState<string | null>(null);
  const [purpose, setPurpose] = useState<string | null>(null);
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState('USD');
  const [paidOn, setPaidOn] = useState(today());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [flagged, setFlagged] = useState(false);

  const load = useCallback(async () => {
    try {
      setItems((await api<{ items: CostView[] }>('GET', `/api/registrations/${id}/recruitment-costs`)).items);
    } catch (err) {
      setError(errorText(err));
    }
  }, [id]);
  useEffect(() => {
    void load();
    void api<Vocabulary>('GET', '/api/recruitment/vocabulary', undefined, { background: true }).then(setVocabulary, (err: unknown) => setError(errorText(err)));
  }, [load]);

  const cents = centsOf(amount);
  const ready = paidTo !== null && purpose !== null && cents !== null;
  const save = async () => {
    if (!ready) {
      setError(t('costs.missing'));
      return;
    }
    setBusy(true);
    try {
      const cost = await api<CostView>('POST', `/api/registrations/${id}/recruitment-costs`, { paidTo, purpose, amountMinor: cents, currency, paidOn });
      setFlagged(cost.protectionFlag);
      setPaidTo(null);
      setPurpose(null);
      setAmount('');
      setError(null);
      await load();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const onKey = (k: string) => setAmount((a) => (k === 'DELETE' ? a.slice(0, -1) : `${a}${k}`.slice(0, 12)));
  const chips = (name: string, options: string[], value: string | null, label: (o: string) => string, set: (o: string) => void) =>
    h(
      'div',
      { class: 'choices' },
      options.map((o) => h('button', { type: 'button', key: o, class: `choice choice-small${o === value ? ' selected' : ''}`, 'aria-pressed': o === value, [`data-${name}`]: o, onClick: () => set(o) }, o === value ? '✓ ' : '', label(o))),
    );
  const concern = flagged || (paidTo !== null && CONCERN.has(paidTo));

  return h(
    'main',
    { class: 'screen recruitment-costs', 'data-screen': 'costs' },
    h('div', { class: 'screen-head' }, h('h1', { tabIndex: -1 }, t('costs.title')), h('span', { class: 'badge badge-captured' }, registrationNumberOf(props.registration) ?? '')),
    h('p', { class: 'hint' }, t('costs.intro')),
    concern ? h('p', { class: 'banner banner-bad', role: 'alert', 'data-protection-notice': '' }, `⚠ ${t('costs.protection')}`) : null,
    error ? h('p', { class: 'message message-bad', role: 'alert' }, error) : null,
    h(
      'div',
      { class: 'costs-grid' },
      h(
        'section',
        { class: 'costs-form' },
        h('p', { class: 'field-label' }, t('costs.paidTo')),
        chips('paid-to', vocabulary?.paidTo ?? [], paidTo, (o) => t(`costs.payee.${o}`), (o) => {
          setPaidTo(o);
          setFlagged(false);
        }),
        h('p', { class: 'field-label' }, t('costs.purpose')),
        chips('purpose', vocabulary?.purposes ?? [], purpose, (o) => t(`costs.purposes.${o}`), setPurpose),
      ),
      h(
        'section',
        { class: 'costs-when' },
        h('p', { class: 'field-label' }, t('costs.currency')),
        chips('currency', vocabulary?.currencies ?? [currency], currency, (o) => o, setCurrency),
        h('p', { class: 'field-label' }, t('costs.date')),
        h(
          'div',
          { class: 'choices' },
          [0, 1, 7].map((n) => {
            const d = daysBefore(today(), n);
            return h('button', { type: 'button', key: n, class: `choice choice-small${d === paidOn ? ' selected' : ''}`, 'aria-pressed': d === paidOn, 'data-paid-on': d, onClick: () => setPaidOn(d) }, n === 0 ? t('costs.today') : d.slice(5));
          }),
          h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'data-action': 'earlier', 'aria-label': '−1', onClick: () => setPaidOn((d) => daysBefore(d, 1)) }, '◀'),
          h('output', { class: 'date-value', 'data-date': paidOn }, paidOn),
        ),
        h('p', { class: 'field-label' }, t('costs.recorded')),
        items.length === 0
          ? h('p', { class: 'hint', 'data-empty': 'costs' }, t('costs.none'))
          : h(
              'ul',
              { class: 'costs-list' },
              items.map((c) =>
                h(
                  'li',
                  { key: c.costId, 'data-cost': c.paidTo, 'data-flagged': String(c.protectionFlag) },
                  `${c.paidOn} · ${t(`costs.payee.${c.paidTo}`)} · ${t(`costs.purposes.${c.purpose}`)} · ${rands(c.amountMinor)} ${c.currency}`,
                  c.protectionFlag ? h('span', { class: 'badge badge-draft' }, ` ⚠ ${t('costs.flagged')}`) : null,
                ),
              ),
            ),
      ),
      h(
        'section',
        { class: 'costs-amount' },
        h('p', { class: 'field-label' }, t('costs.amount')),
        h('output', { class: 'amount-value', 'data-amount': amount }, amount ? `${amount} ${currency}` : '\u00a0'),
        h(Keyboard, { rows: AMOUNT_ROWS, onKey, label: t('costs.amount'), variant: 'pin', onEnter: () => void save() }),
      ),
    ),
    h(
      'footer',
      { class: 'action-bar' },
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'costs-done', onClick: props.onDone }, t('costs.done')),
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'save-cost', 'data-primary': '', disabled: busy || !ready, onClick: () => void save() }, t('costs.save')),
    ),
  );
}
