/**
 * The central console: sign-in with a staff account (the central's session cookie), then the pages the
 * account's role opens. The server decides access on every route (central/src/auth/access.ts); the menu
 * only hides what the role would be refused anyway.
 */
import { h, render } from 'preact';
import type { Node as VNode } from './node.ts';
import { useEffect, useState } from 'preact/hooks';
import { api, type Session, type StaffRole, whenSessionLost } from './api.ts';
import { DevicesPage } from './pages/devices.ts';
import { FleetPage } from './pages/fleet.ts';
import { AccessAuditPage, PersonsPage } from './pages/persons.ts';
import { ReferencePage } from './pages/reference.ts';
import { RecruitmentPage } from './recruitment/recruitment-page.ts';
import { StatsPage } from './pages/stats.ts';
import { actionForm, messages, useAction } from './pages/page.ts';
import './styles.css';

interface PageDef {
  id: string;
  title: string;
  roles: readonly StaffRole[];
  view: () => VNode;
}

const PAGES: readonly PageDef[] = [
  { id: 'stats', title: 'Statistics', roles: ['statistician', 'admin'], view: () => h(StatsPage, null) as VNode },
  { id: 'fleet', title: 'Fleet', roles: ['admin', 'statistician', 'auditor'], view: () => h(FleetPage, null) as VNode },
  { id: 'devices', title: 'Enrolment & devices', roles: ['admin'], view: () => h(DevicesPage, null) as VNode },
  { id: 'reference', title: 'Reference data', roles: ['admin'], view: () => h(ReferencePage, null) as VNode },
  { id: 'recruitment', title: 'Recruitment', roles: ['admin'], view: () => h(RecruitmentPage, null) as VNode },
  { id: 'persons', title: 'Person search', roles: ['admin'], view: () => h(PersonsPage, null) as VNode },
  { id: 'access-audit', title: 'Access audit', roles: ['auditor', 'admin'], view: () => h(AccessAuditPage, null) as VNode },
];

const pageFromHash = () => location.hash.replace(/^#\/?/, '');

function SignIn(props: { onSignedIn: (s: Session) => void }): VNode {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, run } = useAction();
  const signIn = () =>
    run(async () => {
      props.onSignedIn(await api<Session>('POST', '/api/v1/auth/sign-in', { username, password }));
    });
  return h(
    'main',
    { class: 'sign-in', 'data-page': 'sign-in' },
    actionForm(
      { class: 'card' },
      signIn,
      h('h1', null, 'Labour Migration Centre'),
      h('p', { class: 'hint' }, 'Central console · Ministry and programme staff'),
      h('label', null, 'User name', h('input', { name: 'username', autocomplete: 'username', required: true, value: username, onInput: (e: Event) => setUsername((e.target as HTMLInputElement).value) })),
      h(
        'label',
        null,
        'Password',
        h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, value: password, onInput: (e: Event) => setPassword((e.target as HTMLInputElement).value) }),
      ),
      ...messages(error),
      h('button', { type: 'submit', class: 'primary', disabled: busy, 'data-action': 'sign-in' }, 'Sign in'),
    ),
  );
}

function App(): VNode {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [page, setPage] = useState(pageFromHash());
  useEffect(() => {
    whenSessionLost(() => setSession(null));
    api<Session>('GET', '/api/v1/auth/session').then(setSession, () => setSession(null));
    const onHash = () => setPage(pageFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  if (session === undefined) return h('p', { class: 'loading' }, 'Loading…');
  if (session === null) return h(SignIn, { onSignedIn: setSession });
  const allowed = PAGES.filter((p) => p.roles.includes(session.role));
  const current = allowed.find((p) => p.id === page) ?? allowed[0];
  const signOut = async () => {
    await api('POST', '/api/v1/auth/sign-out').catch(() => undefined);
    setSession(null);
  };
  return h(
    'div',
    { class: 'shell' },
    h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand' }, 'LMC central console'),
      h(
        'nav',
        { 'aria-label': 'Pages' },
        allowed.map((p) => h('a', { href: `#/${p.id}`, 'data-nav': p.id, 'aria-current': p === current ? 'page' : undefined }, p.title)),
      ),
      h('span', { class: 'who', 'data-role': session.role }, `${session.displayName ?? session.username} · ${session.role}`),
      h('button', { type: 'button', 'data-action': 'sign-out', onClick: () => void signOut() }, 'Sign out'),
    ),
    h('main', { class: 'content' }, current ? current.view() : h('p', null, 'Your role opens no page here.')),
  );
}

const root = document.getElementById('app');
if (root) render(h(App, null), root);
