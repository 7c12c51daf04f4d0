import type { SubjectAccessReviewClient } from '../delegated-clients.js';
import { DecisionCache } from '../decision-cache.js';
import type { AuthorizationDecision, Authorizer, RequestAttributes } from './authorizer.js';

/** Options of {@link SubjectAccessReviewAuthorizer}; TTL defaults follow kube-rbac-proxy. */
export interface SubjectAccessReviewAuthorizerOptions {
  /** How long an allow is cached. Default 300 000 ms. */
  readonly allowTtlMs?: number;
  /** How long a deny is cached. Default 30 000 ms. Errors are never cached. */
  readonly denyTtlMs?: number;
  /** Max cached allows. Default 4096. */
  readonly maxEntries?: number;
  /** Max cached denies, kept apart so that questions that are denied can never evict allows. Default 1024. */
  readonly maxDeniedEntries?: number;
  /** Clock in ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Called with `hit` or `miss` per lookup (for metrics). */
  readonly onCacheLookup?: (result: 'hit' | 'miss') => void;
}

/**
 * Delegated authorization: a non-resource SubjectAccessReview per (user, groups, uid, extra,
 * verb, path) — the user exactly as TokenReview reported it, so a scope-limited token (its
 * scopes are in `extra`) gets only what its scopes allow, and two identities that differ only
 * in uid or extra never share a cached answer. Cached in a {@link DecisionCache} (LRU + TTL,
 * denies apart from allows). A failed review rejects (-> 500), never allows.
 * Compose it behind the static authorizer and only for token users (see `UnionAuthorizer`).
 */
export class SubjectAccessReviewAuthorizer implements Authorizer {
  readonly #client: SubjectAccessReviewClient;
  readonly #cache: DecisionCache<AuthorizationDecision>;
  readonly #onLookup: (result: 'hit' | 'miss') => void;

  constructor(client: SubjectAccessReviewClient, options: SubjectAccessReviewAuthorizerOptions = {}) {
    this.#client = client;
    this.#cache = new DecisionCache({
      positiveTtlMs: options.allowTtlMs ?? 300_000,
      negativeTtlMs: options.denyTtlMs ?? 30_000,
      maxPositive: options.maxEntries ?? 4096,
      maxNegative: options.maxDeniedEntries ?? 1024,
      ...(options.now ? { now: options.now } : {}),
    });
    this.#onLookup = options.onCacheLookup ?? (() => undefined);
  }

  async authorize(a: RequestAttributes): Promise<AuthorizationDecision> {
    const u = a.user;
    const extra = u.extra === undefined ? [] : Object.keys(u.extra).sort().map((k) => [k, u.extra?.[k]]);
    const key = JSON.stringify([u.name, u.groups, u.uid ?? null, extra, a.verb, a.path]);
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#onLookup('hit');
      return cached;
    }
    this.#onLookup('miss');
    const r = await this.#client.review({ user: u.name, groups: u.groups, ...(u.uid !== undefined ? { uid: u.uid } : {}), ...(u.extra !== undefined ? { extra: u.extra } : {}), verb: a.verb, path: a.path });
    const decision: AuthorizationDecision = { allowed: r.allowed, reason: `SubjectAccessReview: ${r.reason || (r.allowed ? 'allowed' : 'denied')}` };
    this.#cache.set(key, decision, r.allowed);
    return decision;
  }
}
