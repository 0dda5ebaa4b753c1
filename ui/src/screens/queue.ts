import { h } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { RegistrationApprovalModal } from '../components/approval-modal.ts';
import { t } from '../i18n/i18n.ts';
import { JobNotices } from './job-notices.ts';
import { onLive, onRegistrationChanged } from '../live.ts';
import type { PrintJobEvent, Registration } from '../types.ts';
import { errorText, registrationNumberOf } from './errors.ts';

interface Page {
  items: Registration[];
  nextCursor: string | null;
}
type Progress = { step: string; field: string | null; at?: string } | null;
type Extra = Registration & { displayName?: string | null; progress?: Progress };
interface Pending {
  registration: Registration;
  age: number | null;
  warnings: Array<string | { code: string }>;
  waitingSince: string;
}

export const DISCARD_REASONS = ['migrant-left', 'duplicate', 'wrong-document', 'training', 'other'] as const;

const isToday = (iso: string) => new Date(iso).toDateString() === new Date().toDateString();
const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const nameOf = (r: Extra) => r.displayName ?? (r.document ? `${r.document.surname.replaceAll('<', ' ').trim()}, ${r.document.givenNames.replaceAll('<', ' ').trim()}` : t('queue.noDocument'));
const stepOf = (r: Extra) => {
  const step = r.progress?.step ?? (r.status === 'draft' ? 'document' : null);
  return step ? t(`steps.${step === 'done' ? 'receipt' : step}`, { defaultValue: step }) : '';
};

function Row(props: { r: Extra; onResume?: () => void; onDiscard?: () => void; onReprint?: () => void; onCosts?: () => void; note?: string | null }) {
  const { r } = props;
  const d = r.document;
  const number = registrationNumberOf(r);
  const last = r.progress?.at ?? r.updatedAt;
  return h(
    'li',
    { class: `reg-row status-${r.status}`, 'data-registration': r.id },
    h('span', { class: 'reg-time' }, time(r.createdAt)),
    h(
      'span',
      { class: 'reg-name' },
      nameOf(r),
      h('small', null, [number, d ? `${d.documentNumber} · ${d.nationality}` : null].filter(Boolean).map((x) => ` ${x}`).join(' ·')),
      r.status !== 'finalized' ? h('small', { class: 'reg-step', 'data-step': r.progress?.step ?? '' }, ` · ${t('queue.atStep', { step: stepOf(r), time: time(last) })}`) : null,
    ),
    h('span', { class: `badge badge-${r.status}` }, t(`queue.status.${r.status}`)),
    h('span', { class: 'reg-officer' }, t('queue.by', { officer: r.officerId })),
    props.note ? h('span', { class: 'reg-note', role: 'status' }, props.note) : null,
    props.onDiscard ? h('button', { type: 'button', class: 'btn btn-quiet', 'data-action': 'discard', onClick: props.onDiscard }, t('queue.discard')) : null,
    props.onResume ? h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'resume', onClick: props.onResume }, t('queue.resume')) : null,
    props.onReprint ? h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'reprint-receipt', onClick: props.onReprint }, t('queue.reprint')) : null,
    props.onCosts ? h('button', { type: 'button', class: 'btn btn-quiet', 'data-action': 'recruitment-costs', onClick: props.onCosts }, t('jobs.costs')) : null,
  );
}

