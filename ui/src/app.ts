import { type ComponentChild, h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, whenSessionLost } from './api.ts';
import { Header } from './components/header.ts';
import { IdleOverlay } from './components/idle-overlay.ts';
import { type Language, setLanguage, t } from './i18n/i18n.ts';
import { connectLive, disconnectLive, live } from './live.ts';
import { useStore } from './state/store.ts';
import { DocumentStep } from './screens/document-step.ts';
import { errorText } from './screens/errors.ts';
import { SimulateDrawer } from './components/simulate-drawer.ts';
import { DetailsStep } from './screens/details-step.ts';
import { FingerprintStep } from './screens/fingerprint-step.ts';
import { ReceiptStep, Review } from './screens/later-steps.ts';
import { ManualEntry } from './screens/manual-entry.ts';
import { Queue } from './screens/queue.ts';
import { SignIn } from './screens/sign-in.ts';
import { VacancyMatch } from './screens/vacancy-match.ts';
import { RecruitmentCosts } from './screens/recruitment-costs.ts';
import { type Step, clearDraft, loadDraft, resumeStep, saveDraft } from './state/draft.ts';
import { type IdlePhase, IdleTimer, idleSettings } from './state/idle.ts';
import type { AttachResult, Registration, SessionInfo, StoredDetails } from './types.ts';

interface Current {
  registration: Registration;
  step: Step;
  previous: number;
  /** The field of the details step to come back to (the server's progress after a reload or an idle logout). */
  field?: string | null;
}

type Progress = { step: string; field: string | null } | null;
const progressOf = (r: Registration): Progress => (r as Registration & { progress?: Progress }).progress ?? null;
/** The UI's steps as the server's progress names them. */
const PROGRESS_STEP: Record<Step, string> = { document: 'document', manual: 'document', fingerprints: 'fingerprints', details: 'details', jobs: 'jobs', costs: 'costs', review: 'review', receipt: 'done' };
const STEP_OF_PROGRESS: Record<string, Step> = { document: 'document', fingerprints: 'fingerprints', details: 'details', jobs: 'jobs', costs: 'costs', review: 'review', done: 'receipt' };

/** Where to pick a registration up: the server's progress (any browser, after a crash), else this browser's memory. */
function resumePoint(r: Registration, remembered: Step | null): { step: Step; field: string | null } | null {
  const p = progressOf(r);
  const step = resumeStep(r.status, (p && STEP_OF_PROGRESS[p.step]) ?? remembered ?? 'document');
  return step ? { step, field: p?.step === 'details' ? p.field : null } : null;
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
  const liveState = useStore(live);

  const go = useCallback((next: Current | null) => {
    setCurrent(next);
    setError(null);
    if (next) {
      saveDraft({ id: next.registration.id, step: next.step, previous: next.previous });
      if (next.registration.status !== 'finalized' || next.step === 'receipt') {
        void api('PUT', `/api/registrations/${next.registration.id}/progress`, { step: PROGRESS_STEP[next.step] }, { background: true }).catch(() => {});
      }
    } else clearDraft();
  }, []);

  /** After a reload or a new sign-in: back to the registration this browser was working on, as the server has it. */
  const resume = useCallback(async () => {
    const d = loadDraft();
    if (!d) return;
    try {
      const registration = await api<Registration>('GET', `/api/registrations/${d.id}`);
      const at = resumePoint(registration, d.step);
      if (at) setCurrent({ registration, step: at.step, field: at.field, previous: d.previous ?? 0 });
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
  const step = (s: Step) => current && go({ ...current, step: s, field: null });
  /** Recruitment costs: back to where they were opened from (the jobs step, or the queue at a later visit). */
  const [costsReturn, setCostsReturn] = useState<Step | null>(null);
  /**
   * After the details (issue #17): the matching vacancies, unless the migrant already named a vacancy or brought a job
   * offer, or no open vacancy fits (nothing to choose: straight to review).
   */
  const afterDetails = async (d: StoredDetails) => {
    if (!current) return;
    if (d.vacancyId || d.jobOffer) return step('review');
    const matches = await api<{ matches: unknown[]; candidacies: unknown[] }>('GET', `/api/registrations/${current.registration.id}/vacancy-matches`, undefined, { background: true }).catch(() => null);
    step(matches && (matches.matches.length > 0 || matches.candidacies.length > 0) ? 'jobs' : 'review');
  };

  let screen: ComponentChild;
  if (session === 'checking') screen = h('main', { class: 'screen' }, h('p', null, t('app.loading')));
  else if (!session) screen = h(SignIn, { notice, onSignedIn: (s) => void begin(s) });
  else if (!current) {
    screen = h(Queue, {
      officeCode: session.officeCode,
      supervisor: session.officer.role === 'supervisor',
      busy,
      onNew: () => void newRegistration(),
      onCosts: (registration) => {
        setCostsReturn(null);
        go({ registration, step: 'costs', previous: 0 });
      },
      onResume: (registration) => {
        const at = resumePoint(registration, null);
        go({ registration, step: at?.step ?? 'document', field: at?.field ?? null, previous: 0 });
      },
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
        screen = h(DetailsStep, { key: registration.id, registration, initialField: current.field ?? null, onBack: () => step('fingerprints'), onSaved: (d) => void afterDetails(d) });
        break;
      case 'jobs':
        screen = h(VacancyMatch, {
          key: registration.id,
          registration,
          onBack: () => step('details'),
          onContinue: () => step('review'),
          onCosts: () => {
            setCostsReturn('jobs');
            step('costs');
          },
        });
        break;
      case 'costs':
        screen = h(RecruitmentCosts, { key: registration.id, registration, onDone: () => (costsReturn ? step(costsReturn) : registration.status === 'finalized' ? go(null) : step('jobs')) });
        break;
      case 'review':
        screen = h(Review, { key: registration.id, registration, supervisor: session.officer.role === 'supervisor', onBack: () => step('details'), onEdit: (s) => step(s), onFinalized: (r) => go({ registration: r, step: 'receipt', previous: current.previous }) });
        break;
      case 'receipt':
        screen = h(ReceiptStep, { key: registration.id, registration, onNext: () => go(null) });
        break;
    }
  }

  // Every screen change moves focus to the new screen's heading (screen readers announce it; a physical keyboard
  // starts from the top of the new screen instead of the page body).
  const screenKey = session === 'checking' ? 'checking' : !session ? 'sign-in' : current ? `${current.step}:${current.registration.id}` : 'queue';
  useEffect(() => {
    const id = requestAnimationFrame(() => {
      const heading = document.querySelector<HTMLElement>('main h1');
      if (!heading) return;
      heading.tabIndex = -1;
      if (!document.querySelector('[role="dialog"], [role="alertdialog"]')) heading.focus();
    });
    return () => cancelAnimationFrame(id);
  }, [screenKey]);

  return h(
    'div',
    { class: 'app', 'data-live': String(liveState.connected) },
    h(Header, { session: session === 'checking' ? null : session, onLanguage: changeLanguage, onSignOut: signOut }),
    error ? h('p', { class: 'message message-bad app-error', role: 'alert' }, error) : null,
    screen,
    session && session !== 'checking' ? h(SimulateDrawer, { personId: current?.registration.document?.documentNumber ?? null }) : null,
    idle.phase === 'warning' ? h(IdleOverlay, { secondsLeft: idle.secondsLeft, onStay: () => setIdle({ phase: 'active' }) }) : null,
  );
}
