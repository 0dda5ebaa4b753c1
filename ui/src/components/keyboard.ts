import { h } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { t } from '../i18n/i18n.ts';
import { type KeyTarget, pushKeyTarget } from '../state/physical-keys.ts';

/** Keys with a meaning rather than a character. */
const SPECIAL: Record<string, () => string> = {
  DELETE: () => `⌫ ${t('common.delete')}`,
  FILL: () => t('manual.fill'),
  NEXT: () => t('manual.next'),
  CLEAR: () => t('common.clear'),
  SPACE: () => t('common.space'),
};

export const ALNUM_ROWS = [
  ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'],
  ['Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P'],
  ['A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', '-'],
  ['Z', 'X', 'C', 'V', 'B', 'N', 'M', 'DELETE'],
];

export const MRZ_ROWS = [
  ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'],
  ['Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P'],
  ['A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', '<'],
  ['Z', 'X', 'C', 'V', 'B', 'N', 'M', 'FILL', 'DELETE'],
];

/** Searching lists (jobs, employers): letters, digits and a space between words. */
export const ALNUM_ROWS_SPACE = [...ALNUM_ROWS, ['SPACE']];

/** Names: letters, space, hyphen and apostrophe (O'Neil, Moyo-Ncube). */
export const NAME_ROWS = [
  ['Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P'],
  ['A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', "'"],
  ['Z', 'X', 'C', 'V', 'B', 'N', 'M', '-', 'DELETE'],
  ['SPACE'],
];

/** Phone numbers: digits and the + of international numbers. */
export const PHONE_ROWS = [
  ['1', '2', '3'],
  ['4', '5', '6'],
  ['7', '8', '9'],
  ['+', '0', 'DELETE'],
];

export const PIN_ROWS = [
  ['1', '2', '3'],
  ['4', '5', '6'],
  ['7', '8', '9'],
  ['CLEAR', '0', 'DELETE'],
];

/**
 * On-screen keyboard: the counter PC has no keyboard and officers may wear gloves, so every key is a large
 * button (≥ 48 px, see styles.css) acting on a plain click: no hover, no long-press, no swipe.
 */
export function Keyboard(props: { rows: string[][]; onKey: (key: string) => void; label: string; variant?: 'pin'; onEnter?: () => void }) {
  useKeyTarget(props.rows, props.onKey, props.onEnter);
  return h(
    'div',
    { class: `keyboard${props.variant ? ` keyboard-${props.variant}` : ''}`, role: 'group', 'aria-label': props.label },
    props.rows.map((row, i) =>
      h(
        'div',
        { class: 'key-row', key: i },
        row.map((k) => {
          const special = SPECIAL[k];
          return h(
            'button',
            {
              type: 'button',
              key: k,
              class: `key${special ? ' key-special' : ''}`,
              'data-key': k,
              onClick: () => props.onKey(k),
            },
            special ? special() : k,
          );
        }),
      ),
    ),
  );
}

/**
 * The field being typed into also takes a physical keyboard's keys (a USB keyboard at the counter): characters the
 * on-screen rows have, Backspace, Space; Enter calls `onEnter` (next field), or else the screen's primary action.
 * The latest mounted target wins, so a dialog's field takes the keys over the screen under it.
 */
export function useKeyTarget(rows: string[][], onKey: (key: string) => void, onEnter?: () => void): void {
  const ref = useRef<KeyTarget>({ keys: new Set(rows.flat()), onKey, ...(onEnter ? { onEnter } : {}) });
  ref.current.keys = new Set(rows.flat());
  ref.current.onKey = onKey;
  ref.current.onEnter = onEnter;
  // Registered as the field mounts (not after paint): keys typed right after the tap that opened it reach it.
  useLayoutEffect(() => pushKeyTarget(ref.current), []);
}