/** Discarding a draft needs a reason (audited): the migrant left, a duplicate, the wrong document, training… */
function DiscardModal(props: { r: Extra; onDone: () => void; onCancel: () => void }) {
  const [reason, setReason] = useState<(typeof DISCARD_REASONS)[number] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const discard = async () => {
    if (!reason) return;
    try {
      await api('POST', `/api/registrations/${props.r.id}/discard`, { reason });
      props.onDone();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return h(
    'div',
    { class: 'overlay', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'discard-title', 'data-modal': 'discard' },
    h(
      'div',
      { class: 'dialog dialog-left' },
      h('h2', { id: 'discard-title' }, t('queue.discardTitle', { name: nameOf(props.r) })),
      h('p', null, t('queue.discardWhy')),
      h(
        'div',
        { class: 'choices', role: 'group' },
        DISCARD_REASONS.map((r) => h('button', { type: 'button', key: r, class: `choice${reason === r ? ' selected' : ''}`, 'aria-pressed': reason === r, 'data-discard-reason': r, onClick: () => setReason(r) }, t(`queue.discardReason.${r}`))),
      ),
      error ? h('p', { class: 'message message-bad', role: 'alert' }, error) : null,
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel-discard', onClick: props.onCancel }, t('common.cancel')),
        h('button', { type: 'button', class: 'btn btn-danger', 'data-action': 'confirm-discard', 'data-primary': '', disabled: !reason, onClick: () => void discard() }, t('queue.discard')),
      ),
    ),
  );
}

/**
 * Today's registrations at this post: open drafts (name, when started, the step reached) to resume or discard,
 * what waits for a supervisor's approval (supervisors), then the finalized ones with a receipt reprint.
 */
export function Queue(props: { officeCode: string; supervisor: boolean; onNew: () => void; onResume: (r: Registration) => void; onCosts?: (r: Registration) => void; busy: boolean }) {
  const [items, setItems] = useState<Extra[]>([]);
  const [drafts, setDrafts] = useState<Extra[] | null>(null);
  const [pending, setPending] = useState<Pending[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [discarding, setDiscarding] = useState<Extra | null>(null);
  const [approving, setApproving] = useState<Pending | null>(null);
  const [notes, setNotes] = useState<Record<string, string>>({});

  const load = useCallback(
    async (background: boolean, after?: string) => {
      try {
        const page = await api<Page>('GET', `/api/registrations?limit=50${after ? `&cursor=${encodeURIComponent(after)}` : ''}`, undefined, { background });
        const today = page.items.filter((r) => isToday(r.createdAt));
        setItems((prev) => (after ? [...prev, ...today] : today));
        // Newest first: once a page reaches yesterday, there is nothing more of today.
        setCursor(today.length === page.items.length ? page.nextCursor : null);
        setError(null);
      } catch (err) {
        setError(errorText(err));
      }
      // Open drafts of any day (the server discards stale ones), newest activity first.
      api<{ items: Extra[] }>('GET', '/api/registrations/drafts?limit=50', undefined, { background: true }).then(
        (r) => setDrafts(r.items),
        () => setDrafts(null),
      );
      if (props.supervisor) {
        api<{ items: Pending[] }>('GET', '/api/approvals/pending', undefined, { background: true }).then(
          (r) => setPending(r.items),
          () => setPending([]),
        );
      }
    },
    [props.supervisor],
  );

  useEffect(() => {
    void load(false);
    const offs = [
      onRegistrationChanged(() => void load(true)),
      onLive<PrintJobEvent>('print:job', (e) => {
        if (!e.job.copy) return;
        const why = e.job.status === 'failed' && e.job.lastError ? ` (${t(`printError.${e.job.lastError.code}`, { defaultValue: t('printError.other') })})` : '';
        setNotes((n) => ({ ...n, [e.job.registrationId]: `${t(`queue.copy.${e.job.status}`, { defaultValue: '' })}${why}` }));
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [load]);

  const reprint = async (r: Extra) => {
    setNotes((n) => ({ ...n, [r.id]: t('queue.copy.queued') }));
    try {
      await api('POST', `/api/registrations/${r.id}/reprint`, {});
    } catch (err) {
      // An appliance without the reprint route: the receipt route prints a copy.
      if (err instanceof ApiError && err.status === 404 && err.code !== 'NOT_FOUND') {
        await api('POST', `/api/registrations/${r.id}/receipt`, { copy: true }).catch((e: unknown) => setNotes((n) => ({ ...n, [r.id]: errorText(e) })));
      } else setNotes((n) => ({ ...n, [r.id]: errorText(err) }));
    }
  };

  const discarded = (r: Extra) => (r as { discarded?: unknown }).discarded;
  const open = drafts ?? items.filter((r) => r.status !== 'finalized' && !discarded(r));
  const done = items.filter((r) => r.status === 'finalized');
  const warningCodes = (p: Pending) => p.warnings.map((w) => (typeof w === 'string' ? w : w.code));
  return h(
    'main',
    { class: 'screen queue', 'data-screen': 'queue' },
    h(
      'div',
      { class: 'queue-top' },
      h('h1', { tabIndex: -1 }, t('queue.title', { post: props.officeCode })),
      h('button', { type: 'button', class: 'btn btn-primary btn-big', 'data-action': 'new-registration', 'data-primary': '', disabled: props.busy, onClick: props.onNew }, `+ ${t('queue.new')}`),
    ),
    error ? h('p', { class: 'message message-bad', role: 'alert' }, error) : null,
    pending.length > 0 ? h('h2', null, t('queue.awaitingApproval', { count: pending.length })) : null,
    pending.length > 0
      ? h(
          'ul',
          { class: 'reg-list', 'data-list': 'approvals' },
          pending.map((p) =>
            h(
              'li',
              { key: p.registration.id, class: 'reg-row status-approval', 'data-approval-for': p.registration.id },
              h('span', { class: 'reg-time' }, time(p.waitingSince)),
              h('span', { class: 'reg-name' }, nameOf(p.registration), h('small', null, ` · ${p.age === null ? t('review.ageUnknown') : `${t('review.age')} ${p.age}`} · ${t('queue.by', { officer: p.registration.officerId })}`)),
              h('span', { class: 'reg-warnings' }, warningCodes(p).map((c) => h('span', { key: c, class: 'badge badge-stop', 'data-warning': c }, t(`queue.warningShort.${c}`, { defaultValue: c })))),
              h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'approve', onClick: () => setApproving(p) }, t('queue.approve')),
            ),
          ),
        )
      : null,
    items.length === 0 && open.length === 0 && !error ? h('p', { class: 'empty' }, t('queue.empty')) : null,
    open.length > 0 ? h('h2', null, t('queue.drafts')) : null,
    open.length > 0
      ? h('ul', { class: 'reg-list', 'data-list': 'drafts' }, open.map((r) => h(Row, { key: r.id, r, onResume: () => props.onResume(r), onDiscard: () => setDiscarding(r) })))
      : null,
    h(JobNotices, null),
    done.length > 0 ? h('h2', null, `${t('queue.finalized')} (${done.length})`) : null,
    done.length > 0 ? h('ul', { class: 'reg-list', 'data-list': 'finalized' }, done.map((r) => h(Row, { key: r.id, r, onReprint: () => void reprint(r), ...(props.onCosts ? { onCosts: () => props.onCosts?.(r) } : {}), note: notes[r.id] ?? null }))) : null,
    cursor ? h('button', { type: 'button', class: 'btn btn-secondary', onClick: () => void load(false, cursor) }, t('queue.more')) : null,
    discarding
      ? h(DiscardModal, {
          r: discarding,
          onCancel: () => setDiscarding(null),
          onDone: () => {
            setDiscarding(null);
            void load(true);
          },
        })
      : null,
    approving
      ? h(RegistrationApprovalModal, {
          registrationId: approving.registration.id,
          warnings: warningCodes(approving),
          age: approving.age,
          signedInAsSupervisor: true,
          onCancel: () => setApproving(null),
          onDone: () => {
            setApproving(null);
            void load(true);
          },
        })
      : null,
  );
}
