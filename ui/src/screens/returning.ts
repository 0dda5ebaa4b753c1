import { h } from 'preact';
import { t } from '../i18n/i18n.ts';

/** GET /api/registrations/:id/returning (also in PUT /document's answer as `returning`). */
export interface ReturningInfo {
  returning: boolean;
  previous: Array<{
    id: string;
    registrationNumber?: string;
    finalizedAt: string | null;
    officeCode?: string;
    officeName?: string | null;
    occupationIsco?: string | null;
    occupationTitle?: string | null;
    employerName?: string | null;
    vacancyTitle?: string | null;
  }>;
}

const day = (iso: string | null) => (iso ? new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' }) : '');

/**
 * A returning migrant: when, where and for what the latest earlier registration was (office, date, job,
 * employer or vacancy), and how many there were. The details come prefilled from it.
 */
export function ReturningBanner(props: { info: ReturningInfo; compact?: boolean }) {
  const { previous } = props.info;
  const last = previous[0];
  if (!last) return null;
  const what = [last.occupationTitle ?? last.occupationIsco, last.vacancyTitle ?? last.employerName].filter(Boolean).join(' · ');
  return h(
    'div',
    { class: `banner banner-info returning${props.compact ? ' returning-compact' : ''}`, 'data-banner': 'returning', role: 'status' },
    h('p', { class: 'returning-title' }, `↺ ${t('returning.title', { count: previous.length })}`, props.compact ? ` · ${t('returning.prefilled')}` : ''),
    h(
      'p',
      { 'data-returning-last': last.registrationNumber ?? last.id },
      t('returning.last', { date: day(last.finalizedAt), office: last.officeName ?? last.officeCode ?? '' }),
      what ? ` ${t('returning.what', { what })}` : '',
      last.registrationNumber ? ` (${last.registrationNumber})` : '',
    ),
  );
}
