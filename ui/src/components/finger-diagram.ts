import { h } from 'preact';
import { t } from '../i18n/i18n.ts';

/** ISO/IEC 19794-2 finger order, as appliance/src/fingerprints/fingers.ts. */
export const RIGHT_HAND = ['right-thumb', 'right-index', 'right-middle', 'right-ring', 'right-little'] as const;
export const LEFT_HAND = ['left-thumb', 'left-index', 'left-middle', 'left-ring', 'left-little'] as const;

export type FingerMark = 'next' | 'captured' | 'low' | 'exception' | 'pending' | 'off';

const SYMBOL: Record<FingerMark, string> = { next: '▼', captured: '✓', low: '!', exception: 'E', pending: '–', off: '' };
// Finger heights as on a hand seen palm down: middle longest, little and thumb shortest.
const HEIGHT: Record<string, number> = { thumb: 46, index: 74, middle: 84, ring: 76, little: 58 };

/**
 * Two hands, palms down as the person puts them on the glass: the person's left hand on the left. Each finger
 * of the office's plan shows its state by symbol and word (never colour alone); the next finger pulses.
 */
export function FingerDiagram(props: { marks: Record<string, FingerMark> }) {
  const hand = (side: 'left' | 'right', fingers: readonly string[]) => {
    // Palm down, the left hand reads little → thumb from left to right, the right hand thumb → little.
    const order = side === 'left' ? [...fingers].reverse() : fingers;
    return h(
      'div',
      { class: `hand hand-${side}` },
      h(
        'div',
        { class: 'hand-fingers' },
        order.map((f) => {
          const mark = props.marks[f] ?? 'off';
          const kind = f.split('-')[1] ?? 'index';
          return h(
            'div',
            { key: f, class: `finger finger-${mark}${kind === 'thumb' ? ' finger-thumb' : ''}`, style: { height: `${HEIGHT[kind] ?? 70}px` }, 'data-finger': f, 'data-mark': mark, title: t(`finger.${f}`) },
            h('span', { class: 'finger-symbol', 'aria-hidden': 'true' }, SYMBOL[mark]),
          );
        }),
      ),
      h('div', { class: 'palm' }, t(`hand.${side}`)),
    );
  };
  return h('div', { class: 'finger-diagram', role: 'img', 'aria-label': t('fingerprints.diagram') }, hand('left', LEFT_HAND), hand('right', RIGHT_HAND));
}
