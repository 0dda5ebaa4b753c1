import { type ComponentChild, h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, whenSessionLost } from './api.ts';
import { Header } from './components/header.ts';
import { IdleOverlay } from './components/idle-overlay.ts';
import { type Language, setLanguage, t } from './i18n/i18n.ts';
import { connectLive, disconnectLive } from './live.ts';
import { DocumentStep } from './screens/document-step.ts';
import { errorText } from './screens/errors.ts';
import { SimulateDrawer } from './components/simulate-drawer.ts';
import { DetailsStep } from './screens/details-step.ts';
import { FingerprintStep } from './screens/fingerprint-step.ts';
import { ReceiptStep, Review } from './screens/later-steps.ts';
import { ManualEntry } from './screens/manual-entry.ts';
import { Queue } from './screens/queue.ts';
import { SignIn } from './screens/sign-in.ts';
import { type Step, clearDraft, loadDraft, resumeStep, saveDraft } from './state/draft.ts';
import { type IdlePhase, IdleTimer, idleSettings } from './state/idle.ts';
import type { AttachResult, Registration, SessionInfo } from './types.ts';

interface Current {
  registration: Registration;
  step: Step;
  previous: number;
}

const KEEPALIVE_EVERY_MS = 30_000;

export function App() {
  const [session, setSession] = useState<SessionInfo | null | 'checking'>('checking');
  const [current, setCurrent] = useState<Current | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [idle, setIdle] = useState<IdlePhase>({ phase: 'active' });
  const [, setLang] = useState<Language>('en');
  const [busy, setBusy] = useState(false);

  const go = useCallback((next: Current | null) => {
    setCurrent(next);
    setError(null);
    if (next) saveDraft({ id: next.registration.id, step: next.step, previous: next.previous });
    else clearDraft();
  }, []);

  /** After a reload or a new sign-in: back to the registration this browser was working on, as the server has it. */
  const resume = useCallback(async () => {
    const d = loadDraft();
    if (!d) return;
    try {
      const registration = await api<Registration>('GET', `/api/registrations/${d.id}`);
      const step = resumeStep(registration.status, d.step);
      if (step) setCurrent({ registration, step, previous: d.previous ?? 0 });
      else clearDraft();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) clearDraft();
    }
  }, []);

  const begin = useCallback(
    async (s: SessionInfo) => {
      setSession(s);
      setNotice(null);
      connectLive();
      await resume();
      performance.mark('officer-ready');
    },
    [resume],
  );

  const end = useCallback((why: string | null, keepDraft: boolean) => {
    disconnectLive();
    setSession(null);
    setCurrent(null);
    setIdle({ phase: 'active' });
    setNotice(why);
    if (!keepDraft) clearDraft();
  }, []);

  useEffect(() => {
    whenSessionLost(() => end(t('signIn.sessionEnded'), true));
    api<SessionInfo>('GET', '/api/auth/session')
      .then(begin, () => setSession(null))
      // The first usable screen (sign-in or the queue) is painted: the browser test reads this mark.
      .finally(() => requestAnimationFrame(() => performance.mark('first-screen')));
  }, [begin, end]);

  // Idle logout with a visible countdown; touches keep the server session alive too.
  const timer = useRef<IdleTimer | null>(null);
  useEffect(() => {
    if (!session || session === 'checking') return;
    const { idleMs, warnMs } = idleSettings(session.idleTimeoutMs);
    timer.current = new IdleTimer(idleMs, warnMs, Date.now());
    let lastKeepalive = Date.now();
    const onActivity = () => {
      const now = Date.now();
      timer.current?.activity(now);
      setIdle((p) => (p.phase === 'active' ? p : { phase: 'active' }));
      if (now - lastKeepalive > KEEPALIVE_EVERY_MS) {
        lastKeepalive = now;
        void api('GET', '/api/auth/session').catch(() => {});
      }
    };
    const tick = setInterval(() => {
      const phase = timer.current?.tick(Date.now()) ?? { phase: 'active' };
      if (phase.phase === 'expired') {
        void api('POST', '/api/auth/sign-out').catch(() => {});
        end(t('signIn.idleSignedOut'), true);
      } else {
        setIdle((p) => (p.phase === phase.phase && (p.phase !== 'warning' || phase.phase !== 'warning' || p.secondsLeft === phase.secondsLeft) ? p : phase));
      }
    }, 1000);
    window.addEventListener('pointerdown', onActivity, { capture: true });
    window.addEventListener('keydown', onActivity, { capture: true });
    return () => {
      clearInterval(tick);
      window.removeEventListener('pointerdown', onActivity, { capture: true });
      window.removeEventListener('keydown', onActivity, { capture: true });
    };
  }, [session, end]);

  const changeLanguage = (l: Language) => void setLanguage(l).then(() => setLang(l));
  const signOut = () => void api('POST', '/api/auth/sign-out').finally(() => end(null, false));

  const newRegistration = async () => {
    setBusy(true);
    try {
      const registration = await api<Registration>('POST', '/api/registrations', {});
      go({ registration, step: 'document', previous: 0 });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const attached = (r: AttachResult) => go({ registration: r.registration, step: 'document', previous: r.previousRegistrations.length });
  const step = (s: Step) => current && go({ ...current, step: s });

  let screen: ComponentChild;
  if (session === 'checking') screen = h('main', { class: 'screen' }, h('p', null, t('app.loading')));
  else if (!session) screen = h(SignIn, { notice, onSignedIn: (s) => void begin(s) });
  else if (!current) {
    screen = h(Queue, {
      officeCode: session.officeCode,
      busy,
      onNew: () => void newRegistration(),
      onResume: (registration) => go({ registration, step: resumeStep(registration.status, 'document') ?? 'document', previous: 0 }),
    });
  } else {
    const { registration } = current;
    switch (current.step) {
      case 'document':
        screen = h(DocumentStep, { key: registration.id, registration, previous: current.previous, onAttached: attached, onManual: () => step('manual'), onContinue: () => step('fingerprints'), onBack: () => go(null) });
        break;
      case 'manual':
        screen = h(ManualEntry, { registrationId: registration.id, onAttached: attached, onCancel: () => step('document') });
        break;
      case 'fingerprints':
        screen = h(FingerprintStep, { key: registration.id, registration, previous: current.previous, supervisor: session.officer.role === 'supervisor', onBack: () => step('document'), onContinue: () => step('details') });
        break;
      case 'details':
        screen = h(DetailsStep, { key: registration.id, registration, onBack: () => step('fingerprints'), onSaved: () => step('review') });
        break;
      case 'review':
        screen = h(Review, { key: registration.id, registration, onBack: () => step('details'), onEdit: (s) => step(s), onFinalized: (r) => go({ registration: r, step: 'receipt', previous: current.previous }) });
        break;
      case 'receipt':
        screen = h(ReceiptStep, { key: registration.id, registration, onNext: () => go(null) });
        break;
    }
  }

  return h(
    'div',
    { class: 'app' },
    h(Header, { session: session === 'checking' ? null : session, onLanguage: changeLanguage, onSignOut: signOut }),
    error ? h('p', { class: 'message message-bad app-error', role: 'alert' }, error) : null,
    screen,
    session && session !== 'checking' ? h(SimulateDrawer, { personId: current?.registration.document?.documentNumber ?? null }) : null,
    idle.phase === 'warning' ? h(IdleOverlay, { secondsLeft: idle.secondsLeft, onStay: () => setIdle({ phase: 'active' }) }) : null,
  );
}
