import { h } from 'preact';
import { useState } from 'preact/hooks';
import type { LookupResult } from '@lmc/appliance/lookup/network-lookup.ts';
import { t } from '../i18n/i18n.ts';
import { errorText } from './errors.ts';

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
export type NetworkReturningInfo = Omit<LookupResult, 'index'>;

const dayOf = (date: string) => new Date(`${date}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** At most this many earlier registrations are listed; the title gives the count. */
const MAX_SHOWN = 5;

/**
 * A returning migrant across offices (issue #16): every earlier registration the central knows (or, with the link
 * down, the network index: office and day only), this post's own included, newest first, with where the answer
 * came from. The details step prefills from the central's answer.
 */
/** POST /api/registrations/:id/fingerprints/verify-remote: 1:1 on the sensor against another office's print (the central re-seals it). */
export type VerifyRemote = (againstRegistrationId: string) => Promise<{ decision: 'match' | 'no-match' }>;

/** "Verify prints" against one earlier registration at another office, and its outcome in place. */
function RemoteVerifyButton(props: { againstRegistrationId: string; verify: VerifyRemote }) {
  const [state, setState] = useState<{ kind: 'idle' | 'running' } | { kind: 'done'; match: boolean } | { kind: 'failed'; message: string }>({ kind: 'idle' });
  const run = async () => {
    setState({ kind: 'running' });
    try {
      setState({ kind: 'done', match: (await props.verify(props.againstRegistrationId)).decision === 'match' });
    } catch (err) {
      setState({ kind: 'failed', message: errorText(err) });
    }
  };
  if (state.kind === 'done') {
    return h('span', { class: state.match ? 'verify-remote ok' : 'verify-remote warn', 'data-verify-remote-result': state.match ? 'match' : 'no-match' }, ` ${t(state.match ? 'fingerprints.match' : 'fingerprints.noMatch')}`);
  }
  return h(
    'span',
    { class: 'verify-remote' },
    ' ',
    h(
      'button',
      { type: 'button', class: 'btn btn-secondary', 'data-verify-remote': props.againstRegistrationId, disabled: state.kind === 'running', onClick: () => void run() },
      t(state.kind === 'running' ? 'fingerprints.verifying' : 'fingerprints.verify'),
    ),
    state.kind === 'failed' ? h('span', { class: 'verify-remote warn', role: 'alert' }, ` ${state.message}`) : null,
  );
}

export function NetworkReturningBanner(props: { info: NetworkReturningInfo; compact?: boolean; verify?: VerifyRemote }) {
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
          // Another office's registration: its print can be checked here, re-sealed by the central for this post.
          props.verify && p.registrationId && p.source === 'central' ? h(RemoteVerifyButton, { againstRegistrationId: p.registrationId, verify: props.verify }) : null,
        );
      }),
    ),
    h('p', { class: 'returning-source hint' }, note),
  );
}
