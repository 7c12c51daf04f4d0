/**
 * A bounded map whose entries expire after a per-entry TTL, with an injected clock
 * (`now()` in milliseconds, default `Date.now`) so tests never sleep. When full, the oldest
 * inserted entry is evicted. Not an LRU: hits do not refresh.
 */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.#maxEntries = options.maxEntries ?? 4096;
    this.#now = options.now ?? Date.now;
  }

  /** The live value for `key`, or undefined (expired entries are dropped). */
  get(key: K): V | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Stores `value` for `ttlMs` (<= 0 stores nothing). */
  set(key: K, value: V, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
  }

  /** Number of stored (possibly expired) entries. */
  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
