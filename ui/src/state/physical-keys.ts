/**
 * A physical keyboard at the counter: typing goes to the field the officer is filling (whatever has DOM focus,
 * since the fields are touch buttons), Backspace deletes, Enter goes on. Pure mapping here (unit-tested); the
 * one window listener is installed by installPhysicalKeys().
 */
export interface KeyTarget {
  /** The keys of the on-screen keyboard of this field (A–Z, 0–9, <, +, -, ', SPACE, DELETE…). */
  keys: Set<string>;
  onKey: (key: string) => void;
  /** Enter in this field (e.g. move to the next field); without it Enter is the screen's primary action. */
  onEnter?: (() => void) | undefined;
}

const targets: KeyTarget[] = [];

/** Registers a field's keys; returns the unregister. The last registered target receives the keys. */
export function pushKeyTarget(target: KeyTarget): () => void {
  targets.push(target);
  return () => {
    const i = targets.lastIndexOf(target);
    if (i >= 0) targets.splice(i, 1);
  };
}

/** A KeyboardEvent.key → the on-screen key it stands for, or null when the field has no such key. */
export function mapPhysicalKey(key: string, keys: Set<string>): string | null {
  if (key === 'Backspace') return keys.has('DELETE') ? 'DELETE' : null;
  if (key === ' ') return keys.has('SPACE') ? 'SPACE' : null;
  if (key === 'Delete') return keys.has('CLEAR') ? 'CLEAR' : null;
  if (key.length !== 1) return null;
  const upper = key.toUpperCase();
  return keys.has(upper) ? upper : null;
}

/** The enabled primary action of the top dialog, or else of the screen. */
function primaryAction(): HTMLElement | null {
  const dialogs = document.querySelectorAll<HTMLElement>('[role="dialog"], [role="alertdialog"]');
  const scope: ParentNode = dialogs[dialogs.length - 1] ?? document;
  return scope.querySelector<HTMLElement>('[data-primary]');
}

export function installPhysicalKeys(): void {
  // Enter on a control the officer reached with Tab presses that control; after a tap, Enter means "go on".
  let tabbing = false;
  window.addEventListener('pointerdown', () => {
    tabbing = false;
  }, { capture: true });
  window.addEventListener('keydown', (e) => {
    if (e.key === 'Tab') tabbing = true;
    if (e.ctrlKey || e.altKey || e.metaKey || e.isComposing) return;
    const el = e.target as HTMLElement | null;
    if (el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT')) return;
    const top = targets.at(-1);
    if (e.key === 'Enter') {
      if (tabbing && el?.matches('button, a')) return;
      e.preventDefault();
      if (top?.onEnter) top.onEnter();
      else primaryAction()?.click();
      return;
    }
    if (!top) return;
    const key = mapPhysicalKey(e.key, top.keys);
    if (key === null) return;
    e.preventDefault();
    top.onKey(key);
  });
}
