import { useEffect, useState } from 'preact/hooks';

/** A minimal observable value: enough for a handful of app-wide facts, no state library needed. */
export class Store<T> {
  #value: T;
  readonly #listeners = new Set<(v: T) => void>();
  constructor(initial: T) {
    this.#value = initial;
  }
  get value(): T {
    return this.#value;
  }
  set(next: T): void {
    this.#value = next;
    for (const l of this.#listeners) l(next);
  }
  update(fn: (v: T) => T): void {
    this.set(fn(this.#value));
  }
  subscribe(listener: (v: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export function useStore<T>(store: Store<T>): T {
  const [value, setValue] = useState(store.value);
  useEffect(() => {
    setValue(store.value);
    return store.subscribe(setValue);
  }, [store]);
  return value;
}
