/** The parts every console page is built of: its frame, forms that run an action, its messages, its actions' state. */
import { type ComponentChildren, h } from 'preact';
import { useState } from 'preact/hooks';
import { errorText } from '../api.ts';
import type { Node as VNode } from '../node.ts';

/** A console page: its section (data-page names it for tests and styles), its title and, when given, the hint under it. */
export function page(name: string, title: string, hint: string | null, ...children: ComponentChildren[]): VNode {
  return h('section', { class: 'page', 'data-page': name }, h('h1', null, title), hint === null ? null : h('p', { class: 'hint' }, hint), ...children);
}

/** A form that runs `action` when it is submitted, instead of navigating. */
export function actionForm(attributes: Record<string, unknown>, action: () => unknown, ...children: ComponentChildren[]): VNode {
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void action();
  };
  return h('form', { ...attributes, onSubmit }, ...children);
}

/** What went wrong (an alert) and what was done (a status line), each when there is one. */
export const messages = (error: string | null, notice: string | null = null): ComponentChildren[] => [
  error ? h('p', { class: 'error', role: 'alert' }, error) : null,
  notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
];

export interface Action {
  error: string | null;
  setError: (error: string | null) => void;
  /** An action is running. */
  busy: boolean;
  /** Runs `f` with the error cleared and busy set, and shows the error it fails with. */
  run: (f: () => Promise<void>) => Promise<void>;
}

/** A page's actions: one error line and one busy flag for all of them. */
export function useAction(): Action {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<void>) => {
    setError(null);
    setBusy(true);
    try {
      await f();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return { error, setError, busy, run };
}
