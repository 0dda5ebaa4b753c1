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
      h('button', { type: 'button', class: 'btn btn-primary btn-big', onClick: props.onStay }, t('idle.stay')),
    ),
  );
}

export function Stepper(props: { current: 'document' | 'fingerprints' | 'details' | 'review' | 'receipt' }) {
  const steps = ['document', 'fingerprints', 'details', 'review', 'receipt'] as const;
  const at = steps.indexOf(props.current);
  return h(
    'ol',
    { class: 'stepper' },
    steps.map((s, i) => h('li', { key: s, class: i < at ? 'done' : i === at ? 'current' : '', 'aria-current': i === at ? 'step' : undefined }, `${i + 1}. ${t(`steps.${s}`)}`)),
  );
}
