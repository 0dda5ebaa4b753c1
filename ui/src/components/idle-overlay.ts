import { h } from 'preact';
import { t } from '../i18n/i18n.ts';

export function IdleOverlay(props: { secondsLeft: number; onStay: () => void }) {
  return h(
    'div',
    { class: 'overlay', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'idle-title' },
    h(
      'div',
      { class: 'dialog' },
      h('h2', { id: 'idle-title' }, t('idle.title')),
      h('p', { class: 'countdown', 'data-seconds': props.secondsLeft }, t('idle.countdown', { count: props.secondsLeft })),
      h('button', { type: 'button', class: 'btn btn-primary btn-big', 'data-primary': '', onClick: props.onStay }, t('idle.stay')),
    ),
  );
}

/** The screen's heading (focus moves to it on every screen change, app.ts) and where the registration stands. */
export function Stepper(props: { current: 'document' | 'fingerprints' | 'details' | 'review' | 'receipt'; title: string }) {
  const steps = ['document', 'fingerprints', 'details', 'review', 'receipt'] as const;
  const at = steps.indexOf(props.current);
  return h(
    'div',
    { class: 'screen-head' },
    h('h1', { tabIndex: -1 }, props.title),
    h(
      'ol',
      { class: 'stepper', 'aria-label': t('steps.label') },
      steps.map((s, i) => h('li', { key: s, class: i < at ? 'done' : i === at ? 'current' : '', 'aria-current': i === at ? 'step' : undefined }, `${i < at ? '✓' : `${i + 1}.`} ${t(`steps.${s}`)}`)),
    ),
  );
}
