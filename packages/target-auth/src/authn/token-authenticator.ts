import { createHash } from 'node:crypto';
import type { TokenReviewClient } from '../delegated-clients.js';
import { DecisionCache } from '../decision-cache.js';
import { notAuthenticated, type AuthenticationResult, type UserInfo } from './user-info.js';

/** Options of {@link TokenAuthenticator}; TTL defaults follow kube-rbac-proxy. */
export interface TokenAuthenticatorOptions {
  /**
   * Audiences to request in the TokenReview. When set, a token is accepted only if the
   * TokenReview's `status.audiences` names at least one of them (as kube-apiserver's own
   * delegating authenticator checks). Default: none (the apiserver's audiences, not checked).
   */
  readonly audiences?: readonly string[];
  /** How long an authenticated token is cached. Default 120 000 ms. */
  readonly successTtlMs?: number;
  /** How long a rejected token is cached. Default 10 000 ms. Errors are never cached. */
  readonly failureTtlMs?: number;
  /** Max cached authenticated tokens. Default 4096. */
  readonly maxEntries?: number;
  /** Max cached rejected tokens, kept apart so they can never evict authenticated ones. Default 1024. */
  readonly maxRejectedEntries?: number;
  /** Clock in ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Called with `hit` or `miss` per lookup (for metrics). */
  readonly onCacheLookup?: (result: 'hit' | 'miss') => void;
}

/**
 * Delegated bearer-token authentication through TokenReview, cached by the token's SHA-256
 * (the token itself is never stored) in a {@link DecisionCache} (LRU + TTL; rejected tokens in
 * their own half). The user carries TokenReview's `uid` and `extra`, so SubjectAccessReview
 * sees exactly the identity the token has (a scope-limited token keeps its scopes). Used only
 * when no client certificate was presented. kube-apiserver unreachable -> `token-error` (401,
 * fail closed), never cached.
 */
export class TokenAuthenticator {
  readonly #client: TokenReviewClient;
  readonly #cache: DecisionCache<AuthenticationResult>;
  readonly #audiences: readonly string[];
  readonly #onLookup: (result: 'hit' | 'miss') => void;

  constructor(client: TokenReviewClient, options: TokenAuthenticatorOptions = {}) {
    this.#client = client;
    this.#cache = new DecisionCache({
      positiveTtlMs: options.successTtlMs ?? 120_000,
      negativeTtlMs: options.failureTtlMs ?? 10_000,
      maxPositive: options.maxEntries ?? 4096,
      maxNegative: options.maxRejectedEntries ?? 1024,
      ...(options.now ? { now: options.now } : {}),
    });
    this.#audiences = options.audiences ?? [];
    this.#onLookup = options.onCacheLookup ?? (() => undefined);
  }

  /** Authenticates `token` (the part after `Bearer `). */
  async authenticate(token: string): Promise<AuthenticationResult> {
    const key = createHash('sha256').update(token).digest('base64');
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#onLookup('hit');
      return cached;
    }
    this.#onLookup('miss');
    let result: AuthenticationResult;
    try {
      const r = await this.#client.review(token, this.#audiences);
      if (!r.authenticated) {
        result = notAuthenticated('token-invalid', r.error);
      } else if (this.#audiences.length > 0 && !r.audiences.some((a) => this.#audiences.includes(a))) {
        result = notAuthenticated('token-invalid', `token audiences ${JSON.stringify(r.audiences)} do not include any of ${JSON.stringify(this.#audiences)}`);
      } else {
        const user: UserInfo = {
          name: r.user.username,
          groups: r.user.groups,
          authenticatedBy: 'token',
          ...(r.user.uid ? { uid: r.user.uid } : {}),
          ...(r.user.extra !== undefined && Object.keys(r.user.extra).length > 0 ? { extra: r.user.extra } : {}),
        };
        result = { ok: true, user };
      }
    } catch (cause) {
      return notAuthenticated('token-error', `TokenReview failed: ${(cause as Error).message}`);
    }
    this.#cache.set(key, result, result.ok);
    return result;
  }
}
