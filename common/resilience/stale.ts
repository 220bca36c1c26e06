/**
 * Last good answers, kept so a read can still be served (marked stale) when
 * its upstream fails. Bounded in entries (least recently stored evicted
 * first) and in age, and per isolate: it softens an outage, it is not a cache
 * anyone may rely on for freshness.
 */
export interface StaleEntry<T> {
  value: T;
  storedAt: number;
}

export interface StaleCopiesOptions {
  entries_max: number;
  age_ms_max: number;
  now?: () => number;
}

export class StaleCopies<T> {
  readonly #entries = new Map<string, StaleEntry<T>>();
  readonly #now: () => number;

  constructor(private readonly options: StaleCopiesOptions) {
    this.#now = options.now ?? Date.now;
  }

  remember(key: string, value: T): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, storedAt: this.#now() });
    if (this.#entries.size > this.options.entries_max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }

  /** The copy and its age in seconds, unless absent or too old to serve. */
  recall(key: string): { value: T; age_s: number } | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const age_ms = this.#now() - entry.storedAt;
    if (age_ms > this.options.age_ms_max) {
      this.#entries.delete(key);
      return undefined;
    }
    return { value: entry.value, age_s: Math.floor(age_ms / 1000) };
  }
}
