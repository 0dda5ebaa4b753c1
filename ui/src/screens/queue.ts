import { h } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { t } from '../i18n/i18n.ts';
import { onRegistrationChanged } from '../live.ts';
import type { Registration } from '../types.ts';
import { errorText } from './errors.ts';

interface Page {
  items: Registration[];
  nextCursor: string | null;
}

const isToday = (iso: string) => new Date(iso).toDateString() === new Date().toDateString();
const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

function Row(props: { r: Registration; onResume?: (r: Registration) => void }) {
  const { r } = props;
  const d = r.document;
  const name = d ? `${d.surname.replaceAll('<', ' ')}, ${d.givenNames.replaceAll('<', ' ')}` : t('queue.noDocument');
  return h(
    'li',
    { class: `reg-row status-${r.status}`, 'data-registration': r.id },
    h('span', { class: 'reg-time' }, time(r.createdAt)),
    h('span', { class: 'reg-name' }, name, d ? h('small', null, ` ${d.documentNumber} · ${d.nationality}`) : null),
    h('span', { class: `badge badge-${r.status}` }, t(`queue.status.${r.status}`)),
    h('span', { class: 'reg-officer' }, t('queue.by', { officer: r.officerId })),
    props.onResume ? h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'resume', onClick: () => props.onResume?.(r) }, t('queue.resume')) : null,
  );
}

/** Today's registrations at this post: the ones to finish first, then the finalized ones. Refreshes live. */
export function Queue(props: { officeCode: string; onNew: () => void; onResume: (r: Registration) => void; busy: boolean }) {
  const [items, setItems] = useState<Registration[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async (background: boolean, after?: string) => {
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
  }, []);

  useEffect(() => {
    void load(false);
    return onRegistrationChanged(() => void load(true));
  }, [load]);

  const open = items.filter((r) => r.status !== 'finalized');
  const done = items.filter((r) => r.status === 'finalized');
  return h(
    'main',
    { class: 'screen queue', 'data-screen': 'queue' },
    h(
      'div',
      { class: 'queue-top' },
      h('h1', null, t('queue.title', { post: props.officeCode })),
      h('button', { type: 'button', class: 'btn btn-primary btn-big', 'data-action': 'new-registration', disabled: props.busy, onClick: props.onNew }, `+ ${t('queue.new')}`),
    ),
    error ? h('p', { class: 'message message-bad', role: 'alert' }, error) : null,
    items.length === 0 && !error ? h('p', { class: 'empty' }, t('queue.empty')) : null,
    open.length > 0 ? h('h2', null, t('queue.drafts')) : null,
    open.length > 0 ? h('ul', { class: 'reg-list' }, open.map((r) => h(Row, { key: r.id, r, onResume: props.onResume }))) : null,
    done.length > 0 ? h('h2', null, `${t('queue.finalized')} (${done.length})`) : null,
    done.length > 0 ? h('ul', { class: 'reg-list' }, done.map((r) => h(Row, { key: r.id, r }))) : null,
    cursor ? h('button', { type: 'button', class: 'btn btn-secondary', onClick: () => void load(false, cursor) }, t('queue.more')) : null,
  );
}
