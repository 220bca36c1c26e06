/**
 * A bounded map that forgets the least recently used entry first. Backed by a
 * `Map`, whose iteration order is insertion order: a read re-inserts the key,
 * so the first key is always the least recently used.
 */
export class Lru<V> {
  readonly #entries = new Map<string, V>();
  readonly #max: number;

  constructor(max_entries: number) {
    if (!Number.isInteger(max_entries) || max_entries < 1)
      throw new Error(`an LRU needs at least one entry, got ${max_entries}`);
    this.#max = max_entries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value for `key`, which becomes the most recently used. */
  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
