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

/** GET /api/registrations/:id/network-lookup (appliance/src/lookup/lookup-routes.ts). */
export interface NetworkReturningInfo {
  source: 'central' | 'index' | 'local';
  online: boolean;
  returning: boolean;
  previous: Array<{
    registrationId: string | null;
    registrationNumber: string | null;
    officeCode: string;
    officeName: string | null;
    date: string;
    finalizedAt: string | null;
    status: 'finalized' | 'corrected' | 'registered';
    occupationIsco: string | null;
    occupationTitle: string | null;
    employerName: string | null;
    vacancyTitle: string | null;
    source: 'central' | 'index' | 'local';
  }>;
  prefill: Record<string, unknown> | null;
  elapsedMs: number;
  offlineReason: string | null;
}

const dayOf = (date: string) => new Date(`${date}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** At most this many earlier registrations are listed; the title gives the count. */
const MAX_SHOWN = 5;

/**
 * A returning migrant across offices (issue #16): every earlier registration the central knows (or, with the link
 * down, the network index: office and day only), this post's own included, newest first, with where the answer
 * came from. The details step prefills from the central's answer.
 */
export function NetworkReturningBanner(props: { info: NetworkReturningInfo; compact?: boolean }) {
  const { previous, source } = props.info;
  if (previous.length === 0) return null;
  const note = source === 'central' ? t('returning.fromCentral') : source === 'index' ? t('returning.fromIndex') : t('returning.fromHere');
  return h(
    'div',
    { class: `banner banner-info returning returning-network${props.compact ? ' returning-compact' : ''}`, 'data-banner': 'returning', 'data-returning-source': source, role: 'status' },
    h('p', { class: 'returning-title' }, `↺ ${t('returning.title', { count: previous.length })}`, props.compact && props.info.prefill ? ` · ${t('returning.prefilled')}` : ''),
    h(
      'ul',
      { class: 'returning-visits' },
      previous.slice(0, MAX_SHOWN).map((p, i) => {
        const what = [p.occupationTitle ?? p.occupationIsco, p.vacancyTitle ?? p.employerName].filter(Boolean).join(' · ');
        return h(
          'li',
          { key: `${p.officeCode}-${p.date}-${i}`, 'data-visit-office': p.officeCode, 'data-visit-date': p.date, 'data-visit-source': p.source },
          t('returning.visit', { office: p.officeName ?? p.officeCode, date: dayOf(p.date) }),
          p.status === 'corrected' ? ` (${t('returning.corrected')})` : '',
          what ? ` ${t('returning.what', { what })}` : '',
          p.registrationNumber ? ` (${p.registrationNumber})` : '',
        );
      }),
    ),
    h('p', { class: 'returning-source hint' }, note),
  );
}
