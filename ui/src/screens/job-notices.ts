import { h } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { OutcomeNotice } from '@lmc/appliance/recruitment/outcome-notices.ts';
import { api } from '../api.ts';
import { t } from '../i18n/i18n.ts';

const REFRESH_MS = 60_000;

/**
 * The queue's "job notices to hand over" (issue #17 item 5): shortlisted and selected migrants whose printed notice
 * (A4, in their language, with the vacancy's terms) is not printed yet. Opening the notice marks it printed (audited).
 * Shows nothing when there are none (or on an appliance without the route).
 */
export function JobNotices() {
  const [items, setItems] = useState<OutcomeNotice[]>([]);
  const load = useCallback(() => {
    api<{ items: OutcomeNotice[] }>('GET', '/api/recruitment/notices?unprinted=true', undefined, { background: true }).then(
      (r) => setItems(r.items),
      () => setItems([]),
    );
  }, []);
  useEffect(() => {
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  if (items.length === 0) return null;
  const printed = (n: OutcomeNotice) => void api('POST', `/api/recruitment/notices/${n.candidacyId}/${n.status}/printed`, {}).finally(load);
  return h(
    'section',
    { class: 'job-notices', 'data-list': 'notices' },
    h('h2', null, t('jobs.notices', { count: items.length })),
    h(
      'ul',
      { class: 'reg-list' },
      items.map((n) =>
        h(
          'li',
          { key: `${n.candidacyId}:${n.status}`, class: 'reg-row', 'data-notice': n.status },
          h('span', { class: 'reg-name' }, n.registrationNumber, h('small', null, ` · ${n.vacancy?.title ?? n.vacancy?.occupationTitle ?? n.vacancyId}`)),
          h('span', { class: 'badge badge-finalized' }, t(`jobs.outcome.${n.status}`)),
          h(
            'a',
            { class: 'btn btn-secondary link-button', href: `/api/recruitment/notices/${n.candidacyId}/${n.status}/notice.pdf`, target: '_blank', rel: 'noopener', 'data-action': 'print-notice', onClick: () => printed(n) },
            t('jobs.printNotice'),
          ),
        ),
      ),
    ),
  );
}
