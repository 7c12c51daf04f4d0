import { LRUCache } from 'lru-cache';

/** Options of {@link DecisionCache}. */
export interface DecisionCacheOptions {
  /** How long a positive answer (authenticated, allowed) is kept, in ms; <= 0 keeps none. */
  readonly positiveTtlMs: number;
  /** How long a negative answer (rejected, denied) is kept, in ms; <= 0 keeps none. */
  readonly negativeTtlMs: number;
  /** Max positive entries. Default 4096. */
  readonly maxPositive?: number;
  /** Max negative entries. Default 1024. */
  readonly maxNegative?: number;
  /** Clock in ms. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * A cache of delegated answers (TokenReview, SubjectAccessReview) keyed by string: two LRU caches
 * (`lru-cache`) whose entries expire after a TTL, one for positive and one for negative answers, so that a flood of
 * distinct bad tokens (or denied questions) — which costs the client nothing — only ever evicts
 * other negative entries, never a good token a scraper keeps using. Within each half, eviction is
 * least-recently-used; a hit does not extend an entry's TTL (a revoked token stops working on
 * time). The clock is injected so tests never sleep.
 */
export class DecisionCache<V extends object> {
  readonly #positive: Half<V> | undefined;
  readonly #negative: Half<V> | undefined;
  readonly #now: () => number;

  constructor(options: DecisionCacheOptions) {
    this.#now = options.now ?? Date.now;
    const make = (max: number, ttlMs: number): Half<V> | undefined => (ttlMs > 0 && max > 0 ? { lru: new LRUCache<string, Entry<V>>({ max }), ttlMs } : undefined);
    this.#positive = make(options.maxPositive ?? 4096, options.positiveTtlMs);
    this.#negative = make(options.maxNegative ?? 1024, options.negativeTtlMs);
  }

  /** The live answer for `key`, or undefined. */
  get(key: string): V | undefined {
    return this.#live(this.#positive, key) ?? this.#live(this.#negative, key);
  }

  /** Stores `value` as a positive or negative answer (nothing when that half's TTL is <= 0). */
  set(key: string, value: V, positive: boolean): void {
    const [into, other] = positive ? [this.#positive, this.#negative] : [this.#negative, this.#positive];
    other?.lru.delete(key);
    into?.lru.set(key, { value, expiresAt: this.#now() + into.ttlMs });
  }

  /** Stored entries (some possibly expired): positive and negative. */
  get size(): { readonly positive: number; readonly negative: number } {
    return { positive: this.#positive?.lru.size ?? 0, negative: this.#negative?.lru.size ?? 0 };
  }

  #live(half: Half<V> | undefined, key: string): V | undefined {
    const e = half?.lru.get(key);
    if (e === undefined) return undefined;
    // Expiry is checked here against the injected clock, exactly at the TTL (lru-cache's own TTL
    // reads performance.now and treats a start time of 0 as "no TTL"); the LRU bounds the size.
    if (e.expiresAt <= this.#now()) {
      half?.lru.delete(key);
      return undefined;
    }
    return e.value;
  }
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

interface Half<V extends object> {
  readonly lru: LRUCache<string, Entry<V>>;
  readonly ttlMs: number;
}
