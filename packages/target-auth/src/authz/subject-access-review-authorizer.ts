import type { SubjectAccessReviewClient } from '../delegated-clients.js';
import { TtlCache } from '../ttl-cache.js';
import type { AuthorizationDecision, Authorizer, RequestAttributes } from './authorizer.js';

/** Options of {@link SubjectAccessReviewAuthorizer}; TTL defaults follow kube-rbac-proxy. */
export interface SubjectAccessReviewAuthorizerOptions {
  /** How long an allow is cached. Default 300 000 ms. */
  readonly allowTtlMs?: number;
  /** How long a deny is cached. Default 30 000 ms. Errors are never cached. */
  readonly denyTtlMs?: number;
  /** Max cached decisions. Default 4096. */
  readonly maxEntries?: number;
  /** Clock in ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Called with `hit` or `miss` per lookup (for metrics). */
  readonly onCacheLookup?: (result: 'hit' | 'miss') => void;
}

/**
 * Delegated authorization: a non-resource SubjectAccessReview per (user, groups, verb, path),
 * cached with separate allow/deny TTLs. A failed review rejects (-> 500), never allows.
 * Compose it behind the static authorizer and only for token users (see `UnionAuthorizer`).
 */
export class SubjectAccessReviewAuthorizer implements Authorizer {
  readonly #client: SubjectAccessReviewClient;
  readonly #cache: TtlCache<string, AuthorizationDecision>;
  readonly #allowTtl: number;
  readonly #denyTtl: number;
  readonly #onLookup: (result: 'hit' | 'miss') => void;

  constructor(client: SubjectAccessReviewClient, options: SubjectAccessReviewAuthorizerOptions = {}) {
    this.#client = client;
    this.#cache = new TtlCache({ maxEntries: options.maxEntries ?? 4096, now: options.now ?? Date.now });
    this.#allowTtl = options.allowTtlMs ?? 300_000;
    this.#denyTtl = options.denyTtlMs ?? 30_000;
    this.#onLookup = options.onCacheLookup ?? (() => undefined);
  }

  async authorize(a: RequestAttributes): Promise<AuthorizationDecision> {
    const key = JSON.stringify([a.user.name, a.user.groups, a.verb, a.path]);
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#onLookup('hit');
      return cached;
    }
    this.#onLookup('miss');
    const r = await this.#client.review({ user: a.user.name, groups: a.user.groups, verb: a.verb, path: a.path });
    const decision: AuthorizationDecision = { allowed: r.allowed, reason: `SubjectAccessReview: ${r.reason || (r.allowed ? 'allowed' : 'denied')}` };
    this.#cache.set(key, decision, r.allowed ? this.#allowTtl : this.#denyTtl);
    return decision;
  }
}
